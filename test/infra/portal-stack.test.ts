import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PROJECT_ROOT } from '../../infra/constructs/service-function';
import { acknowledgements, nagViolations } from '../fixtures/cdk-nag';
import { PortalStack, readPortalSettings } from '../../infra/stacks/portal-stack';
import { portalSecurityHeaders } from '../../shared/portal/security-headers';

const cdkJsonContext = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

const API_URL = 'https://abc123defg.execute-api.ca-central-1.amazonaws.com/prod/';
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const CUSTOM_DOMAIN = { portalDomainName: 'portal.example.com', portalCertificateArn: CERTIFICATE_ARN };
/** Spec §8 and issue 10: written out here, not computed with the code under test. */
const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self' https://abc123defg.execute-api.ca-central-1.amazonaws.com; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const PAGE_PATHS = ['/activation', '/registration', '/activation-request', '/sign-in', '/account/users', '/password-reset'];

/** The app and stack, not synthesized yet (a construct may still be added). */
function stackOf(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...cdkJsonContext, apiUrl: API_URL, ...context } });
  return { app, stack: new PortalStack(app, 'PortalTest') };
}

function build(context: Record<string, unknown> = {}) {
  const { app, stack } = stackOf(context);
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** What the viewer-request function returns: the request to pass on, or a response. */
type FunctionResult = { uri?: string; querystring?: unknown; statusCode?: number; headers?: Record<string, { value: string }> };

/** The viewer-request function of the template, run as CloudFront would run it on one URI. */
function rewriter(code: string): (uri: string, querystring?: Record<string, unknown>) => FunctionResult {
  const handler = vm.runInNewContext(`${code}\n;handler`, {}) as (event: unknown) => FunctionResult;
  return (uri, querystring = {}) =>
    handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request: { method: 'GET', uri, querystring, headers: {}, cookies: {} } });
}

