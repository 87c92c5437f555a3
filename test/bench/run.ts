/**
 * `npm run bench`: the service measured side by side with its floors, on this machine.
 *
 * 1. Cold start of every function: our bundle (SDK inside), the same with the runtime's SDK, and a
 *    naive build (`cold-start.ts`).
 * 2. Warm API against bare baselines served in the stack's process, autocannon alternating
 *    between them (`warm-api.ts`, `baselines.ts`), at 10 connections × 8 s × 3 rounds, and at 1
 *    and 50 connections for the chart.
 * 3. Registration latency against the password hash alone and against its floor.
 * 4. The cost of 1,000 registrations (`cost-model.ts`), from the template and a counted local run.
 *
 * Prints a table (`report.ts`), writes `bench/results.json` and `bench/latency.svg` (`chart.ts`).
 * Not a test: nothing here passes or fails, and CI runs none of it. `--only=cold,warm,registration,cost`
 * runs some parts (the others keep their figures in results.json); `--quick` shortens every run
 * (a smoke check of the bench itself, not figures to quote). `--route=verify` (or `sign-in`,
 * `activation request`) loads that warm route alone at 10 connections, prints its rounds and
 * writes nothing: a probe for trying a change, not the bench's figures.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Argon2PasswordHasher } from '../../shared/adapters/argon2-password-hasher';
import { PROJECT_ROOT } from '../../infra/constructs/service-function';
import { bundleSizes } from '../../infra/tools/report-bundle-sizes';
import { BASELINE_ROUTES } from './baselines';
import { renderLatencyChart } from './chart';
import { FUNCTION_ENVIRONMENT, measureColdStarts, type ColdStartResult } from './cold-start';
import { jsonPostEvent, startFunctionProcess, type FunctionProcess } from './function-process';
import { cognitoPer1000, deployedShape, fixedMonthly, journeyCost, type DeployedShape, type JourneyCost, type JourneyUsage } from './cost-model';
import { printReport, type BenchResults } from './report';
import type { Counters, ExecutionRecord } from './stack-process';
import { median, quantile, round } from './stats';
import { compare, inProcess, startChild, type Comparison, type InProcessRun, type Scenario } from './warm-api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const quick = args.includes('--quick');
const probedRoute = args.find((a) => a.startsWith('--route='))?.slice('--route='.length);
const runs = (part: string) => (probedRoute ? part === 'warm' : !only || only.includes(part));
const log = (line: string) => console.error(line);

// Accounts of the seed, by use (indices into ACCOUNTS).
const VERIFY = range(0, 20);
const SIGN_IN = range(20, 80);
const REGISTRATION = range(80, 110);
const JOURNEY_A = range(110, 120);
const JOURNEY_B = range(120, 130);
// Registrations made before those timed, not counted: DynamoDB Local (a JVM) compiles its
// transaction path only after some calls, and the first ones would time the emulator warming up.
const REGISTRATION_WARM_UP = range(130, 150);
// Registrations made by the register function in a process of its own (`function-process.ts`).
const REGISTRATION_OWN_PROCESS = range(150, 180);
const REGISTRATION_OWN_PROCESS_WARM_UP = range(180, 190);
const ACCOUNT_COUNT = 190;
/** Where the local stack's log lines go during a run (overwritten by the next). */
const STACK_LOG = path.join(tmpdir(), 'registration-bench-stack.log');
const PASSWORD = 'Boulang3rie';
const POSTAL_CODE = 'H2X 1Y4';

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

const accountNumber = (i: number) => String(400000000 + i);
const holderEmail = (i: number) => `holder${i}@example.com`;

