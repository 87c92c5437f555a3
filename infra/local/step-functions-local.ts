import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * A local AWS Step Functions endpoint for development and integration tests.
 *
 * It speaks the service's awsJson1_0 protocol on 127.0.0.1, so the real `SFNClient` (pointed at it
 * with `endpoint`) and therefore the very same adapter code work locally and on AWS. The state
 * machine, written in the Amazon States Language (JSONPath), runs in-process on the
 * `aws-local-stepfunctions` engine; every Task state is served by a local function, never by AWS.
 *
 * What the engine lacks is added here: `.waitForTaskToken` (task tokens, SendTaskSuccess,
 * SendTaskFailure, TimeoutSeconds measured on an injectable clock) and the executions themselves
 * (names, statuses, idempotent StartExecution, StopExecution, listing).
 */

function withResolvers<T>(): {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
} {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// The engine calls `Promise.withResolvers` (ES2024) in every Task state; Node 20 lacks it, and
// without it every Task fails (silently, when a Catch on States.ALL is present).
const promiseStatics = Promise as unknown as { withResolvers?: typeof withResolvers };
promiseStatics.withResolvers ??= withResolvers;

export interface LocalLambda {
  (event: unknown): Promise<unknown>;
}

export interface LocalStepFunctionsOptions {
  /** ASL definition text with ${Name} placeholders, as deployed by CDK (DefinitionBody.fromFile + definitionSubstitutions). */
  definitionText: string;
  /** Values for the ${Name} placeholders, e.g. { IssueActivationFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:issue-activation' }. */
  substitutions: Record<string, string>;
  /**
   * Local implementations of the Lambda functions, keyed by function ARN (the substituted values).
   * A Task whose `Resource` is neither a Lambda ARN nor a Lambda integration is served by the entry
   * keyed by that exact `Resource`, if any (its return value is the task result).
   */
  functions: Record<string, LocalLambda>;
  /** The clock that callback-task timeouts (TimeoutSeconds) are measured on; it can jump forward. */
  clock: { now(): Date };
  stateMachineName?: string; // default 'registration'
  port?: number; // default 0
}

export interface LocalStepFunctions {
  endpoint: string; // e.g. http://127.0.0.1:41234
  stateMachineArn: string; // arn:aws:states:us-east-1:000000000000:stateMachine:<name>
  /** Call after the clock jumped forward: callback tasks whose deadline passed fail with States.Timeout now. */
  checkTimeouts(): void;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const TIMEOUT_CHECK_INTERVAL_MS = 250;
/** How long after StartExecution answers an execution starts running. */
const START_DELAY_MS = 20;
/** setTimeout's ceiling (2^31-1 ms): the engine arms one per Task; beyond it Node fires it at once. */
const MAX_ENGINE_TIMEOUT_SECONDS = 2_147_483;
const MAX_REQUEST_BYTES = 1024 * 1024;
const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Params = Record<string, unknown>;
type EngineHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type EngineHandler = EngineHandlers[string];
type EngineJson = Parameters<EngineHandler>[0];

/** How a Task state is served, decided once from its `Resource`. */
type TaskPlan =
  | { kind: 'function'; fn: LocalLambda }
  | { kind: 'invoke' }
  | { kind: 'callback'; timeoutSeconds: number | undefined };

interface Execution {
  arn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Epoch ms on the clock at which the execution times out (top-level TimeoutSeconds). */
  deadline: number | undefined;
  abort: () => void;
  /** Rejects when the execution ends early (stopped, timed out, service closed). */
  stopped: Promise<never>;
  rejectStopped: (error: Error) => void;
  tasks: Set<CallbackTask>;
}

interface CallbackTask {
  token: string;
  execution: Execution;
  /** Epoch ms on the clock; undefined when the state sets no TimeoutSeconds. */
  deadline: number | undefined;
  resolve: (result: Json) => void;
  reject: (error: Error) => void;
}

/** An error answered to the client as HTTP 400 `{"__type": type, "message": ...}`. */
class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const { clock, functions } = options;
  const stateMachineName = options.stateMachineName ?? 'registration';
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(stateMachineName)) {
    throw new Error(`Invalid state machine name '${stateMachineName}'`);
  }
  const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${stateMachineName}`;
  const executionArnPrefix = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachineName}:`;

  const definition = JSON.parse(substitute(options.definitionText, options.substitutions)) as Params;
  const { plans, executionTimeoutSeconds } = prepareDefinition(definition, functions);
  // The constructor validates the definition (asl-validator) and throws when it is invalid.
  const machine = new StateMachine(definition as unknown as StateMachineDefinition);
  const TimeoutError = await engineTimeoutErrorClass();

  const executions = new Map<string, Execution>();
  const pendingTasks = new Map<string, CallbackTask>();
  /** Tokens whose task has closed: AWS answers TaskTimedOut for them, as it does for a reused token. */
  const closedTokens = new Set<string>();
  let closed = false;

  // ---- callback tasks ------------------------------------------------------------------------

  function finishTask(task: CallbackTask, outcome: { result: Json } | { error: Error }): void {
    if (pendingTasks.get(task.token) !== task) return;
    pendingTasks.delete(task.token);
    task.execution.tasks.delete(task);
    closedTokens.add(task.token);
    if ('error' in outcome) task.reject(outcome.error);
    else task.resolve(outcome.result);
  }

  function startCallbackTask(execution: Execution, token: string, timeoutSeconds: number | undefined, input: Params): Promise<Json> {
    const fn = resolveFunction(functions, input['FunctionName']);
    const { promise, resolve, reject } = withResolvers<Json>();
    const deadline = timeoutSeconds === undefined ? undefined : clock.now().getTime() + timeoutSeconds * 1000;
    const task: CallbackTask = { token, execution, deadline, resolve, reject };
    // Registered before the function runs: it may hand the token on and be answered at once.
    pendingTasks.set(token, task);
    execution.tasks.add(task);
    // The function's result is ignored; its error fails the task, as the Lambda integration does.
    invokeLocal(fn, input['Payload'] ?? {}).catch((error: unknown) => finishTask(task, { error: error as Error }));
    return promise;
  }

  function lookupTask(taskToken: unknown): CallbackTask {
    if (typeof taskToken !== 'string' || !/^[A-Za-z0-9+/=_-]{1,2048}$/.test(taskToken)) {
      throw new ApiError('InvalidToken', 'Invalid Task Token');
    }
    const task = pendingTasks.get(taskToken);
    if (task) return task;
    if (closedTokens.has(taskToken)) {
      throw new ApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    throw new ApiError('TaskDoesNotExist', 'Task does not exist');
  }

  function checkTimeouts(): void {
    if (closed) return;
    const now = clock.now().getTime();
    for (const task of [...pendingTasks.values()]) {
      if (task.deadline !== undefined && now >= task.deadline) finishTask(task, { error: new TimeoutError() });
    }
    for (const execution of executions.values()) {
      if (execution.status === 'RUNNING' && execution.deadline !== undefined && now >= execution.deadline) {
        endExecution(execution, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution exceeded its TimeoutSeconds' });
      }
    }
  }

  // ---- executions ----------------------------------------------------------------------------

  function settle(execution: Execution, status: ExecutionStatus, fields: { output?: string; error?: string; cause?: string }): void {
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, fields, { status, stopDate: clock.now() });
    const stoppedError = nonRetryableError('LocalStepFunctions.ExecutionClosed', `Execution ${execution.name} is ${status}`);
    execution.rejectStopped(stoppedError);
    for (const task of [...execution.tasks]) finishTask(task, { error: stoppedError });
  }

  /** Ends a running execution from outside the engine (stop, timeout, close). */
  function endExecution(execution: Execution, status: ExecutionStatus, fields: { error?: string; cause?: string }): void {
    if (execution.status !== 'RUNNING') return;
    settle(execution, status, fields);
    execution.abort();
  }

  function handlersFor(execution: Execution, takeToken: () => string): EngineHandlers {
    const whileRunning = (result: Promise<Json>): Promise<Json> => Promise.race([result, execution.stopped]);
    const handlers: EngineHandlers = {};
    for (const [stateName, plan] of plans) {
      handlers[stateName] = async (input: EngineJson): Promise<EngineJson> => {
        // Taken before any await: the engine resolved this state's Parameters in this very tick.
        const token = plan.kind === 'callback' ? takeToken() : '';
        if (execution.status !== 'RUNNING') return execution.stopped;
        switch (plan.kind) {
          case 'function':
            return (await whileRunning(invokeLocal(plan.fn, input))) as EngineJson;
          case 'invoke': {
            const params = asParams(input);
            const fn = resolveFunction(functions, params['FunctionName']);
            const payload = await whileRunning(invokeLocal(fn, params['Payload'] ?? {}));
            return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 } as EngineJson;
          }
          case 'callback':
            return (await startCallbackTask(execution, token, plan.timeoutSeconds, asParams(input))) as EngineJson;
        }
      };
    }
    return handlers;
  }

  function launch(name: string, input: string): Execution {
    const arn = executionArnPrefix + name;
    const startDate = clock.now();
    const { promise: stopped, reject: rejectStopped } = withResolvers<never>();
    stopped.catch(() => undefined); // raced by every running task; never an unhandled rejection
    const execution: Execution = {
      arn,
      name,
      input,
      status: 'RUNNING',
      startDate,
      deadline: executionTimeoutSeconds === undefined ? undefined : startDate.getTime() + executionTimeoutSeconds * 1000,
      abort: () => undefined,
      stopped,
      rejectStopped,
      tasks: new Set(),
    };
    executions.set(arn, execution);
    // As on AWS, StartExecution only queues the execution: it runs a moment after the caller got
    // its answer, not inside the caller's request (the local stack shares one process).
    setTimeout(() => {
      if (!closed && execution.status === 'RUNNING') run(execution, input);
    }, START_DELAY_MS).unref();
    return execution;
  }

  function run(execution: Execution, input: string): void {
    const { arn, name } = execution;
    const tokens = taskTokenContext();
    try {
      const run = machine.run(JSON.parse(input) as EngineJson, {
        overrides: { taskResourceLocalHandlers: handlersFor(execution, tokens.take) },
        context: {
          Execution: { Id: arn, Name: name, RoleArn: `arn:aws:iam::${ACCOUNT}:role/local-step-functions` },
          StateMachine: { Id: stateMachineArn, Name: stateMachineName },
          Task: tokens.task,
        },
      });
      execution.abort = run.abort;
      run.result.then(
        (output) => settle(execution, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
        (error: unknown) => settle(execution, ...failureOf(error)),
      );
    } catch (error) {
      settle(execution, ...failureOf(error));
    }
  }

  function lookupExecution(executionArn: unknown): Execution {
    if (typeof executionArn !== 'string' || !executionArn.startsWith('arn:')) {
      throw new ApiError('InvalidArn', `Invalid Arn: '${String(executionArn)}'`);
    }
    const execution = executions.get(executionArn);
    if (!execution) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  function checkStateMachineArn(arn: unknown): void {
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) {
      throw new ApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
    if (arn !== stateMachineArn) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  }

  // ---- API operations ------------------------------------------------------------------------

  const operations = new Map<string, (params: Params) => object>([
    [
      'StartExecution',
      (params) => {
        checkStateMachineArn(params['stateMachineArn']);
        const name = params['name'] ?? randomUUID();
        if (typeof name !== 'string' || !isValidExecutionName(name)) {
          throw new ApiError('InvalidName', `Invalid Name: '${String(name)}'`);
        }
        const input = params['input'] ?? '{}';
        if (typeof input !== 'string' || !isJson(input)) {
          throw new ApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input is not valid JSON');
        }
        if (closed) throw new ApiError('ServiceUnavailable', 'The local Step Functions endpoint is closing');
        const existing = executions.get(executionArnPrefix + name);
        if (existing) {
          // Idempotent for STANDARD workflows, as on AWS: same name and input while still running.
          if (existing.status === 'RUNNING' && existing.input === input) {
            return { executionArn: existing.arn, startDate: epochSeconds(existing.startDate) };
          }
          throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.arn}'`);
        }
        const execution = launch(name, input);
        return { executionArn: execution.arn, startDate: epochSeconds(execution.startDate) };
      },
    ],
    [
      'DescribeExecution',
      (params) => {
        const execution = lookupExecution(params['executionArn']);
        return {
          executionArn: execution.arn,
          stateMachineArn,
          name: execution.name,
          status: execution.status,
          startDate: epochSeconds(execution.startDate),
          stopDate: execution.stopDate && epochSeconds(execution.stopDate),
          input: execution.input,
          inputDetails: { included: true },
          output: execution.output,
          outputDetails: execution.output === undefined ? undefined : { included: true },
          error: execution.error,
          cause: execution.cause,
        };
      },
    ],
    [
      'ListExecutions',
      (params) => {
        checkStateMachineArn(params['stateMachineArn']);
        const statusFilter = params['statusFilter'];
        if (statusFilter !== undefined && !EXECUTION_STATUSES.includes(statusFilter as ExecutionStatus)) {
          throw new ApiError('ValidationException', `Invalid statusFilter: '${String(statusFilter)}'`);
        }
        const maxResults = params['maxResults'] ?? 0;
        if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
          throw new ApiError('ValidationException', 'maxResults must be an integer from 0 to 1000');
        }
        const offset = params['nextToken'] === undefined ? 0 : Number(params['nextToken']);
        if (!Number.isInteger(offset) || offset < 0) throw new ApiError('InvalidToken', 'Invalid nextToken');
        const pageSize = maxResults || 100;
        const matching = [...executions.values()].reverse().filter((e) => statusFilter === undefined || e.status === statusFilter);
        const page = matching.slice(offset, offset + pageSize);
        return {
          executions: page.map((e) => ({
            executionArn: e.arn,
            stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: epochSeconds(e.startDate),
            stopDate: e.stopDate && epochSeconds(e.stopDate),
          })),
          nextToken: offset + pageSize < matching.length ? String(offset + pageSize) : undefined,
        };
      },
    ],
    [
      'StopExecution',
      (params) => {
        const execution = lookupExecution(params['executionArn']);
        const error = optionalString(params['error'], 'error', 256);
        const cause = optionalString(params['cause'], 'cause', 32768);
        endExecution(execution, 'ABORTED', { error, cause });
        return { stopDate: epochSeconds(execution.stopDate ?? clock.now()) };
      },
    ],
    [
      'SendTaskSuccess',
      (params) => {
        const task = lookupTask(params['taskToken']);
        const output = params['output'];
        if (typeof output !== 'string' || !isJson(output)) {
          throw new ApiError('InvalidOutput', 'Invalid Output: output is not valid JSON');
        }
        finishTask(task, { result: JSON.parse(output) as Json });
        return {};
      },
    ],
    [
      'SendTaskFailure',
      (params) => {
        const task = lookupTask(params['taskToken']);
        const error = optionalString(params['error'], 'error', 256) ?? '';
        const cause = optionalString(params['cause'], 'cause', 32768) ?? '';
        // The engine matches Retry/Catch ErrorEquals against the error's `name`.
        finishTask(task, { error: Object.assign(new Error(cause), { name: error }) });
        return {};
      },
    ],
    [
      'SendTaskHeartbeat',
      (params) => {
        lookupTask(params['taskToken']); // accepted; HeartbeatSeconds is not enforced locally
        return {};
      },
    ],
  ]);

  // ---- HTTP ----------------------------------------------------------------------------------

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const body = await readBody(request);
      const target = request.headers['x-amz-target'];
      const prefix = 'AWSStepFunctions.';
      const operation =
        request.method === 'POST' && typeof target === 'string' && target.startsWith(prefix)
          ? operations.get(target.slice(prefix.length))
          : undefined;
      if (!operation) {
        throw new ApiError('UnknownOperationException', `Unknown operation: ${String(target)}`);
      }
      let params: unknown;
      try {
        params = body.length === 0 ? {} : JSON.parse(body);
      } catch {
        throw new ApiError('SerializationException', 'The request body is not valid JSON');
      }
      if (params === null || typeof params !== 'object' || Array.isArray(params)) {
        throw new ApiError('SerializationException', 'The request body must be a JSON object');
      }
      send(response, requestId, 200, operation(params as Params));
    } catch (error) {
      if (error instanceof ApiError) {
        send(response, requestId, 400, { __type: error.type, message: error.message });
      } else {
        send(response, requestId, 500, { __type: 'InternalFailure', message: String(error) });
      }
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const timer = setInterval(() => {
    try {
      checkTimeouts();
    } catch {
      // A throwing clock must not crash the process; checkTimeouts() called directly still throws.
    }
  }, TIMEOUT_CHECK_INTERVAL_MS);
  timer.unref();

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn,
    checkTimeouts,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        closed = true;
        clearInterval(timer);
        for (const execution of executions.values()) {
          endExecution(execution, 'ABORTED', { error: 'LocalStepFunctions.Closed', cause: 'The local endpoint was closed' });
        }
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // the SDK keeps connections alive; close() would wait for them
      });
      return closing;
    },
  };
}