describe('PortalStack', () => {
  let built: ReturnType<typeof build>;
  let resources: Record<string, Resource>;
  let distribution: Record<string, any>;
  let pagesBucketId: string;
  let logBucketId: string;

  beforeAll(() => {
    built = build();
    resources = built.template.toJSON().Resources;
    const distributions = ofType(resources, 'AWS::CloudFront::Distribution');
    expect(distributions).toHaveLength(1);
    distribution = distributions[0]![1].Properties.DistributionConfig;
    pagesBucketId = built.stack.getLogicalId(built.stack.site.bucket.node.defaultChild as s3.CfnBucket);
    logBucketId = built.stack.getLogicalId(built.stack.site.logBucket.node.defaultChild as s3.CfnBucket);
  });

  describe('pages bucket', () => {
    it('is private: every public access blocked, ACLs disabled, encrypted with S3-managed keys, no website endpoint', () => {
      const bucket = resources[pagesBucketId]!.Properties;
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(bucket.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
      expect(bucket.WebsiteConfiguration).toBeUndefined();
      expect(bucket.AccessControl).toBeUndefined();
      expect(bucket.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: 's3/' });
    });

    it('lets only this distribution read, through origin access control, and refuses plain HTTP', () => {
      const policies = ofType(resources, 'AWS::S3::BucketPolicy').filter(([, policy]) => policy.Properties.Bucket.Ref === pagesBucketId);
      expect(policies).toHaveLength(1);
      const statements = policies[0]![1].Properties.PolicyDocument.Statement as Record<string, any>[];
      const allows = statements.filter((statement) => statement.Effect === 'Allow');
      const distributionId = ofType(resources, 'AWS::CloudFront::Distribution')[0]![0];
      expect(allows).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [pagesBucketId, 'Arn'] }, '/*']] },
          Condition: {
            StringEquals: {
              'AWS:SourceArn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId }]],
              },
            },
          },
        },
      ]);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('is the only origin, reached with origin access control (SigV4 always), never an origin access identity', () => {
      const controls = ofType(resources, 'AWS::CloudFront::OriginAccessControl');
      expect(controls).toHaveLength(1);
      expect(controls[0]![1].Properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      expect(ofType(resources, 'AWS::CloudFront::CloudFrontOriginAccessIdentity')).toEqual([]);
      expect(distribution.Origins).toEqual([
        {
          Id: expect.any(String),
          DomainName: { 'Fn::GetAtt': [pagesBucketId, 'RegionalDomainName'] },
          OriginAccessControlId: { 'Fn::GetAtt': [controls[0]![0], 'Id'] },
          S3OriginConfig: { OriginAccessIdentity: '' },
        },
      ]);
    });

    it('keeps the access logs (server and CloudFront) in a private log bucket for 90 days', () => {
      const logs = resources[logBucketId]!.Properties;
      expect(logs.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(logs.LifecycleConfiguration).toEqual({ Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] });
      // S3 delivers the pages bucket's logs under a bucket policy, not through the log-delivery group's ACL.
      expect(logs.AccessControl).toBeUndefined();
      const policy = ofType(resources, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === logBucketId)![1];
      expect(policy.Properties.PolicyDocument.Statement.filter((statement: { Effect: string }) => statement.Effect === 'Allow')).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logBucketId, 'Arn'] }, '/s3/*']] },
          Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [pagesBucketId, 'Arn'] } }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      expect(distribution.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logBucketId, 'RegionalDomainName'] }, IncludeCookies: false, Prefix: 'cloudfront/' });
      expect(ofType(resources, 'AWS::S3::Bucket')).toHaveLength(2);
    });
  });

  describe('distribution', () => {
    it('answers HTTPS only: HTTP is redirected, GET and HEAD only', () => {
      const behaviors = [distribution.DefaultCacheBehavior, ...(distribution.CacheBehaviors ?? [])];
      for (const behavior of behaviors) {
        expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
        expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
      }
    });

    it("uses CloudFront's certificate without a custom domain (CFR4 acknowledged), TLS 1.2 2021 with one", () => {
      expect(distribution.ViewerCertificate).toBeUndefined();
      expect(distribution.Aliases).toBeUndefined();

      const custom = build(CUSTOM_DOMAIN).template.toJSON().Resources as Record<string, Resource>;
      const config = ofType(custom, 'AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
      expect(config.Aliases).toEqual(['portal.example.com']);
      expect(config.ViewerCertificate).toEqual({
        AcmCertificateArn: CERTIFICATE_ARN,
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      });
    });

    it('sends the security headers with exactly the strict CSP, which lets the pages call the API origin only', () => {
      const policies = ofType(resources, 'AWS::CloudFront::ResponseHeadersPolicy');
      expect(policies).toHaveLength(1);
      const [policyId, policy] = policies[0]!;
      expect(distribution.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
      const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      expect(security.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: EXPECTED_CSP, Override: true });
      expect(security.ContentTypeOptions).toEqual({ Override: true });
      expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
      expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'no-referrer', Override: true });
      expect(security.StrictTransportSecurity).toEqual({ AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true });
    });

    it('sends at least every security header the local stack sends, with the same value', () => {
      const config = ofType(resources, 'AWS::CloudFront::ResponseHeadersPolicy')[0]![1].Properties.ResponseHeadersPolicyConfig;
      const security = config.SecurityHeadersConfig;
      const sent: Record<string, string> = {
        'content-security-policy': security.ContentSecurityPolicy.ContentSecurityPolicy,
        'x-content-type-options': 'nosniff',
        'x-frame-options': security.FrameOptions.FrameOption,
        'referrer-policy': security.ReferrerPolicy.ReferrerPolicy,
      };
      for (const header of config.CustomHeadersConfig.Items as { Header: string; Value: string }[]) sent[header.Header.toLowerCase()] = header.Value;
      expect(sent).toMatchObject(portalSecurityHeaders('https://abc123defg.execute-api.ca-central-1.amazonaws.com'));
    });

    it('serves every clean page path from its index.html, sends / to the sign-in page, and leaves every other path alone', () => {
      const functions = ofType(resources, 'AWS::CloudFront::Function');
      expect(functions).toHaveLength(1);
      const [functionId, fn] = functions[0]!;
      expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
      expect(distribution.DefaultCacheBehavior.FunctionAssociations).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
      ]);

      const rewrite = rewriter(fn.Properties.FunctionCode);
      for (const page of PAGE_PATHS) {
        expect(rewrite(page).uri).toBe(`${page}/index.html`);
        expect(rewrite(`${page}/`).uri).toBe(`${page}/index.html`);
      }
      // `/` goes to the home page as on the local stack, keeping the query string.
      expect(rewrite('/')).toEqual({ statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/sign-in' } } });
      expect(rewrite('/', { lang: { value: 'en' }, a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] }, b: { value: '' } })).toMatchObject({
        statusCode: 302,
        headers: { location: { value: '/sign-in?lang=en&a=1&a=2&b' } },
      });
      // The query string (`?lang=en`) reaches the page untouched.
      expect(rewrite('/activation', { lang: { value: 'en' } })).toMatchObject({ uri: '/activation/index.html', querystring: { lang: { value: 'en' } } });
      for (const other of ['/config.json', '/assets/activation-ABC123.js', '/activationx', '/account', '/sign-in/other', '/unknown', '/404.html']) {
        expect(rewrite(other).uri).toBe(other);
      }
    });

    it('answers a path with no file with the 404 page and status 404 (S3 says 403 to a reader that may not list)', () => {
      expect(distribution.CustomErrorResponses).toEqual([403, 404].map((code) => ({ ErrorCode: code, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 60 })));
    });
  });

  describe('built pages', () => {
    it('are built at synth time with the API URL and phone of the context, every rewrite target and the 404 page included', () => {
      const outDir = built.stack.build.outDir;
      expect(outDir.startsWith(built.app.outdir)).toBe(true);
      expect(JSON.parse(readFileSync(path.join(outDir, 'config.json'), 'utf8'))).toEqual({
        apiUrl: 'https://abc123defg.execute-api.ca-central-1.amazonaws.com/prod',
        customerServicePhone: cdkJsonContext.customerServicePhone,
      });
      for (const file of [...PAGE_PATHS.map((page) => `${page.slice(1)}/index.html`), 'index.html', '404.html']) {
        expect(existsSync(path.join(outDir, file))).toBe(true);
      }
      const notFound = readFileSync(path.join(outDir, '404.html'), 'utf8');
      expect(notFound).toContain('Page introuvable');
      expect(notFound).toContain('Page not found');
      // The strict CSP forbids inline script and style: the 404 page has neither.
      expect(notFound).not.toMatch(/<script|<style|style=/i);
      const stylesheet = /href="\/(assets\/[^"]+\.css)"/.exec(notFound)?.[1];
      expect(stylesheet && existsSync(path.join(outDir, stylesheet))).toBe(true);
    });

    it('deploys the hashed assets first, cached for good and never pruned, then the rest, revalidated by browsers, and invalidates the distribution', () => {
      const deployments = ofType(resources, 'Custom::CDKBucketDeployment');
      expect(deployments).toHaveLength(2);
      const distributionId = ofType(resources, 'AWS::CloudFront::Distribution')[0]![0];
      const assets = deployments.find(([, d]) => d.Properties.Include);
      const pages = deployments.find(([, d]) => !d.Properties.Include);
      expect(assets![1].Properties).toMatchObject({
        DestinationBucketName: { Ref: pagesBucketId },
        Exclude: ['*'],
        Include: ['assets/*'],
        Prune: false,
        SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
      });
      expect(assets![1].Properties.DistributionId).toBeUndefined();
      expect(pages![1].Properties).toMatchObject({
        DestinationBucketName: { Ref: pagesBucketId },
        Exclude: ['assets/*'],
        Prune: true,
        SystemMetadata: { 'cache-control': 'public, max-age=0, must-revalidate, s-maxage=86400' },
        DistributionId: { Ref: distributionId },
        DistributionPaths: ['/*'],
      });
      expect(pages![1].DependsOn).toEqual(expect.arrayContaining([assets![0]]));
    });
  });

  describe('outputs', () => {
    it("gives the portal URL (the API stack's portalUrl): the distribution's domain, or the custom domain", () => {
      const distributionId = ofType(resources, 'AWS::CloudFront::Distribution')[0]![0];
      built.template.hasOutput('PortalUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] } });
      built.template.hasOutput('DistributionId', { Value: { Ref: distributionId } });
      built.template.hasOutput('DistributionDomainName', { Value: { 'Fn::GetAtt': [distributionId, 'DomainName'] } });
      build(CUSTOM_DOMAIN).template.hasOutput('PortalUrl', { Value: 'https://portal.example.com' });
    });
  });

  describe('readPortalSettings', () => {
    const settingsOf = (context: Record<string, unknown>) => readPortalSettings(new App({ context: { ...cdkJsonContext, ...context } }));

    it('keeps the API base URL without its trailing slash, and its origin for the CSP', () => {
      expect(settingsOf({ apiUrl: API_URL })).toMatchObject({
        apiUrl: 'https://abc123defg.execute-api.ca-central-1.amazonaws.com/prod',
        apiOrigin: 'https://abc123defg.execute-api.ca-central-1.amazonaws.com',
        domain: undefined,
      });
      expect(settingsOf({ apiUrl: API_URL, ...CUSTOM_DOMAIN }).domain).toEqual({ domainName: 'portal.example.com', certificateArn: CERTIFICATE_ARN });
    });

    it.each([
      [{ apiUrl: undefined }, '"apiUrl" is missing'],
      [{ apiUrl: 'not a url' }, '"apiUrl" is not a URL'],
      [{ apiUrl: 'http://abc.execute-api.ca-central-1.amazonaws.com/prod' }, '"apiUrl" must use https'],
      [{ apiUrl: `${API_URL}?x=1` }, '"apiUrl" must have no query'],
      [{ apiUrl: `${API_URL}v1/` }, '"apiUrl" is the API\'s base URL, without /v1'],
      [{ apiUrl: API_URL, customerServicePhone: 'call us' }, '"customerServicePhone" must be a phone number'],
      [{ apiUrl: API_URL, portalDomainName: 'portal.example.com' }, '"portalDomainName" and "portalCertificateArn" go together'],
      [{ apiUrl: API_URL, portalDomainName: 'https://portal.example.com', portalCertificateArn: CERTIFICATE_ARN }, '"portalDomainName" must be a domain name'],
      [
        { apiUrl: API_URL, ...CUSTOM_DOMAIN, portalCertificateArn: CERTIFICATE_ARN.replace('us-east-1', 'ca-central-1') },
        '"portalCertificateArn" must be the ARN of an ACM certificate in us-east-1',
      ],
    ])('refuses %j with a clear message', (context, message) => {
      expect(() => settingsOf(context)).toThrow(message);
    });
  });
});

