/**
 * One function as Lambda runs it: its deployed bundle (`esbuildOptionsFor`, SDK clients inside)
 * loaded in a `node` process of its own, whose heap holds that function and nothing else, its SDK
 * clients pointed at the local stack's emulators. The local stack runs every function in one
 * process, beside the emulators' own work; here the function's time is its own, as Lambda bills it.
 *
 * Requests go one at a time over stdin (one JSON line each); each answer (one line on stdout)
 * carries its duration measured in that process: an invocation's (the handler's result too),
 * without API Gateway or the local API server in front, or a password hash's, made by the
 * service's own hasher (`Argon2PasswordHasher`, bundled apart) beside the function, so that what
 * a registration adds to its hash can be read in the process where both run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { build } from 'esbuild';
import { PROJECT_ROOT, bundleAsDeployed, esbuildOptionsFor } from '../../infra/constructs/service-function';

// Runs in the function's process: imports the bundle once (the cold start), then answers each
// request line: an invocation with the handler's result and its wall time, a hash with its time.
const DRIVER = `
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
const { handler } = await import(process.env.BENCH_BUNDLE_URL);
const { Argon2PasswordHasher } = await import(process.env.BENCH_HASHER_URL);
const hasher = new Argon2PasswordHasher();
process.stdout.write(JSON.stringify({ ready: true }) + '\\n');
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  const context = { functionName: process.env.BENCH_FUNCTION_NAME, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false };
  const started = performance.now();
  const result = request.event ? await handler(request.event, context) : (await hasher.hash(request.password), null);
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, result }) + '\\n');
}
`;

export interface FunctionProcess {
  /** Invokes the handler with `event`; its result and how long the handler took, ms. */
  invoke(event: unknown): Promise<{ ms: number; result: APIGatewayProxyResult }>;
  /** Hashes `password` with the service's hasher, in the function's process; how long it took, ms. */
  hash(password: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Builds `functions/<name>.handler.ts` as deployed and starts it in a process of its own with
 * `environment` (what the CDK app would set: endpoints, table, state machine…).
 */
export async function startFunctionProcess(name: string, environment: Record<string, string>): Promise<FunctionProcess> {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-function-'));
  const bundle = path.join(work, 'index.mjs');
  const hasher = path.join(work, 'hasher.mjs');
  // The hasher finds its thread where Lambda would: beside the function's code (LAMBDA_TASK_ROOT).
  await Promise.all([
    bundleAsDeployed(path.join(PROJECT_ROOT, 'functions', `${name}.handler.ts`), work),
    build({ ...esbuildOptionsFor(path.join(PROJECT_ROOT, 'shared', 'adapters', 'argon2-password-hasher.ts')), outfile: hasher, logLevel: 'warning' }),
  ]);
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', DRIVER], {
    env: { PATH: process.env.PATH ?? '', ...environment, BENCH_BUNDLE_URL: `file://${bundle}`, BENCH_HASHER_URL: `file://${hasher}`, BENCH_FUNCTION_NAME: name.replace('/', '-'), LAMBDA_TASK_ROOT: work },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<any> => {
    // The function's own log lines (JSON, from the logger and the metrics writer) share stdout.
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`function process ${name} ended: ${stderr}`);
      if (!value.startsWith('{"ready"') && !value.startsWith('{"ms"')) continue;
      return JSON.parse(value);
    }
  };
  try {
    await next();
  } catch (error) {
    child.kill();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  return {
    invoke: async (event) => {
      child.stdin!.write(`${JSON.stringify({ event })}\n`);
      return next();
    },
    hash: async (password) => {
      child.stdin!.write(`${JSON.stringify({ password })}\n`);
      return ((await next()) as { ms: number }).ms;
    },
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin!.end();
        await exited;
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The REST API (v1 proxy) event API Gateway sends for a JSON `POST` to `resource`. */
export function jsonPostEvent(resource: string, body: unknown): APIGatewayProxyEvent {
  return {
    resource,
    path: resource,
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'fr-CA' },
    multiValueHeaders: { 'content-type': ['application/json'], 'accept-language': ['fr-CA'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: { sourceIp: '127.0.0.1', userAgent: 'bench', userArn: null } as never,
      path: resource,
      stage: 'bench',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'bench',
      resourcePath: resource,
    },
  };
}
