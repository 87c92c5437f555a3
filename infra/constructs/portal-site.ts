import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { BOOTSTRAP_QUALIFIER_CONTEXT, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { NOT_FOUND_FILE } from '../../shared/portal/build';
import { HOME_PAGE_ROUTE, PORTAL_PAGES } from '../../shared/portal/pages';
import { portalContentSecurityPolicy } from '../../shared/portal/security-headers';

/** A custom domain for the portal, with its ACM certificate (which CloudFront needs in us-east-1). */
export interface PortalDomain {
  readonly domainName: string;
  readonly certificateArn: string;
}

export interface PortalSiteProps {
  /** The folder of the built pages (`buildPortalSync`'s output), deployed as it is. */
  readonly pagesDir: string;
  /** The API's origin (scheme://host): the only other origin the pages may call (CSP `connect-src`). */
  readonly apiOrigin: string;
  /** @default the distribution's own `*.cloudfront.net` domain and CloudFront's certificate */
  readonly domain?: PortalDomain;
}

/** The page CloudFront answers with, status 404, for any path that holds no file (the portal build writes it). */
export const NOT_FOUND_PAGE = `/${NOT_FOUND_FILE}`;
/** How long CloudFront and browsers keep the 404 answer: short, so that a page deployed later shows at once. */
const NOT_FOUND_TTL = Duration.minutes(1);
/** Viewer logs hold client IP addresses (personal data): kept as long as an investigation needs, no longer. */
const ACCESS_LOG_RETENTION = Duration.days(90);
/** Cache-Control of the files that keep their name (HTML, config.json, 404 page). */
export const PAGE_CACHE_CONTROL = 'public, max-age=0, must-revalidate, s-maxage=86400';
/** Cache-Control of the content-hashed bundles. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Where the build puts the content-hashed bundles. */
const ASSETS_PREFIX = 'assets';
const HSTS_MAX_AGE = Duration.days(730);

/**
 * The source of the viewer-request CloudFront Function (runtime cloudfront-js-2.0). Each clean
 * page path (`/activation`, `/activation/`) is rewritten to its `…/index.html` object; `/` is
 * redirected (302) to the home page with its query string, as the local stack does. Any other
 * path goes to S3 as it is, so that a missing file stays a 404. The list comes from
 * `PORTAL_PAGES`, as the local server's does.
 */
export function rewriteFunctionCode(): string {
  const files: Record<string, string> = {};
  for (const page of PORTAL_PAGES) files[page.route] = `/${page.file}`;
  return [
    `var FILES = ${JSON.stringify(files)};`,
    `var HOME = ${JSON.stringify(HOME_PAGE_ROUTE)};`,
    'function handler(event) {',
    '  var request = event.request;',
    '  var uri = request.uri;',
    "  if (uri === '/') {",
    '    var query = [];',
    '    for (var name in request.querystring) {',
    '      var field = request.querystring[name];',
    '      var values = field.multiValue ? field.multiValue : [field];',
    "      for (var i = 0; i < values.length; i++) query.push(values[i].value === '' ? name : name + '=' + values[i].value);",
    '    }',
    "    var location = HOME + (query.length > 0 ? '?' + query.join('&') : '');",
    "    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: location } } };",
    '  }',
    "  var path = uri.charAt(uri.length - 1) === '/' ? uri.slice(0, -1) : uri;",
    '  if (Object.prototype.hasOwnProperty.call(FILES, path)) request.uri = FILES[path];',
    '  return request;',
    '}',
    '',
  ].join('\n');
}

/**
 * The portal's static pages: a private S3 bucket that only this distribution reads (origin
 * access control), behind CloudFront over HTTPS with the portal's security headers, deployed
 * from the built folder with an invalidation of the distribution.
 */
export class PortalSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** The hashed scripts and style sheet (`assets/`). */
  readonly assetsDeployment: s3deploy.BucketDeployment;
  /** The HTML files and `config.json`, with the distribution's invalidation. */
  readonly deployment: s3deploy.BucketDeployment;
  /** `https://<domain>` with no trailing slash: the value of the API stack's `portalUrl`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: PortalSiteProps) {
    super(scope, id);
    // S3 server access logs delivered under a bucket policy scoped to the pages bucket, instead of
    // an ACL grant to the log-delivery group (what `cdk init` sets for new apps); here only.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    // CloudFront standard logs are written with an ACL grant to the log delivery account, so
    // this bucket keeps ACLs (object writer); nothing in it is public.
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: ACCESS_LOG_RETENTION }],
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "This bucket is the destination of the portal bucket's server access logs and of CloudFront's logs; logging its own accesses would log the log writes.",
    });

    // Versioning off: the bucket holds only build output, replaced whole at each deployment
    // (prune); a rollback is a deployment of the previous commit.
    this.bucket = new s3.Bucket(this, 'Pages', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Business portal pages: strict CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: portalContentSecurityPolicy(props.apiOrigin), override: true },
        strictTransportSecurity: { accessControlMaxAge: HSTS_MAX_AGE, includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          { header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()', override: true },
        ],
      },
    });

    const rewrite = new cloudfront.Function(this, 'CleanPaths', {
      comment: 'Serves each portal page path from its index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(rewriteFunctionCode()),
    });

    const certificate = props.domain
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn)
      : undefined;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Business portal pages',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        // Query strings (`?lang=en`) are read by the pages' scripts: the cache key leaves them out.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: [{ function: rewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      // S3 answers 403 for a missing object when the reader may not list the bucket.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 404,
        responsePagePath: NOT_FOUND_PAGE,
        ttl: NOT_FOUND_TTL,
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // The customers are Canadian businesses: edge locations of North America and Europe.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      // CloudFront's default certificate takes no minimum TLS version (CFR4, acknowledged below).
      ...(certificate && {
        domainNames: [props.domain!.domainName],
        certificate,
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        sslSupportMethod: cloudfront.SSLMethod.SNI,
      }),
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      logIncludesCookies: false,
    });
    this.acknowledgeDistribution(props.domain !== undefined);

    this.url = props.domain ? `https://${props.domain.domainName}` : `https://${this.distribution.distributionDomainName}`;

    if (!existsSync(path.join(props.pagesDir, NOT_FOUND_PAGE))) {
      throw new Error(`The built pages in ${props.pagesDir} have no ${NOT_FOUND_PAGE}`);
    }
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const source = s3deploy.Source.asset(props.pagesDir);
    // The scripts and the style sheet have content-hashed names: cached for good. Older ones are
    // not pruned, so that a page loaded just before a deployment still finds its script.
    this.assetsDeployment = new s3deploy.BucketDeployment(this, 'AssetsDeployment', {
      sources: [source],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: [`${ASSETS_PREFIX}/*`],
      prune: false,
      cacheControl: [s3deploy.CacheControl.fromString(ASSET_CACHE_CONTROL)],
      memoryLimit: 256,
      logGroup,
    });
    // The HTML files and config.json keep their names: browsers revalidate them at every load;
    // CloudFront keeps them a day and is invalidated once they are in place (after the assets
    // they point to).
    this.deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      sources: [source],
      destinationBucket: this.bucket,
      exclude: [`${ASSETS_PREFIX}/*`],
      prune: true,
      cacheControl: [s3deploy.CacheControl.fromString(PAGE_CACHE_CONTROL)],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 256,
      logGroup,
    });
    this.deployment.node.addDependency(this.assetsDeployment);
    this.acknowledgeDeployment();
  }

  private acknowledgeDistribution(customDomain: boolean): void {
    const nag = Validations.of(this.distribution);
    nag.acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'No geo restriction: account holders sign in from wherever they travel; the pages are public static files and the API applies its own rate limits.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF on the distribution: it serves only static files from S3 (GET/HEAD, cached); the API, which takes the input, has its own WAF. A CLOUDFRONT-scope web ACL would also pin this stack to us-east-1.',
      },
    );
    if (!customDomain) {
      nag.acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          "Deployed without portalDomainName: CloudFront's default *.cloudfront.net certificate cannot set a minimum TLS version; with a custom domain the stack sets TLSv1.2_2021.",
      });
    }
  }

  /**
   * The deployments' provider function is CDK's singleton for the stack, outside this
   * construct; its findings are acknowledged on that function, its role and its policy, one by one.
   */
  private acknowledgeDeployment(): void {
    const stack = Stack.of(this);
    const role = this.deployment.handlerRole;
    const policy = role.node.tryFindChild('DefaultPolicy');
    const handler = role.node.scope;
    if (!policy || !handler) throw new Error('BucketDeployment: its provider function has no role policy');
    const qualifier: string = this.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assetObjects = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`;
    const pagesObjects = `<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`;

    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason: "CDK's BucketDeployment provider chooses its own runtime (Python, updated with aws-cdk-lib); it runs only while CloudFormation deploys the pages.",
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's BucketDeployment provider function writes its own logs with the AWS managed basic execution policy; it runs only at deployment.",
    });
    const grants = 'CDK\'s BucketDeployment grant: read the pages\' zip from the CDK assets bucket, write and prune the objects of the pages bucket';
    Validations.of(policy).acknowledge(
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${grants}; ${action} is on those two buckets only.`,
      })),
      { id: `AwsSolutions-IAM5[Resource::${assetObjects}]`, reason: `${grants}: the zip's key is known at deploy time only.` },
      { id: `AwsSolutions-IAM5[Resource::${pagesObjects}]`, reason: `${grants}: every object of the pages bucket, which holds nothing else.` },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: "CDK's BucketDeployment grants cloudfront:CreateInvalidation and GetInvalidation on * (not settable); they only invalidate cached copies, after each deployment.",
      },
    );
  }
}
