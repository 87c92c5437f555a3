/**
 * The CDK app: one stack, checked by cdk-nag's AwsSolutions pack at synthesis (a finding that is
 * not acknowledged with its reason fails `cdk synth`). Settings are context values (cdk.json,
 * or `-c key=value`); no account or region is fixed and nothing is looked up, so synthesis runs
 * offline.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RegistrationStack } from './stacks/registration-stack';

const app = new App();
new RegistrationStack(app, 'BusinessPortalRegistration', {
  description: 'Business portal registration service: activation emails, registration, users',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