// ---- definition ------------------------------------------------------------------------------

/** Replaces `${Name}` placeholders like CloudFormation's DefinitionSubstitutions. */
function substitute(text: string, substitutions: Record<string, string>): string {
  return text.replace(/\$\{([^}]*)\}/g, (placeholder, name: string) => {
    const value = Object.hasOwn(substitutions, name) ? substitutions[name] : undefined;
    if (value === undefined) throw new Error(`No substitution for ${placeholder} in the state machine definition`);
    return value;
  });
}

/**
 * Decides how each Task state is served, and adapts the engine's copy of the definition:
 * - callback tasks: their TimeoutSeconds is enforced here on `options.clock`, so the engine's own
 *   (real-time) timer is pushed to its maximum;
 * - other tasks: TimeoutSeconds is clamped to what setTimeout can hold (the engine arms one);
 * - top-level TimeoutSeconds: enforced here on the clock (the engine's timer is real-time and
 *   never unref'd).
 * Fails when a Task has no local implementation: the engine would otherwise call AWS Lambda.
 */
function prepareDefinition(
  definition: Params,
  functions: Record<string, LocalLambda>,
): { plans: Map<string, TaskPlan>; executionTimeoutSeconds: number | undefined } {
  const plans = new Map<string, TaskPlan>();
  const resources = new Map<string, string>();
  const problems: string[] = [];

  const visitMachine = (machine: Params): void => {
    const states = (machine['States'] ?? {}) as Record<string, Params>;
    for (const [name, state] of Object.entries(states)) {
      if (state['Type'] === 'Parallel') {
        for (const branch of (state['Branches'] ?? []) as Params[]) visitMachine(branch);
      } else if (state['Type'] === 'Map') {
        const processor = (state['ItemProcessor'] ?? state['Iterator']) as Params | undefined;
        if (processor) visitMachine(processor);
      } else if (state['Type'] === 'Task') {
        visitTask(name, state);
      }
    }
  };

  const visitTask = (name: string, state: Params): void => {
    const resource = String(state['Resource']);
    const previous = resources.get(name);
    if (previous !== undefined && previous !== resource) {
      // The engine keys local handlers by state name; AWS requires unique names anyway.
      problems.push(`Task state name '${name}' is used twice`);
      return;
    }
    resources.set(name, resource);
    const timeoutSeconds = typeof state['TimeoutSeconds'] === 'number' ? state['TimeoutSeconds'] : undefined;
    const staticFunctionName = (state['Parameters'] as Params | undefined)?.['FunctionName'];
    const checkStaticFunction = (): void => {
      if (typeof staticFunctionName === 'string' && !findFunction(functions, staticFunctionName)) {
        problems.push(`No local function for ${staticFunctionName} (state '${name}')`);
      }
    };

    if (resource === LAMBDA_INVOKE_CALLBACK) {
      checkStaticFunction();
      plans.set(name, { kind: 'callback', timeoutSeconds });
      // With TimeoutSecondsPath the engine keeps timing the task itself, in real time.
      if (state['TimeoutSecondsPath'] === undefined) state['TimeoutSeconds'] = MAX_ENGINE_TIMEOUT_SECONDS;
      return;
    }
    if (timeoutSeconds !== undefined) state['TimeoutSeconds'] = Math.min(timeoutSeconds, MAX_ENGINE_TIMEOUT_SECONDS);
    if (resource === LAMBDA_INVOKE) {
      checkStaticFunction();
      plans.set(name, { kind: 'invoke' });
      return;
    }
    const fn = resource.startsWith('arn:aws:lambda:') ? findFunction(functions, resource) : ownValue(functions, resource);
    if (fn) plans.set(name, { kind: 'function', fn });
    else problems.push(`No local implementation for Resource ${resource} (state '${name}')`);
  };

  visitMachine(definition);
  if (problems.length > 0) throw new Error(`Cannot run the state machine locally:\n- ${problems.join('\n- ')}`);

  const executionTimeoutSeconds = typeof definition['TimeoutSeconds'] === 'number' ? definition['TimeoutSeconds'] : undefined;
  delete definition['TimeoutSeconds'];
  return { plans, executionTimeoutSeconds };
}

