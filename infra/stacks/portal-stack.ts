import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Stack, Stage, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { checkHttpsUrl, contextReader, InvalidContextError, phoneProblem } from '../context-values';
import { PortalSite, type PortalDomain } from '../constructs/portal-site';
import { buildPortalSync, type BuildReport } from '../../shared/portal/build';

/** Deployment settings of the portal, read from CDK context values (defaults in cdk.json). */
export interface PortalSettings {
  /** The API's base URL, without `/v1` and without a trailing slash: what the pages call. */
  readonly apiUrl: string;
  /** Origin of `apiUrl`: the only other origin the CSP lets the pages call. */
  readonly apiOrigin: string;
  /** Shown by the pages when a link can no longer be used. */
  readonly customerServicePhone: string;
  /** @default the distribution's `*.cloudfront.net` domain */
  readonly domain?: PortalDomain;
}

const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// CloudFront takes certificates from ACM in us-east-1 only.
const CLOUDFRONT_CERTIFICATE_ARN_PATTERN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/;

/**
 * Reads and validates the portal's context values; throws one error that lists every problem,
 * with how to set the value, so that `cdk synth` fails before building anything.
 */
export function readPortalSettings(scope: Construct): PortalSettings {
  const problems: string[] = [];
  const read = contextReader(scope, problems);

  const rawApiUrl = read('apiUrl', true);
  let apiUrl = '';
  let apiOrigin = '';
  if (rawApiUrl !== undefined) {
    // The pages are served over HTTPS: a call to an http API would be blocked as mixed content.
    const checked = checkHttpsUrl('apiUrl', rawApiUrl, { allowLocalHttp: false });
    problems.push(...checked.problems);
    if (checked.url !== undefined && /\/v1$/.test(checked.url)) {
      problems.push(`"apiUrl" is the API's base URL, without /v1 (got ${JSON.stringify(rawApiUrl)})`);
    } else if (checked.url !== undefined) {
      apiUrl = checked.url;
      apiOrigin = checked.origin!;
    }
  }

  const customerServicePhone = read('customerServicePhone', true);
  const phone = customerServicePhone === undefined ? undefined : phoneProblem('customerServicePhone', customerServicePhone);
  if (phone) problems.push(phone);

  const domainName = read('portalDomainName', false)?.toLowerCase();
  const certificateArn = read('portalCertificateArn', false);
  if (domainName !== undefined && !DOMAIN_PATTERN.test(domainName)) {
    problems.push(`"portalDomainName" must be a domain name such as portal.example.com (got ${JSON.stringify(domainName)})`);
  }
  if (certificateArn !== undefined && !CLOUDFRONT_CERTIFICATE_ARN_PATTERN.test(certificateArn)) {
    problems.push(
      `"portalCertificateArn" must be the ARN of an ACM certificate in us-east-1, arn:aws:acm:us-east-1:<account>:certificate/<id> (got ${JSON.stringify(certificateArn)})`,
    );
  }
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    problems.push('"portalDomainName" and "portalCertificateArn" go together: set both or neither');
  }

  if (problems.length > 0) {
    throw new InvalidContextError(problems);
  }
  return {
    apiUrl,
    apiOrigin,
    customerServicePhone: customerServicePhone!,
    domain: domainName && certificateArn ? { domainName, certificateArn } : undefined,
  };
}

/**
 * Builds the pages for these settings into `outDir` (emptied first), 404 page included. Runs at
 * synth time, so the deployed files always match the API they call.
 */
export function buildPortalPages(outDir: string, settings: PortalSettings): BuildReport {
  rmSync(outDir, { recursive: true, force: true });
  return buildPortalSync(outDir, { apiUrl: settings.apiUrl, customerServicePhone: settings.customerServicePhone });
}

export interface PortalStackProps extends StackProps {
  /** @default read from the context (`readPortalSettings`) */
  readonly settings?: PortalSettings;
}

/**
 * The portal's pages (spec §8) on S3 and CloudFront. Its `PortalUrl` output is the API stack's
 * `portalUrl`; the API stack's `ApiUrl` output is this stack's `apiUrl` (see app.ts).
 */
export class PortalStack extends Stack {
  readonly site: PortalSite;
  readonly settings: PortalSettings;
  /** What was built and deployed, with each file's size. */
  readonly build: BuildReport;

  constructor(scope: Construct, id: string, props: PortalStackProps = {}) {
    super(scope, id, props);
    this.settings = props.settings ?? readPortalSettings(this);
    Tags.of(this).add('service', 'registration-portal');

    // Built inside the cloud assembly folder (cdk.out when run by the CLI), one folder per stack.
    const outDir = path.join(Stage.of(this)!.outdir, `${this.artifactId}.pages`);
    this.build = buildPortalPages(outDir, this.settings);

    this.site = new PortalSite(this, 'Site', { pagesDir: outDir, apiOrigin: this.settings.apiOrigin, domain: this.settings.domain });

    new CfnOutput(this, 'PortalUrl', {
      description: "The portal's URL: deploy the API stack with -c portalUrl=<this value>",
      value: this.site.url,
    });
    new CfnOutput(this, 'DistributionId', { value: this.site.distribution.distributionId });
    new CfnOutput(this, 'DistributionDomainName', {
      description: 'Where the DNS record of portalDomainName points (CNAME or alias), when one is set',
      value: this.site.distribution.distributionDomainName,
    });
    new CfnOutput(this, 'PagesBucketName', { value: this.site.bucket.bucketName });
  }
}
