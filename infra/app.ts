/**
 * The CDK app: two stacks, checked by cdk-nag's AwsSolutions pack at synthesis (a finding that is
 * not acknowledged with its reason fails `cdk synth`). Settings are context values (cdk.json,
 * or `-c key=value`); no account or region is fixed and nothing is looked up, so synthesis runs
 * offline.
 *
 * The stacks point at each other through context values, not cross-stack references: the API
 * needs the portal's URL (`portalUrl`: CORS origin, the emails' links) and the portal needs the
 * API's (`apiUrl`: CSP `connect-src`, `config.json`), a cycle CloudFormation exports cannot
 * express. Deploy order (README): the API, then the portal with `-c apiUrl=<ApiUrl output>`,
 * then the API again with `-c portalUrl=<PortalUrl output>` (unless `portalDomainName` made the
 * portal's URL known beforehand).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PortalStack } from './stacks/portal-stack';
import { RegistrationStack } from './stacks/registration-stack';
import { quietAssetBundling, readAppSettingsOrExit } from './context';

quietAssetBundling();
const app = new App();
// Every context value of both stacks checked at once: one message, exit 1, no stack trace.
const settings = readAppSettingsOrExit(app);
new RegistrationStack(app, 'BusinessPortalRegistration', {
  description: 'Business portal registration service: activation emails, registration, users',
  settings: settings.registration,
});
new PortalStack(app, 'BusinessPortalSite', {
  description: 'Business portal pages: private S3 bucket behind CloudFront',
  settings: settings.portal,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