// ---- local Lambda functions ------------------------------------------------------------------

function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** `arn:aws:lambda:r:a:function:name[:qualifier]`, `a:function:name[:qualifier]` or `name[:qualifier]` → name. */
function functionNameOf(reference: string): string {
  const match = /^(?:arn:[^:]+:lambda:[^:]*:[^:]*:function:|[^:]*:function:)?([^:]+)(?::[^:]*)?$/.exec(reference);
  return match?.[1] ?? reference;
}

/** Finds a function by exact ARN, else by function name (Lambda accepts names, partial and qualified ARNs). */
function findFunction(functions: Record<string, LocalLambda>, reference: string): LocalLambda | undefined {
  const exact = ownValue(functions, reference);
  if (exact) return exact;
  const name = functionNameOf(reference);
  const key = Object.keys(functions).find((candidate) => functionNameOf(candidate) === name);
  return key === undefined ? undefined : functions[key];
}

function resolveFunction(functions: Record<string, LocalLambda>, reference: unknown): LocalLambda {
  const fn = typeof reference === 'string' ? findFunction(functions, reference) : undefined;
  if (!fn) {
    throw Object.assign(new Error(`Function not found: ${String(reference)}`), { name: 'Lambda.ResourceNotFoundException' });
  }
  return fn;
}