interface StackInfo {
  url: string;
  /** The floors (`baselines.ts`), served in the stack's process. */
  baselineUrl: string;
  control: string;
  dynamoDbEndpoint: string;
  stepFunctionsEndpoint: string;
  stateMachineArn: string;
  tableName: string;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

function client(base: string) {
  const call = async (method: string, pathName: string, body?: unknown) => {
    const response = await fetch(`${base}${pathName}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
  };
  return {
    post: (pathName: string, body?: unknown) => call('POST', pathName, body),
    get: (pathName: string) => call('GET', pathName),
  };
}

type Api = ReturnType<typeof client>;

async function outbox(api: Api): Promise<{ to: string[]; text: string }[]> {
  return (await api.get('/__dev/outbox')).body.messages;
}

/** Polls the outbox until `count` emails went to `email`; answers the tokens of their links. */
async function waitForEmails(api: Api, email: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = (await outbox(api)).filter((message) => message.to.includes(email));
    if (mine.length >= count) return mine.map((message) => /token=([A-Za-z0-9_-]{65})/.exec(message.text)?.[1] ?? '');
    if (Date.now() > deadline) throw new Error(`no email to ${email} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const identityRegistration = (i: number, username: string) => ({
  accountNumber: accountNumber(i),
  postalCode: POSTAL_CODE,
  email: holderEmail(i),
  username,
  password: PASSWORD,
});

/** Activation emails for `indices`, one at a time; their tokens. */
async function activationTokens(api: Api, indices: number[]): Promise<string[]> {
  const tokens: string[] = [];
  for (const i of indices) {
    const answer = await api.post('/v1/activation-requests', { accountNumber: accountNumber(i), postalCode: POSTAL_CODE });
    if (answer.status !== 202) throw new Error(`activation request answered ${answer.status}`);
    tokens.push((await waitForEmails(api, holderEmail(i), 1))[0]!);
  }
  return tokens;
}

/**
 * Waits, when called, until no more executions run than when it was made (polling every
 * `pollMs`, two minutes at most): the engine runs them in the stack's process, and work left
 * running there would be paid by whatever is timed next.
 */
async function settler(stack: StackInfo, pollMs: number): Promise<{ settle(): Promise<void>; close(): void }> {
  const sfn = new SFNClient({ endpoint: stack.stepFunctionsEndpoint, region: 'ca-central-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const running = async () => {
    let count = 0;
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }));
      count += page.executions?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    return count;
  };
  const idle = await running();
  return {
    settle: async () => {
      const deadline = Date.now() + 120_000;
      while ((await running()) > idle && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, pollMs));
    },
    close: () => sfn.destroy(),
  };
}

async function warmApi(stack: StackInfo, api: Api): Promise<NonNullable<BenchResults['warm']>> {
  log('warm API: preparing activation tokens and logins…');
  const tokens = await activationTokens(api, VERIFY);
  const usernames: string[] = [];
  for (const i of SIGN_IN) {
    const username = `bench.signin.${i}`;
    const answer = await api.post('/v1/registrations', identityRegistration(i, username));
    if (answer.status !== 201) throw new Error(`registration for sign-in answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    usernames.push(username);
  }
  // The baseline reads logins directly: their keys, resolved once here.
  const dynamoDb = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'ca-central-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const userIds: Record<string, string> = {};
  for (const username of usernames) {
    const { Item } = await dynamoDb.send(new GetItemCommand({ TableName: stack.tableName, Key: { pk: { S: `USERNAME#${username}` }, sk: { S: 'USERNAME' } } }));
    userIds[username] = Item!.userId!.S!;
  }
  dynamoDb.destroy();

  await control(stack, '/baseline/users', 'POST', userIds);
  const urls = { service: stack.url, baseline: stack.baselineUrl };
  // Activation requests last: the local engine keeps every execution they start in the stack's
  // process, whose growing heap would slow the other routes there (not on AWS).
  const scenarios: Scenario[] = [
    { route: 'verify', path: '/v1/activations/verify', baselinePath: BASELINE_ROUTES.verify, expectedStatus: 200, bodies: tokens.map((activationToken) => ({ activationToken })) },
    { route: 'sign-in', path: '/v1/sessions', baselinePath: BASELINE_ROUTES.signIn, expectedStatus: 201, bodies: usernames.map((username) => ({ username, password: PASSWORD })) },
    {
      route: 'activation request',
      path: '/v1/activation-requests',
      baselinePath: BASELINE_ROUTES.activationRequest,
      expectedStatus: 202,
      // A postal code that matches no account: the workflow each request starts ends at once, on both sides alike.
      bodies: range(0, ACCOUNT_COUNT).map((i) => ({ accountNumber: accountNumber(i), postalCode: 'A1A 1A1' })),
    },
  ];
  // Every activation request starts an execution, run by the engine in the stack's process a
  // moment later (on AWS, elsewhere): each run starts once the previous run's have ended, so
  // that neither side, nor the next route, pays for the other's.
  // The activations made for the verify tokens wait for a registration: they stay running.
  const executions = await settler(stack, 200);
  const settle = executions.settle;
  const seconds = quick ? 2 : 8;
  const rounds = quick ? 1 : 3;
  const comparisons: Comparison[] = [];
  for (const scenario of scenarios) {
    if (probedRoute && scenario.route !== probedRoute) continue;
    log(`warm API: ${scenario.route}`);
    await compare(urls, scenario, { connections: 10, seconds: quick ? 1 : 2, rounds: 1, settle }); // warm-up, not kept
    comparisons.push(await compare(urls, scenario, { connections: 10, seconds, rounds, log, settle }));
    if (probedRoute) continue;
    // At 50 connections a sign-in waits for ~50 password hashes: a run must outlast that.
    const chartSeconds = quick ? 2 : scenario.route === 'sign-in' ? 12 : 4;
    for (const connections of [1, 50]) comparisons.push(await compare(urls, scenario, { connections, seconds: chartSeconds, rounds: 1, log, settle }));
  }
  await settle();
  executions.close();
  if (probedRoute) {
    if (comparisons.length === 0) throw new Error(`--route=${probedRoute}: no such warm route (${scenarios.map((s) => s.route).join(', ')})`);
    return { comparisons, tokens: tokens.length, users: usernames.length };
  }
  const handlerAlone = await verifyHandlerAlone(stack, tokens, quick);
  return { comparisons, handlerAlone, tokens: tokens.length, users: usernames.length };
}

/**
 * The verify handler called directly in this process (no HTTP server: what Lambda runs once API
 * Gateway has the request) against one bare `GetItem` from this process, 10 at a time,
 * alternately: the HTTP-level comparison minus both servers, the local API server included.
 */
async function verifyHandlerAlone(stack: StackInfo, tokens: string[], short: boolean): Promise<NonNullable<BenchResults['warm']>['handlerAlone']> {
  log('warm API: the verify handler alone, in this process');
  Object.assign(process.env, {
    AWS_REGION: 'ca-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoDbEndpoint,
    TABLE_NAME: stack.tableName,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const { handler } = (await import('../../functions/api/verify-activation.handler')) as { handler: (event: unknown, context: unknown) => Promise<{ statusCode: number }> };
  const { localContext } = await import('../../infra/local/lambda-invoke');
  const dynamoDb = new DynamoDBClient({ maxAttempts: 4, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true } });
  let next = 0;
  const viaHandler = async () => {
    const token = tokens[next++ % tokens.length]!;
    const event = {
      httpMethod: 'POST',
      path: '/v1/activations/verify',
      resource: '/v1/activations/verify',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ activationToken: token }),
      isBase64Encoded: false,
      requestContext: { requestId: randomUUID(), identity: { sourceIp: '127.0.0.1' } },
    };
    const answer = await handler(event, localContext('verify-activation'));
    if (answer.statusCode !== 200) throw new Error(`verify handler answered ${answer.statusCode}`);
  };
  const bareGetItem = async () => {
    const id = tokens[next++ % tokens.length]!.slice(0, 22);
    await dynamoDb.send(new GetItemCommand({ TableName: stack.tableName, Key: { pk: { S: `ACTIVATION#${id}` }, sk: { S: 'ACTIVATION' } } }));
  };
  const runs = { handler: [] as InProcessRun[], getItem: [] as InProcessRun[] };
  await inProcess(viaHandler, 10, 1); // warm-up
  await inProcess(bareGetItem, 10, 1);
  for (let round = 0; round < (short ? 1 : 3); round++) {
    for (const side of round % 2 === 0 ? (['handler', 'getItem'] as const) : (['getItem', 'handler'] as const)) {
      const run = await inProcess(side === 'handler' ? viaHandler : bareGetItem, 10, short ? 2 : 5);
      runs[side].push(run);
      log(`  verify in-process c=10 ${side.padEnd(8)} ${run.rps.toFixed(0).padStart(6)} calls/s  p50 ${run.p50} ms  p99 ${run.p99} ms`);
    }
  }
  dynamoDb.destroy();
  const handlerRps = median(runs.handler.map((r) => r.rps));
  const getItemRps = median(runs.getItem.map((r) => r.rps));
  const handlerP99 = median(runs.handler.map((r) => r.p99));
  const getItemP99 = median(runs.getItem.map((r) => r.p99));
  return { runs, throughputRatio: round(handlerRps / getItemRps, 2), p99Ratio: round(handlerP99 / getItemP99, 2) };
}

async function registrationLatency(stack: StackInfo, api: Api): Promise<BenchResults['registration']> {
  log('registration: one at a time, each beside one password hash, its floor and the function alone');
  for (const i of quick ? REGISTRATION_WARM_UP.slice(0, 3) : REGISTRATION_WARM_UP) {
    const answer = await api.post('/v1/registrations', identityRegistration(i, `bench.warm.${i}`));
    if (answer.status !== 201) throw new Error(`warm-up registration answered ${answer.status}`);
    await waitForEmails(api, holderEmail(i), 1);
  }
  const floorApi = client(stack.baselineUrl);
  const executions = await settler(stack, 20);
  let ownProcess: FunctionProcess | undefined;
  try {
    // The register function alone, as Lambda runs it: its bundle in a process of its own.
    const alone = (ownProcess = await startFunctionProcess('api/register', {
      ...FUNCTION_ENVIRONMENT,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SFN: stack.stepFunctionsEndpoint,
      TABLE_NAME: stack.tableName,
      STATE_MACHINE_ARN: stack.stateMachineArn,
      // As deployed (the local stack's functions log at the level it is given).
      POWERTOOLS_LOG_LEVEL: 'INFO',
    }));
    const floorOnce = async (i: number, username: string) => {
      const { ms, value } = await timed(() => floorApi.post(BASELINE_ROUTES.registration, identityRegistration(i, username)));
      if (value.status !== 201) throw new Error(`registration floor answered ${value.status}: ${JSON.stringify(value.body)}`);
      // Its confirmation execution (which finds no login of the service's and ends) runs in the
      // stack's process: it ends before anything else is timed.
      await executions.settle();
      return ms;
    };
    const ownProcessOnce = async (i: number, username: string) => {
      const { ms, result } = await alone.invoke(jsonPostEvent('/v1/registrations', identityRegistration(i, username)));
      if (result.statusCode !== 201) throw new Error(`register in its own process answered ${result.statusCode}: ${result.body}`);
      await waitForEmails(api, holderEmail(i), 1);
      await executions.settle();
      return ms;
    };
    // The floor's emulator paths warm up as the service's did; the function's own process too.
    for (const i of quick ? REGISTRATION_WARM_UP.slice(0, 3) : REGISTRATION_WARM_UP) await floorOnce(i, `bench.warm.${i}`);
    for (const i of quick ? REGISTRATION_OWN_PROCESS_WARM_UP.slice(0, 3) : REGISTRATION_OWN_PROCESS_WARM_UP) await ownProcessOnce(i, `bench.warm.${i}`);
    await control(stack, '/counters/reset');
    const hasher = new Argon2PasswordHasher();
    const hashes: number[] = [];
    const registrations: number[] = [];
    const floors: number[] = [];
    const ownProcessRuns: number[] = [];
    const ownProcessHashes: number[] = [];
    let encoded = '';
    const sample = quick ? REGISTRATION.slice(0, 6) : REGISTRATION;
    for (const [n, i] of sample.entries()) {
      hashes.push((await timed(async () => (encoded = await hasher.hash(PASSWORD)))).ms);
      const service = async () => {
        const { ms, value } = await timed(() => api.post('/v1/registrations', identityRegistration(i, `bench.holder.${i}`)));
        if (value.status !== 201) throw new Error(`registration answered ${value.status}`);
        registrations.push(ms);
        // Its confirmation workflow runs in the stack's process here (on AWS, in other functions):
        // it ends before anything else is timed, which would otherwise share the process with it.
        await waitForEmails(api, holderEmail(i), 1);
        await executions.settle();
      };
      const floor = async () => floors.push(await floorOnce(i, `bench.holder.${i}`));
      const own = REGISTRATION_OWN_PROCESS[n]!;
      const functionAlone = async () => {
        // Its hash is timed where it runs, just before, as the bench's own is before each pair.
        ownProcessHashes.push(await alone.hash(PASSWORD));
        ownProcessRuns.push(await ownProcessOnce(own, `bench.holder.${own}`));
      };
      // Each goes first in turn.
      const sides = [service, floor, functionAlone];
      for (let k = 0; k < sides.length; k++) await sides[(n + k) % sides.length]!();
    }
    const hashP50 = median(hashes);
    const registrationP50 = median(registrations);
    const floorP50 = median(floors);
    const ownProcessP50 = median(ownProcessRuns);
    const ownProcessHashP50 = median(ownProcessHashes);
    // The hashes the registrations themselves made, timed in the stack's process where they ran.
    const counted = (await control(stack, '/counters', 'GET')) as Counters;
    const inService = counted.passwordHashes;
    if (inService.length !== registrations.length) throw new Error(`${inService.length} hashes in the service for ${registrations.length} registrations`);
    if (counted.floorHashes.length !== floors.length) throw new Error(`${counted.floorHashes.length} floor hashes for ${floors.length} floors`);
    const serviceHashP50 = median(inService);
    const floorHashP50 = median(counted.floorHashes);
    return {
      samples: registrations.length,
      // Read from a hash made here, so that what is printed is what runs.
      hashParameters: parametersOf(encoded),
      hashP50: round(hashP50, 1),
      hashP95: round(quantile(hashes, 0.95), 1),
      registrationP50: round(registrationP50, 1),
      registrationP95: round(quantile(registrations, 0.95), 1),
      overheadP50: round(registrationP50 - hashP50, 1),
      serviceHashP50: round(serviceHashP50, 1),
      overheadOverServiceHashP50: round(registrationP50 - serviceHashP50, 1),
      floorP50: round(floorP50, 1),
      floorP95: round(quantile(floors, 0.95), 1),
      floorHashP50: round(floorHashP50, 1),
      floorWritesP50: round(floorP50 - floorHashP50, 1),
      overheadOverFloorP50: round(registrationP50 - floorP50, 1),
      ownProcessP50: round(ownProcessP50, 1),
      ownProcessP95: round(quantile(ownProcessRuns, 0.95), 1),
      ownProcessHashP50: round(ownProcessHashP50, 1),
      ownProcessOverheadP50: round(ownProcessP50 - ownProcessHashP50, 1),
    };
  } finally {
    executions.close();
    await ownProcess?.close();
  }
}

/** The parameters a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) names. */
function parametersOf(encoded: string): { memorySize: number; iterations: number; parallelism: number; hashLength: number } {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$([A-Za-z0-9+/]+)$/.exec(encoded);
  if (!match) throw new Error('not an argon2id PHC string');
  return { memorySize: Number(match[1]), iterations: Number(match[2]), parallelism: Number(match[3]), hashLength: Buffer.from(match[4]!, 'base64').length };
}

const HANDLER_OF_STATE: Record<string, string> = {
  IssueActivation: 'issue-activation',
  AwaitRegistration: 'await-registration',
  SendConfirmation: 'send-confirmation',
  ExpireActivation: 'expire-activation',
  RecordFailure: 'record-failure',
  SendRecoveryEmail: 'send-recovery-email',
};
// A callback state's time is the wait for the holder, not its function's: that function only
// records the task token, so it is billed like the workflow's other quick steps (their median).
const CALLBACK_STATES = new Set(['AwaitRegistration']);

async function control(stack: StackInfo, pathName: string, method = 'POST', body?: unknown): Promise<any> {
  return (await fetch(`${stack.control}${pathName}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })).json();
}

/** Runs `journeys` with counting on; answers the average usage of one. */
async function countedJourneys(stack: StackInfo, api: Api, name: string, indices: number[], journey: (i: number) => Promise<{ handler: string; ms: number }[]>): Promise<{ usage: JourneyUsage; executions: ExecutionRecord[] }> {
  await control(stack, '/counters/reset');
  await control(stack, '/counting/on');
  const emailsBefore = (await outbox(api)).length;
  const apiCalls: { handler: string; ms: number }[] = [];
  for (const i of indices) apiCalls.push(...(await journey(i)));
  // Every execution the journeys started has run to its end (or is waiting on a callback).
  let counters: Counters;
  const deadline = Date.now() + 30_000;
  do {
    await new Promise((resolve) => setTimeout(resolve, 50));
    counters = (await control(stack, '/counters', 'GET')) as Counters;
  } while (counters.executions.some((e) => e.status === 'running') && Date.now() < deadline);
  await control(stack, '/counting/off');
  const emails = (await outbox(api)).length - emailsBefore;

  const n = indices.length;
  const tasks = counters.executions.flatMap((e) => e.tasks);
  const quickTasks = tasks.filter((t) => !CALLBACK_STATES.has(t.state)).map((t) => t.ms);
  const callbackMs = quickTasks.length ? median(quickTasks) : 0;
  const taskInvocations = tasks.map((t) => ({ handler: HANDLER_OF_STATE[t.state] ?? t.state, ms: CALLBACK_STATES.has(t.state) ? callbackMs : t.ms }));
  const units = Object.values(counters.dynamodb);
  return {
    executions: counters.executions,
    usage: {
      journey: name,
      apiCalls: averageList(apiCalls, n),
      taskInvocations: averageList(taskInvocations, n),
      stateTransitions: round(counters.executions.reduce((sum, e) => sum + e.transitions, 0) / n, 2),
      readUnits: round(units.reduce((sum, u) => sum + u.readUnits, 0) / n, 2),
      writeUnits: round(units.reduce((sum, u) => sum + u.writeUnits, 0) / n, 2),
      emails: round(emails / n, 2),
    },
  };
}

/** `n` journeys' invocations → one journey's: each handler's count divided by n, at its median duration. */
function averageList(list: { handler: string; ms: number }[], n: number): { handler: string; ms: number }[] {
  const byHandler = new Map<string, number[]>();
  for (const { handler, ms } of list) byHandler.set(handler, [...(byHandler.get(handler) ?? []), ms]);
  return [...byHandler].flatMap(([handler, durations]) => Array.from({ length: Math.round(durations.length / n) }, () => ({ handler, ms: median(durations) })));
}

async function costModel(stack: StackInfo, api: Api, shape: DeployedShape): Promise<BenchResults['cost']> {
  log('cost model: counted journeys');
  const journeyA = await countedJourneys(stack, api, 'activation email → registration (flow A)', JOURNEY_A, async (i) => {
    const calls: { handler: string; ms: number }[] = [];
    const request = await timed(() => api.post('/v1/activation-requests', { accountNumber: accountNumber(i), postalCode: POSTAL_CODE }));
    calls.push({ handler: 'request-activation', ms: request.ms });
    const [token] = await waitForEmails(api, holderEmail(i), 1);
    const username = `bench.journey.${i}`;
    calls.push({ handler: 'verify-activation', ms: (await timed(() => api.post('/v1/activations/verify', { activationToken: token }))).ms });
    calls.push({ handler: 'username-availability', ms: (await timed(() => api.get(`/v1/usernames/${username}/availability`))).ms });
    const registered = await timed(() => api.post('/v1/registrations', { activationToken: token, username, password: PASSWORD }));
    if (registered.value.status !== 201) throw new Error(`registration (flow A) answered ${registered.value.status}`);
    calls.push({ handler: 'register', ms: registered.ms });
    await waitForEmails(api, holderEmail(i), 2);
    return calls;
  });
  const journeyB = await countedJourneys(stack, api, 'identity proof → registration (flow B)', JOURNEY_B, async (i) => {
    const username = `bench.journey.${i}`;
    const availability = await timed(() => api.get(`/v1/usernames/${username}/availability`));
    const registered = await timed(() => api.post('/v1/registrations', identityRegistration(i, username)));
    if (registered.value.status !== 201) throw new Error(`registration (flow B) answered ${registered.value.status}`);
    await waitForEmails(api, holderEmail(i), 1);
    return [
      { handler: 'username-availability', ms: availability.ms },
      { handler: 'register', ms: registered.ms },
    ];
  });
  const costs: JourneyCost[] = [journeyCost(journeyA.usage, shape), journeyCost(journeyB.usage, shape)];
  return {
    shape: {
      functions: shape.functions.length,
      memoryMb: [...new Set(shape.functions.map((f) => f.memoryMb))],
      architectures: [...new Set(shape.functions.map((f) => f.architecture))],
      apiType: shape.apiType,
      webAcls: shape.webAcls,
      stateMachineType: shape.stateMachineType,
      tableBillingMode: shape.tableBillingMode,
    },
    usage: [journeyA.usage, journeyB.usage],
    transitionsByPath: [journeyA, journeyB].map(({ usage, executions }) => ({
      journey: usage.journey,
      paths: Object.entries(
        executions.reduce<Record<string, number>>((acc, e) => {
          const key = `${e.states.join(' → ')} (${e.transitions})`;
          acc[key] = (acc[key] ?? 0) + 1;
          return acc;
        }, {}),
      ).map(([pathName, executionsCount]) => ({ path: pathName, executions: executionsCount })),
    })),
    costs,
    fixedMonthly: fixedMonthly(shape),
    cognitoPer1000Users: cognitoPer1000(),
  };
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const resultsFile = path.join(PROJECT_ROOT, 'bench', 'results.json');
  // With --only, the parts not run keep their figures from the last full run.
  const previous = only && existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Partial<BenchResults>) : {};
  const results: BenchResults = {
    ...previous,
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memoryGb: round(totalmem() / 2 ** 30, 1) },
    quick,
  };

  const outDir = path.join(PROJECT_ROOT, 'bench');
  mkdirSync(outDir, { recursive: true });
  // Written after each part, so that a part that fails keeps the others' figures.
  // A probe (`--route`) writes nothing: its figures are not the bench's.
  const save = () => probedRoute || writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);

  results.bundles = (await bundleSizes()).map(({ name, bytes, mapBytes }) => ({ name, bytes, mapBytes }));
  if (runs('cold')) {
    const cold: ColdStartResult = await measureColdStarts({ rounds: quick ? 1 : 4, only: quick ? ['api/verify-activation', 'api/register'] : undefined, log });
    results.cold = cold;
    save();
  }
  // Synthesized before the stack starts: it holds this process for seconds, which would leave
  // idle keep-alive connections to the stack stale.
  const shape = runs('cost') ? (log('cost model: synthesizing the template…'), deployedShape()) : undefined;

  if (runs('warm') || runs('registration') || runs('cost')) {
    const seedDir = mkdtempSync(path.join(tmpdir(), 'bench-'));
    const seed = path.join(seedDir, 'accounts.json');
    const accounts = range(0, ACCOUNT_COUNT).map((i) => ({
      accountNumber: accountNumber(i),
      companyName: `Entreprise ${i}`,
      holder: { name: `Titulaire ${i}`, email: holderEmail(i) },
      services: ['internet'],
      serviceAddress: { postalCode: POSTAL_CODE },
      billingAddress: { postalCode: POSTAL_CODE },
    }));
    writeFileSync(seed, JSON.stringify({ accounts }));
    log(`local stack: starting (its own process; its log: ${STACK_LOG})…`);
    // The stack has read the seed once it is ready: its folder goes, whatever happens next.
    const stack = await startChild<StackInfo>(path.join(__dirname, 'stack-process.ts'), [seed], { logFile: STACK_LOG }).finally(() =>
      rmSync(seedDir, { recursive: true, force: true }),
    );
    try {
      const api = client(stack.info.url);
      if (runs('registration')) {
        results.registration = await registrationLatency(stack.info, api);
        save();
      }
      if (shape) {
        results.cost = await costModel(stack.info, api, shape);
        save();
      }
      if (runs('warm')) results.warm = await warmApi(stack.info, api);
    } finally {
      await stack.stop();
    }
  }
  results.totalSeconds = round((Date.now() - startedAt) / 1000, 0);

  save();
  if (probedRoute) return printReport({ date: results.date, machine: results.machine, quick, warm: results.warm, totalSeconds: results.totalSeconds }, { written: false });
  if (results.warm) writeFileSync(path.join(outDir, 'latency.svg'), renderLatencyChart(results.warm.comparisons, results.date));
  printReport(results);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
