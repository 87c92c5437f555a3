/**
 * The local stack (`npm start`'s, unchanged) in a process of its own, so that the load generator
 * does not share its event loop, plus what the cost model counts, observed without changing what
 * runs:
 *
 * - state transitions, from the local Step Functions engine's own event log of each execution
 *   (`aws-local-stepfunctions` `eventLogs`), with each Task state's duration;
 * - DynamoDB capacity, by asking every call of the shared client for `ReturnConsumedCapacity`
 *   (DynamoDB Local answers it as DynamoDB does) while counting is on;
 * - the time of each password hash the service makes, in this process.
 *
 * It also serves the floors (`baselines.ts`) on a port of their own, in this same process: both
 * sides of every comparison then share one heap and one workflow engine.
 *
 * Started by `warm-api.ts`: `tsx test/bench/stack-process.ts <seed file>`. It prints one JSON
 * line (`url`, `baselineUrl`, `control`, endpoints) once ready; `control` is a small HTTP API:
 * `GET /counters`, `POST /counters/reset`, `POST /counting/on|off`, `POST /baseline/users` (the
 * sign-in floor's username → userId map).
 */
import { writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StateMachine } from 'aws-local-stepfunctions';
import { Argon2PasswordHasher } from '../../shared/adapters/argon2-password-hasher';
import { dynamoDbClient } from '../../shared/adapters/aws-clients';
import { startLocalStack } from '../../infra/local/stack';
import { startBaselineServer } from './baselines';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The service logs as deployed (and as `npm start` does): one INFO line per request, into the
// log file the bench gives the stack's stdout. The logger is made when the imports above load, so
// a level set here would not reach it; `POWERTOOLS_LOG_LEVEL=WARN npm run bench` quiets it
// (docs/performance.md, §2, says what that line costs).

/** What one execution did, from its event log. */
export interface ExecutionRecord {
  name: string;
  /** Billable state transitions: every state entered, plus every retry. */
  transitions: number;
  states: string[];
  /** Task states (Lambda invocations) with their durations, ms. */
  tasks: { state: string; ms: number }[];
  status: 'running' | 'succeeded' | 'failed';
}

export interface Counters {
  executions: ExecutionRecord[];
  /** Each password hash the service made in this process (registrations; verifications are not hashes), ms, since the last reset. */
  passwordHashes: number[];
  /** The same for the registration floor's hashes, made in this process too. */
  floorHashes: number[];
  /** By DynamoDB operation: calls, read and write capacity units consumed. */
  dynamodb: Record<string, { calls: number; readUnits: number; writeUnits: number }>;
}

let counting = false;
const counters: Counters = { executions: [], dynamodb: {}, passwordHashes: [], floorHashes: [] };
/** The floors' own hasher: its hashes are counted apart from the service's. */
const floorHasher = new Argon2PasswordHasher();

type EventLog = { type: string; timestamp: number; state?: { name: string; type?: string } };
type Run = (this: StateMachine, ...args: Parameters<StateMachine['run']>) => ReturnType<StateMachine['run']>;

/** Reads each execution's event log as the engine writes it. */
function observeExecutions(): void {
  const run = StateMachine.prototype.run as Run;
  StateMachine.prototype.run = function observed(this: StateMachine, ...args: Parameters<StateMachine['run']>) {
    const execution = run.apply(this, args);
    if (!counting) return execution;
    const context = args[1]?.context as { Execution?: { Name?: string } } | undefined;
    const record: ExecutionRecord = { name: context?.Execution?.Name ?? '?', transitions: 0, states: [], tasks: [], status: 'running' };
    counters.executions.push(record);
    const entered = new Map<string, number>();
    void (async () => {
      for await (const event of execution.eventLogs as AsyncGenerator<EventLog>) {
        const state = event.state?.name;
        if (event.type === 'StateEntered' && state) {
          record.transitions++;
          record.states.push(state);
          entered.set(state, event.timestamp);
        } else if (event.type === 'StateRetried') {
          record.transitions++;
        } else if ((event.type === 'StateExited' || event.type === 'StateFailed') && state && event.state?.type === 'Task') {
          record.tasks.push({ state, ms: event.timestamp - (entered.get(state) ?? event.timestamp) });
        } else if (event.type === 'ExecutionSucceeded') record.status = 'succeeded';
        else if (event.type === 'ExecutionFailed' || event.type === 'ExecutionTerminated') record.status = 'failed';
      }
    })().catch(() => undefined);
    return execution;
  };
}