/**
 * Invokes a local function as Lambda would: the event and the result go through JSON, and an
 * error fails the task with the error's name as its code (what Retry/Catch ErrorEquals match) and
 * Lambda's `{"errorType","errorMessage","trace"}` JSON as its cause.
 */
async function invokeLocal(fn: LocalLambda, event: unknown): Promise<Json> {
  let result: unknown;
  try {
    result = await fn(toJson(event));
  } catch (error) {
    const errorType = error instanceof Error ? error.name || 'Error' : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    const trace = error instanceof Error ? (error.stack?.split('\n') ?? []) : [];
    throw Object.assign(new Error(JSON.stringify({ errorType, errorMessage, trace })), { name: errorType });
  }
  return toJson(result);
}

function asParams(input: unknown): Params {
  return input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Params) : {};
}

function toJson(value: unknown): Json {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as Json);
}

// ---- engine integration ----------------------------------------------------------------------

/**
 * `$$.Task.Token` for the engine's context object. The engine copies the context shallowly once per
 * execution, so `Task` stays this object and its getter runs whenever a state's Parameters read the
 * token. A token is minted on first read and kept until the end of the tick, and the callback
 * handler takes it: the engine resolves a state's Parameters and calls its local handler in one
 * synchronous stretch (StateExecutor.execute → TaskStateAction.execute), so every attempt of a
 * callback state (retries included) gets its own fresh token, never another state's.
 */
