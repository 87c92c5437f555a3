import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PASSWORD_THREAD_FILE } from '../../shared/adapters/argon2-password-hasher';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/metric-names';

/** The repository root: entries, package-lock.json and tsconfig.json live there. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Where a Lambda function's entry lives: `functions/<group>/<name>.handler.ts` (`api`: routes,
 * `workflow`: state machine steps, `events`: subscribers to the service's topics).
 */
export function functionEntry(group: 'api' | 'workflow' | 'events', name: string): string {
  return path.join(PROJECT_ROOT, 'functions', group, `${name}.handler.ts`);
}

/**
 * Credential sources the SDK's default chain imports only when it reaches them (`import()`), that
 * is when the environment carries no credentials. Lambda always puts the role's credentials in
 * the environment, so these never load there: left out of the bundle, they would resolve from
 * the runtime's own SDK if they ever did. Event streams likewise load only for event-stream
 * operations, which DynamoDB, SES and Step Functions do not have.
 */
const LAZY_SDK_MODULES = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@smithy/credential-provider-imds',
  '@smithy/core/event-streams',
];

/**
 * The esbuild options every function is bundled with. `infra/tools/report-bundle-sizes.ts`
 * bundles with exactly these, so the sizes it reports are the deployed ones.
 * The SDK clients a function uses are bundled (the versions pinned in package.json are the ones
 * tested), as ES modules: `module` first lets esbuild tree-shake the SDK's ES builds, and one
 * minified ESM file loads in about a quarter of the CPU time the same function takes with the
 * runtime's SDK, hundreds of CommonJS files (`npm run bench`, cold start; docs/performance.md).
 * No dependency calls `require` once bundled, so
 * no `createRequire` banner is needed (`npm run bundle:report` checks it). Source maps are
 * written beside the bundle (`index.mjs.map`), never inlined nor loaded at start: they are for
 * reading stack traces. Names are not kept (`keepNames` would wrap every function and class of
 * the SDK in a naming call: about 25 KiB a bundle, and work at every cold start): each error class
 * of ours names itself (`error.name`), which is what logs show and what the state machine's Retry
 * and Catch match; the SDK's errors do the same.
 */
export const bundlingDefaults = {
  minify: true,
  keepNames: false,
  sourceMap: true,
  sourceMapMode: SourceMapMode.EXTERNAL,
  target: 'node22',
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  externalModules: LAZY_SDK_MODULES,
} as const;

/**
 * The esbuild API options equivalent to the command line the CDK runs for `bundlingDefaults`.
 * `variant.awsSdk: 'external'` leaves `@aws-sdk/*` out (resolved at run time, as from the
 * Lambda runtime's copy): the bench's comparison, and tests that stand in for the SDK, which
 * also ask for CommonJS (`variant.format`) to evaluate the bundle with their own `require`.
 */
export function esbuildOptionsFor(entry: string, variant: { awsSdk?: 'bundled' | 'external'; format?: 'esm' | 'cjs' } = {}): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: bundlingDefaults.target,
    format: variant.format ?? (bundlingDefaults.format === OutputFormat.ESM ? 'esm' : 'cjs'),
    minify: bundlingDefaults.minify,
    keepNames: bundlingDefaults.keepNames,
    // The CDK's EXTERNAL mode: a separate `.map`, with no `sourceMappingURL` comment in the code.
    sourcemap: bundlingDefaults.sourceMapMode === SourceMapMode.EXTERNAL ? 'external' : bundlingDefaults.sourceMap,
    mainFields: [...bundlingDefaults.mainFields],
    external: variant.awsSdk === 'external' ? ['@aws-sdk/*', ...bundlingDefaults.externalModules] : [...bundlingDefaults.externalModules],
    absWorkingDir: PROJECT_ROOT,
  };
}

/** The password hashing thread's code, bundled beside the functions that hash (see below). */
const PASSWORD_THREAD_ENTRY = 'shared/adapters/argon2-thread.mjs';

const shellQuoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The command the CDK runs after bundling each function (`commandHooks.afterBundling`, in a POSIX
 * shell): when the bundle hashes passwords — it names the hashing thread's file, which only
 * `Argon2PasswordHasher` does — it bundles that thread beside it (`passwordThreadBuildCommand`),
 * where the hasher looks for it (`LAMBDA_TASK_ROOT`). Other functions get nothing more.
 */