/** Times every password hash made here: the hash a registration (or its floor) waits for, where it runs. */
function observePasswordHashes(): void {
  const hash = Argon2PasswordHasher.prototype.hash;
  Argon2PasswordHasher.prototype.hash = async function timed(this: Argon2PasswordHasher, password: string) {
    const started = performance.now();
    try {
      return await hash.call(this, password);
    } finally {
      (this === floorHasher ? counters.floorHashes : counters.passwordHashes).push(performance.now() - started);
    }
  };
}

type Capacity = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

const CAPACITY_MIDDLEWARE = 'benchConsumedCapacity';

/**
 * Counts the capacity every call of the shared DynamoDB client consumes, while counting is on —
 * and only then is it on the client's middleware stack: every SDK call pays for each middleware
 * it carries (the stack is sorted again on each call), so the warm API's rounds, which never
 * count, run the service's client as `npm start` has it.
 */
function countDynamoDbCapacity(on: boolean): void {
  const stack = dynamoDbClient().middlewareStack;
  stack.remove(CAPACITY_MIDDLEWARE);
  if (!on) return;
  stack.add(
    (next, context) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const operation = context.commandName?.replace(/Command$/, '') ?? '?';
      const entry = (counters.dynamodb[operation] ??= { calls: 0, readUnits: 0, writeUnits: 0 });
      entry.calls++;
      const record = (capacity: Capacity[] | Capacity | undefined) => {
        for (const item of [capacity ?? []].flat()) {
          // Reads and writes are told apart by the operation (a write's total is write units).
          const write = /Put|Update|Delete|Write/.test(operation);
          const units = item.CapacityUnits ?? 0;
          entry.readUnits += item.ReadCapacityUnits ?? (write ? 0 : units);
          entry.writeUnits += item.WriteCapacityUnits ?? (write ? units : 0);
        }
      };
      try {
        const result = await next(args);
        record((result.output as { ConsumedCapacity?: Capacity[] | Capacity }).ConsumedCapacity);
        return result;
      } catch (error) {
        // A failed condition still consumed its units; DynamoDB reports them only on success, so
        // a failed write is counted as one unit (the minimum it is billed).
        if (/Put|Update|Delete|Write/.test(operation)) entry.writeUnits += 1;
        throw error;
      }
    },
    { step: 'initialize', name: CAPACITY_MIDDLEWARE },
  );
}

/**
 * With `BENCH_CPU_PROFILE=<file.cpuprofile>`, records where the stack's process spends its CPU
 * from the moment it is ready until the bench stops it (open the file in Chrome DevTools).
 */
async function startCpuProfile(file: string | undefined): Promise<{ stop(): Promise<void> } | undefined> {
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function main(): Promise<void> {
  observeExecutions();
  observePasswordHashes();
  const stack = await startLocalStack({ port: 0, seedFile: process.argv[2] });
  const info = (await (await fetch(`${stack.url}/__dev/info`)).json()) as { stepFunctions: { stateMachineArn: string }; dynamodb: { tables: string[] } };
  // Made now: its SDK clients take the endpoints the stack has just put in the environment.
  const floorConfig = { tableName: info.dynamodb.tables[0]!, stateMachineArn: info.stepFunctions.stateMachineArn, userIds: {}, hasher: floorHasher };
  const floors = await startBaselineServer(floorConfig);

  const control = createServer((req, res) => {
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/counters') return send(counters);
    if (req.method === 'POST' && req.url === '/counters/reset') {
      counters.executions = [];
      counters.dynamodb = {};
      counters.passwordHashes = [];
      counters.floorHashes = [];
      return send({ ok: true });
    }
    if (req.method === 'POST' && req.url === '/baseline/users') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        floorConfig.userIds = JSON.parse(body) as Record<string, string>;
        send({ users: Object.keys(floorConfig.userIds).length });
      });
      return;
    }
    if (req.method === 'POST' && (req.url === '/counting/on' || req.url === '/counting/off')) {
      counting = req.url.endsWith('/on');
      countDynamoDbCapacity(counting);
      return send({ counting });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

  const profiling = await startCpuProfile(process.env.BENCH_CPU_PROFILE);
  const stop = async () => {
    control.close();
    await profiling?.stop();
    await floors.close();
    await stack.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  // The ready line goes to startChild's READY_FD (3): stdout is the stack's log file.
  writeSync(
    3,
    `${JSON.stringify({
      url: stack.url,
      baselineUrl: `http://127.0.0.1:${floors.port}`,
      control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
      dynamoDbEndpoint: stack.dynamoDbEndpoint,
      stepFunctionsEndpoint: stack.stepFunctionsEndpoint,
      stateMachineArn: info.stepFunctions.stateMachineArn,
      tableName: info.dynamodb.tables[0],
    })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