function taskTokenContext(): { task: { readonly Token: string }; take: () => string } {
  let minted: string | undefined;
  return {
    task: {
      get Token(): string {
        if (minted === undefined) {
          const token = newTaskToken();
          minted = token;
          queueMicrotask(() => {
            if (minted === token) minted = undefined;
          });
        }
        return minted;
      },
    },
    take: () => {
      const token = minted ?? newTaskToken();
      minted = undefined;
      return token;
    },
  };
}

/**
 * A random token in AWS's alphabet (standard base64): it contains '+' and '/' like real tokens,
 * so code that forgets to URL-encode a token fails locally too.
 */
function newTaskToken(): string {
  let token: string;
  do token = randomBytes(96).toString('base64');
  while (!token.includes('+') || !token.includes('/'));
  return token;
}

/** An error that no Retry or Catch can match: it ends an engine run that is being torn down. */
function nonRetryableError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, isRetryable: false, isCatchable: false });
}

let timeoutErrorClass: Promise<new () => Error> | undefined;

/**
 * The engine's own `States.Timeout` error class, which it does not export. It matters: the engine
 * lets `States.TaskFailed` match every task error except instances of that class (as on AWS, where
 * TaskFailed does not match timeouts). It is obtained once by running a one-state machine whose
 * timeout timer is made to fire synchronously: setTimeout is swapped only for the synchronous
 * stretch of `run()` (the engine arms the task timer in it), then restored. Falls back to a plain
 * Error named 'States.Timeout' should a future engine version behave otherwise.
 */