describe('PortalStack under cdk-nag AwsSolutions', () => {
  it('reports nothing unacknowledged with the default certificate', () => {
    expect(nagViolations(stackOf().app)).toEqual([]);
  });

  it('reports nothing unacknowledged with a custom domain, and acknowledges no TLS finding there', () => {
    const { app, stack } = stackOf(CUSTOM_DOMAIN);
    expect(nagViolations(app)).toEqual([]);
    expect(acknowledgements(stack).map((ack) => ack.id)).not.toContain('AwsSolutions-CFR4');
  });

  it('reports nothing unacknowledged with another bootstrap qualifier (the assets bucket changes name)', () => {
    expect(nagViolations(stackOf({ '@aws-cdk/core:bootstrapQualifier': 'portal42' }).app)).toEqual([]);
  });

  it('still reports what nobody acknowledged (the check is live)', () => {
    const { app, stack } = stackOf();
    new s3.Bucket(stack, 'UnacknowledgedBucket', { enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
    expect(nagViolations(app)).toEqual([expect.stringMatching(/^AwsSolutions-S1 \(error\) at PortalTest\/UnacknowledgedBucket\//)]);
  });

  it('acknowledges findings one by one, on the construct concerned, each with its reason', () => {
    const { stack } = build();
    const acks = acknowledgements(stack);
    for (const ack of acks) {
      expect(ack.path).not.toBe(stack.node.path);
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      if (/^AwsSolutions-IAM[45]/.test(ack.id)) expect(ack.id).toMatch(/\[(Resource|Action|Policy)::.+\]$/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
    const where = (id: string) => acks.filter((ack) => ack.id === id).map((ack) => ack.path);
    expect(where('AwsSolutions-S1')).toEqual(['PortalTest/Site/AccessLogs']);
    expect(where('AwsSolutions-CFR1')).toEqual(['PortalTest/Site/Distribution']);
    expect(where('AwsSolutions-CFR2')).toEqual(['PortalTest/Site/Distribution']);
    expect(where('AwsSolutions-CFR4')).toEqual(['PortalTest/Site/Distribution']);
    // The rest concern CDK's BucketDeployment provider only (its function, role and policy).
    for (const ack of acks.filter((a) => /^AwsSolutions-(IAM|L)/.test(a.id))) {
      expect(ack.path).toMatch(/^PortalTest\/Custom::CDKBucketDeployment[0-9A-F]+256MiB(\/ServiceRole(\/DefaultPolicy)?)?$/);
    }
    expect([...new Set(acks.map((ack) => ack.id.replace(/\[.*$/, '')))].sort()).toEqual([
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR4',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
    ]);
  });

  it('leaves no CDK warning or error on the stack', () => {
    const { stack } = build();
    const annotations = Annotations.fromStack(stack as Stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});