export function passwordThreadCommand(inputDir: string, outputDir: string): string {
  const code = shellQuoted(path.join(outputDir, 'index.mjs'));
  return `if grep -q ${shellQuoted(PASSWORD_THREAD_FILE)} ${code}; then ${passwordThreadBuildCommand(inputDir, outputDir)}; fi`;
}

/**
 * Bundles the hashing thread into `outputDir` with the functions' own options. esbuild is the
 * project's own, or the one on the PATH of the CDK's Docker bundling image.
 */
export function passwordThreadBuildCommand(inputDir: string, outputDir: string): string {
  const options = [
    '--bundle',
    '--platform=node',
    `--target=${bundlingDefaults.target}`,
    '--format=esm',
    ...(bundlingDefaults.minify ? ['--minify'] : []),
    '--sourcemap=external',
    `--main-fields=${bundlingDefaults.mainFields.join(',')}`,
    '--log-level=warning',
    `--outfile=${shellQuoted(path.join(outputDir, PASSWORD_THREAD_FILE))}`,
  ];
  const esbuild = shellQuoted(path.join(inputDir, 'node_modules', '.bin', 'esbuild'));
  return `E=${esbuild}; [ -x "$E" ] || E=esbuild; "$E" ${shellQuoted(path.join(inputDir, PASSWORD_THREAD_ENTRY))} ${options.join(' ')}`;
}

/**
 * Builds `entry` into `outdir` as `cdk synth` does: the bundle (`index.mjs`), then the
 * `afterBundling` command (the hashing thread beside it, when the function hashes). For the bench
 * and the tests, which run a function's deployed files with `LAMBDA_TASK_ROOT=outdir`.
 */
export async function bundleAsDeployed(entry: string, outdir: string): Promise<void> {
  const { build } = await import('esbuild');
  await build({ ...esbuildOptionsFor(entry), outfile: path.join(outdir, 'index.mjs'), logLevel: 'warning' });
  execFileSync('bash', ['-c', passwordThreadCommand(PROJECT_ROOT, outdir)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * Variables every function gets: the logger's service name and level, and the metrics' namespace
 * (the names Powertools defined, which the logger and the metrics writer of shared/observability read).
 */
const COMMON_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
} as const;

export interface ServiceFunctionProps {
  /** Absolute path of the entry file (see `functionEntry`). */
  readonly entry: string;
  readonly description: string;
  /** About 10 s behind API Gateway, 30 s for workflow steps. */
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * One Lambda function with the service's defaults: Node.js 22 on arm64, esbuild-bundled,
 * X-Ray active, its own log group with retention, and its own role that starts with nothing but
 * writing to that log group. Grant it access through the other constructs' `grant…` methods,
 * which also set the environment variables that go with the access.
 */
export class ServiceFunction extends Construct implements iam.IGrantable {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    // X-Ray has no resource-level permissions. Its statement sits in a policy of its own, so the
    // one `Resource::*` acknowledgement below cannot hide a wildcard granted by anything else.
    const tracingPolicy = new iam.Policy(this, 'TracingPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(tracingPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; this policy holds only those two actions.',
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      // The function would add the X-Ray statement to the role's default policy: it is in
      // `tracingPolicy` instead, and every grant goes to `this.role` directly.
      role: this.role.withoutPolicyUpdates(),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        ...bundlingDefaults,
        // esbuild's per-file size summary on every synth is noise; its warnings still print.
        logLevel: LogLevel.WARNING,
        mainFields: [...bundlingDefaults.mainFields],
        externalModules: [...bundlingDefaults.externalModules],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [passwordThreadCommand(inputDir, outputDir)],
        },
      },
      environment: { ...COMMON_ENVIRONMENT, ...props.environment },
    });
    this.function.node.addDependency(this.role, tracingPolicy);

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is deliberate: the product targets Node.js 22 (supported by Lambda until 2027), the code stays portable to 24, and moving is a one-line change here.',
    });
  }

  /** Sets an environment variable of the function. */
  addEnvironment(name: string, value: string): void {
    this.function.addEnvironment(name, value);
  }
}