function engineTimeoutErrorClass(): Promise<new () => Error> {
  const fallback = class extends Error {
    constructor() {
      super('States.Timeout');
      this.name = 'States.Timeout';
    }
  };
  timeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: { Type: 'Task', Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:probe`, TimeoutSeconds: 1, End: true },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    const timers = globalThis as { setTimeout: unknown };
    const realSetTimeout = timers.setTimeout;
    let run: ReturnType<StateMachine['run']>;
    timers.setTimeout = (callback: () => void) => {
      callback();
      return undefined;
    };
    try {
      run = probe.run(null, { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => undefined) } } });
    } finally {
      timers.setTimeout = realSetTimeout;
    }
    const outcome = await Promise.race([
      run.result.then(
        () => undefined,
        (error: unknown) => error,
      ),
      new Promise<undefined>((resolve) => setImmediate(resolve, undefined)),
    ]);
    const cause = outcome instanceof ExecutionError ? outcome.cause : undefined;
    if (!(cause instanceof Error) || cause.name !== 'States.Timeout') return fallback;
    const Class = Object.getPrototypeOf(cause).constructor as new () => Error;
    return new Class().name === 'States.Timeout' ? Class : fallback;
  })().catch(() => fallback);
  return timeoutErrorClass;
}

function failureOf(error: unknown): [ExecutionStatus, { error: string; cause: string }] {
  if (error instanceof ExecutionTimeoutError) {
    return ['TIMED_OUT', { error: 'States.Timeout', cause: 'The execution exceeded its TimeoutSeconds' }];
  }
  const reason = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (reason instanceof Error) return ['FAILED', { error: reason.name, cause: reason.message }];
  return ['FAILED', { error: 'States.Runtime', cause: String(reason) }];
}

// ---- protocol helpers ------------------------------------------------------------------------

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isValidExecutionName(name: string): boolean {
  // AWS: 1–80 characters, no whitespace, brackets, wildcards, special or control characters.
  return name.length >= 1 && name.length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name);
}

function optionalString(value: unknown, field: string, maxLength: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new ApiError('ValidationException', `${field} must be a string of at most ${maxLength} characters`);
  }
  return value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new ApiError('ValidationException', 'Request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, requestId: string, statusCode: number, body: object): void {
  if (response.headersSent || response.destroyed) return;
  const payload = JSON.stringify(body);
  response.writeHead(statusCode, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': requestId,
  });
  response.end(payload);
}
