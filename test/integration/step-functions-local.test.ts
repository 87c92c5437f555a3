import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidExecutionInput,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../infra/local/step-functions-local';

/**
 * The real registration workflow (infra/workflow/registration.asl.json) on the local Step
 * Functions endpoint, driven only through the real SFNClient, with local functions that record
 * their events. The clock is frozen and moved by hand, so callback timeouts are deterministic.
 */

// The retry test waits up to 2 s (FULL jitter on a 2 s interval); polls give up after 10 s. Set
// here because the integration project's testTimeout was not applied (the 5 s default was).
jest.setTimeout(30_000);

const definitionText = readFileSync(join(__dirname, '../../infra/workflow/registration.asl.json'), 'utf8');
const arn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const substitutions = {
  IssueActivationFunctionArn: arn('issue-activation'),
  AwaitRegistrationFunctionArn: arn('await-registration'),
  SendConfirmationFunctionArn: arn('send-confirmation'),
  ExpireActivationFunctionArn: arn('expire-activation'),
  RecordFailureFunctionArn: arn('record-failure'),
  SendRecoveryEmailFunctionArn: arn('send-recovery-email'),
};

type Name = 'issue' | 'await' | 'confirm' | 'expire' | 'failure' | 'recovery';
interface Call {
  at: number;
  event: Record<string, unknown>;
}
const calls: Record<Name, Call[]> = { issue: [], await: [], confirm: [], expire: [], failure: [], recovery: [] };
/** Per-test behaviour of IssueActivation: queued errors to throw first, then this outcome. */
let issueErrors: Error[] = [];
let issueOutcome = 'sent';
let issueRevoked: string | undefined;
/** Per-test outcome of RecordFailure. */
let recordOutcome: Record<string, unknown> = { outcome: 'failed' };
let confirmError: Error | undefined;
let expireResult: Record<string, unknown> = { expired: true };

function record(name: Name, event: unknown): void {
  calls[name].push({ at: Date.now(), event: event as Record<string, unknown> });
}
function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The states each execution entered (retries marked), by execution name, read from the engine's
 * own event log as the cost bench does (test/bench/stack-process.ts): each entry is one billed
 * state transition, so the workflow's cost per path is asserted, not assumed.
 */
const histories = new Map<string, { states: string[]; ended: boolean }>();
type EventLog = { type: string; state?: { name: string } };
const engineRun = StateMachine.prototype.run;
StateMachine.prototype.run = function observed(this: StateMachine, ...args: Parameters<StateMachine['run']>) {
  const execution = engineRun.apply(this, args);
  const name = (args[1]?.context as { Execution?: { Name?: string } } | undefined)?.Execution?.Name ?? '?';
  const history = { states: [] as string[], ended: false };
  histories.set(name, history);
  void (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<EventLog>) {
      if (event.type === 'StateEntered' && event.state) history.states.push(event.state.name);
      else if (event.type === 'StateRetried' && event.state) history.states.push(`${event.state.name} (retry)`);
      else if (/^Execution(Succeeded|Failed|Aborted|Terminated|TimedOut)$/.test(event.type)) history.ended = true;
    }
    history.ended = true;
  })().catch(() => undefined);
  return execution;
};

/** The billed transitions of a finished execution: every state entered, plus every retry. */
const transitionsOf = (name: string): Promise<string[]> =>
  eventually(() => (histories.get(name)?.ended ? histories.get(name)!.states : undefined), `the event log of ${name}`);

async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

function localClient(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** A controllable clock: frozen unless moved forward by hand. */
function manualClock(iso: string): { now(): Date; advanceSeconds(seconds: number): void } {
  let ms = Date.parse(iso);
  return {
    now: () => new Date(ms),
    advanceSeconds: (seconds) => {
      ms += seconds * 1000;
    },
  };
}

/** StartExecution / DescribeExecution / poll-until-finished against one local endpoint. */
function executions(target: () => { client: SFNClient; sfn: LocalStepFunctions }) {
  const describe = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
    target().client.send(new DescribeExecutionCommand({ executionArn }));
  return {
    async start(name: string, input: object): Promise<string> {
      const { client, sfn } = target();
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return executionArn!;
    },
    describe,
    finished: (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
      eventually(async () => {
        const execution = await describe(executionArn);
        return execution.status === 'RUNNING' ? undefined : execution;
      }, `${executionArn} to finish`),
  };
}

const output = (execution: DescribeExecutionCommandOutput): Record<string, unknown> => JSON.parse(execution.output!);

describe('the registration workflow (infra/workflow/registration.asl.json)', () => {
  const clock = manualClock('2030-01-01T00:00:00Z');

  let sfn: LocalStepFunctions;
  let client: SFNClient;
  const { start, describe: describe_, finished } = executions(() => ({ client, sfn }));

  beforeAll(async () => {
    sfn = await startLocalStepFunctions({
      definitionText,
      substitutions,
      clock,
      functions: {
        [substitutions.IssueActivationFunctionArn]: async (event) => {
          record('issue', event);
          const error = issueErrors.shift();
          if (error) throw error;
          return { outcome: issueOutcome, ...(issueRevoked ? { revokedActivationId: issueRevoked } : {}) };
        },
        [substitutions.AwaitRegistrationFunctionArn]: async (event) => {
          record('await', event);
          return { parked: true };
        },
        [substitutions.SendConfirmationFunctionArn]: async (event) => {
          record('confirm', event);
          if (confirmError) throw confirmError;
          return { sent: true };
        },
        [substitutions.ExpireActivationFunctionArn]: async (event) => {
          record('expire', event);
          return expireResult;
        },
        [substitutions.RecordFailureFunctionArn]: async (event) => {
          record('failure', event);
          return recordOutcome;
        },
        [substitutions.SendRecoveryEmailFunctionArn]: async (event) => {
          record('recovery', event);
          return { sent: true };
        },
      },
    });
    client = localClient(sfn.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await sfn?.close();
  });

  beforeEach(() => {
    for (const list of Object.values(calls)) list.length = 0;
    issueErrors = [];
    issueOutcome = 'sent';
    issueRevoked = undefined;
    recordOutcome = { outcome: 'failed' };
    confirmError = undefined;
    expireResult = { expired: true };
  });

  /** Waits for AwaitRegistration to be invoked for this activation, and returns its task token. */
  async function parkedToken(activationId: string): Promise<string> {
    const call = await eventually(() => calls.await.find((c) => c.event['activationId'] === activationId), `the token of ${activationId}`);
    expect(typeof call.event['taskToken']).toBe('string');
    return call.event['taskToken'] as string;
  }

  // As StepFunctionsWorkflow starts them: with the correlation id of the request behind it.
  const activation = (activationId: string) => ({ kind: 'activation', activationId, accountNumber: '100200300', channel: 'email', correlationId: `request-${activationId}` });

  test('success path: the registration sends the token back with the user, then the confirmation is sent', async () => {
    const executionArn = await start('success-1', activation('act-success'));
    const token = await parkedToken('act-success');

    expect(calls.issue.map((c) => c.event)).toEqual([activation('act-success')]);
    expect(calls.await[0]!.event).toEqual({ activationId: 'act-success', taskToken: token, correlationId: 'request-act-success', issued: { outcome: 'sent' } });
    const running = await describe_(executionArn);
    expect(running).toMatchObject({ status: 'RUNNING', name: 'success-1', stateMachineArn: sfn.stateMachineArn });
    expect(running.startDate).toEqual(clock.now());

    await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ userId: 'u1' }) }));

    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(calls.confirm.map((c) => c.event)).toEqual([{ accountNumber: '100200300', userId: 'u1', correlationId: 'request-act-success' }]);
    expect(output(done)).toEqual({
      ...activation('act-success'),
      issue: { outcome: 'sent' },
      registration: { userId: 'u1' },
      confirmation: { sent: true },
    });
    expect(calls.expire).toEqual([]);
    // Flow A, billed: 6 transitions (no state but the tasks and the two choices that route them).
    expect(await transitionsOf('success-1')).toEqual(['Route', 'IssueActivation', 'ActivationSent', 'AwaitRegistration', 'SendConfirmation', 'Done']);

    // As on AWS, a token whose task has closed is answered TaskTimedOut.
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);

    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: sfn.stateMachineArn, statusFilter: 'SUCCEEDED' }));
    expect(listed.executions?.map((e) => e.executionArn)).toContain(executionArn);
  });

  test('concurrent executions get their own tokens and results', async () => {
    const [first, second] = await Promise.all([start('concurrent-1', activation('act-c1')), start('concurrent-2', activation('act-c2'))]);
    const [token1, token2] = await Promise.all([parkedToken('act-c1'), parkedToken('act-c2')]);
    expect(token1).not.toBe(token2);

    await client.send(new SendTaskSuccessCommand({ taskToken: token2, output: JSON.stringify({ userId: 'u-second' }) }));
    expect((await finished(second!)).status).toBe('SUCCEEDED');
    expect((await describe_(first!)).status).toBe('RUNNING');
    await client.send(new SendTaskSuccessCommand({ taskToken: token1, output: JSON.stringify({ userId: 'u-first' }) }));
    expect((await finished(first!)).status).toBe('SUCCEEDED');

    expect(calls.confirm.map((c) => c.event['userId'])).toEqual(['u-second', 'u-first']);
  });

  test('an outcome other than "sent" ends at Done without waiting', async () => {
    issueOutcome = 'login-exists';
    const done = await finished(await start('not-sent-1', activation('act-not-sent')));

    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ ...activation('act-not-sent'), issue: { outcome: 'login-exists' } });
    expect(calls.await).toEqual([]);
    expect(calls.confirm).toEqual([]);
  });

  test('no registration within five days on the clock: the activation is expired', async () => {
    const executionArn = await start('timeout-1', activation('act-timeout'));
    const token = await parkedToken('act-timeout');

    clock.advanceSeconds(432_000 - 1);
    sfn.checkTimeouts();
    await sleep(100);
    expect((await describe_(executionArn)).status).toBe('RUNNING');
    expect(calls.expire).toEqual([]);

    clock.advanceSeconds(1);
    sfn.checkTimeouts();
    const done = await finished(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(calls.expire.map((c) => c.event)).toEqual([{ activationId: 'act-timeout', correlationId: 'request-act-timeout' }]);
    expect(calls.confirm).toEqual([]);
    expect(output(done)).toMatchObject({ timeout: { Error: 'States.Timeout' }, expiry: { expired: true } });
    expect(await transitionsOf('timeout-1')).toEqual(['Route', 'IssueActivation', 'ActivationSent', 'AwaitRegistration', 'ExpireActivation', 'RegisteredMeanwhile', 'Done']);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ userId: 'late' }) })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  test("the activation IssueActivation replaced reaches AwaitRegistration, which ends that one's wait", async () => {
    issueRevoked = 'act-older';
    const executionArn = await start('replaces-1', activation('act-newer'));
    const token = await parkedToken('act-newer');
    const call = calls.await.find((c) => c.event['activationId'] === 'act-newer')!;
    expect(call.event['issued']).toEqual({ outcome: 'sent', revokedActivationId: 'act-older' });
    // Ended here so that no wait outlives the test.
    await client.send(new SendTaskFailureCommand({ taskToken: token, error: 'ActivationRevoked' }));
    expect((await finished(executionArn)).status).toBe('SUCCEEDED');
  });

  test('SendTaskFailure ActivationRevoked is caught and ends at Done without confirmation', async () => {
    const executionArn = await start('revoked-1', activation('act-revoked'));
    const token = await parkedToken('act-revoked');

    await client.send(new SendTaskFailureCommand({ taskToken: token, error: 'ActivationRevoked', cause: 'A newer activation was issued' }));

    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toMatchObject({ ended: { Error: 'ActivationRevoked', Cause: 'A newer activation was issued' } });
    expect(calls.confirm).toEqual([]);
    expect(calls.expire).toEqual([]);
  });

  test('EmailDeliveryDeferred is retried (2 s interval, full jitter), then the workflow goes on', async () => {
    issueErrors = [named('EmailDeliveryDeferred', 'SES throttled')];
    issueOutcome = 'login-exists';
    const done = await finished(await start('retry-1', activation('act-retry')));

    expect(done.status).toBe('SUCCEEDED');
    expect(calls.issue).toHaveLength(2);
    expect(calls.issue[1]!.event).toEqual(calls.issue[0]!.event);
    // FULL jitter waits a random time in [0, IntervalSeconds]: at most 2 s here.
    expect(calls.issue[1]!.at - calls.issue[0]!.at).toBeLessThanOrEqual(2_000 + 250);
  });

  test('a failing step is retried (States.TaskFailed, backoff with full jitter), then the workflow goes on', async () => {
    let failures = 1;
    confirmError = named('ProvisionedThroughputExceededException', 'throttled');
    const started = Date.now();
    const executionArn = await start('failed-1', { kind: 'confirmation', accountNumber: '42', userId: 'u2' });
    await eventually(() => (calls.confirm.length >= 1 ? true : undefined), 'the first attempt');
    if (failures-- > 0) confirmError = undefined;
    const done = await finished(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(calls.confirm).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a step that keeps failing fails the execution with the function error name and Lambda-style cause', async () => {
    confirmError = named('AccountNotFound', 'No account 42');
    const done = await finished(await start('failed-2', { kind: 'confirmation', accountNumber: '42', userId: 'u2' }));

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('AccountNotFound');
    expect(JSON.parse(done.cause!)).toMatchObject({ errorType: 'AccountNotFound', errorMessage: 'No account 42' });
    expect(calls.confirm).toHaveLength(4);
  });

  test('an activation that still fails after every retry is recorded by RecordFailure, and the execution fails visibly', async () => {
    issueErrors = Array.from({ length: 4 }, () => named('ProvisionedThroughputExceededException', 'throttled'));
    const done = await finished(await start('undelivered-1', activation('act-undelivered')));

    expect(calls.issue).toHaveLength(4);
    expect(calls.failure.map((c) => c.event)).toEqual([{ activationId: 'act-undelivered', correlationId: 'request-act-undelivered' }]);
    expect(calls.await).toEqual([]);
    expect([done.status, done.error]).toEqual(['FAILED', 'ActivationNotDelivered']);
    expect(await transitionsOf('undelivered-1')).toEqual([
      'Route',
      'IssueActivation',
      ...Array.from({ length: 3 }, () => 'IssueActivation (retry)'),
      'RecordFailure',
      'ActivationSent',
      'DeliveryFailed',
    ]);
  });

  test('an email that may have arrived, settled as sent by RecordFailure, waits for its registration like any other', async () => {
    issueErrors = Array.from({ length: 4 }, () => named('ProvisionedThroughputExceededException', 'throttled'));
    recordOutcome = { outcome: 'sent', expiresAt: '2030-01-06T00:00:00.000Z', revokedActivationId: 'act-older' };
    const executionArn = await start('maybe-1', activation('act-maybe'));
    const token = await parkedToken('act-maybe');
    // The activation it replaced reaches AwaitRegistration, which ends that one's wait.
    expect(calls.await.find((c) => c.event['activationId'] === 'act-maybe')!.event['issued']).toEqual(recordOutcome);
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ userId: 'user-maybe' }) }));
    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(calls.confirm.map((c) => c.event)).toEqual([{ accountNumber: '100200300', userId: 'user-maybe', correlationId: 'request-act-maybe' }]);
    expect(await transitionsOf('maybe-1')).toEqual(expect.arrayContaining(['RecordFailure', 'ActivationSent', 'AwaitRegistration', 'SendConfirmation', 'Done']));
  });

  test('an email refused for good (outcome "failed") ends in DeliveryFailed without waiting', async () => {
    issueOutcome = 'failed';
    const done = await finished(await start('refused-1', activation('act-refused')));

    expect([done.status, done.error]).toEqual(['FAILED', 'ActivationNotDelivered']);
    expect(calls.await).toEqual([]);
    expect(calls.failure).toEqual([]);
    expect(await transitionsOf('refused-1')).toEqual(['Route', 'IssueActivation', 'ActivationSent', 'DeliveryFailed']);
  });

  test('at the five-day timeout, an activation used by a registration that could not resume the workflow still gets its confirmation', async () => {
    expireResult = { expired: false, registeredUserId: 'u7' };
    const executionArn = await start('late-1', activation('act-late'));
    await parkedToken('act-late');
    clock.advanceSeconds(432_000);
    const done = await finished(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(calls.confirm.map((c) => c.event)).toEqual([{ accountNumber: '100200300', userId: 'u7', correlationId: 'request-act-late' }]);
    expect(await transitionsOf('late-1')).toEqual([
      'Route',
      'IssueActivation',
      'ActivationSent',
      'AwaitRegistration',
      'ExpireActivation',
      'RegisteredMeanwhile',
      'PrepareLateConfirmation',
      'SendConfirmation',
      'Done',
    ]);
  });

  test('a recovery email input goes straight to SendRecoveryEmail', async () => {
    const input = { kind: 'password-reset', resetId: 'r1' };
    const done = await finished(await start('recovery-1', input));

    expect(done.status).toBe('SUCCEEDED');
    expect(calls.issue).toEqual([]);
    expect(calls.recovery).toHaveLength(1);
    expect(await transitionsOf('recovery-1')).toEqual(['Route', 'NameCorrelation', 'UseExecutionName', 'Route', 'SendRecoveryEmail', 'Done']);
  });

  test('a "confirmation" input goes straight to SendConfirmation', async () => {
    const done = await finished(await start('confirmation-1', { kind: 'confirmation', accountNumber: '555', userId: 'u9' }));

    expect(done.status).toBe('SUCCEEDED');
    expect(calls.issue).toEqual([]);
    // Started without a correlation id: the execution's name stands in for it.
    expect(calls.confirm.map((c) => c.event)).toEqual([{ accountNumber: '555', userId: 'u9', correlationId: 'confirmation-1' }]);
    expect(await transitionsOf('confirmation-1')).toEqual(['Route', 'NameCorrelation', 'UseExecutionName', 'Route', 'ConfirmationInput', 'SendConfirmation', 'Done']);
  });

  test('flow B, as StepFunctionsWorkflow starts it (with a correlation id): 4 transitions', async () => {
    const input = { kind: 'confirmation', accountNumber: '555', userId: 'u10', correlationId: 'request-confirm-u10' };
    const done = await finished(await start('confirmation-2', input));

    expect(done.status).toBe('SUCCEEDED');
    expect(calls.confirm.map((c) => c.event)).toEqual([{ accountNumber: '555', userId: 'u10', correlationId: 'request-confirm-u10' }]);
    expect(await transitionsOf('confirmation-2')).toEqual(['Route', 'ConfirmationInput', 'SendConfirmation', 'Done']);
  });

  test('unknown and malformed task tokens', async () => {
    const unknown = Buffer.alloc(96, 7).toString('base64');
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(client.send(new SendTaskFailureCommand({ taskToken: unknown, error: 'X' }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: unknown }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'not a token!', output: '{}' }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
  });

  test('ExecutionAlreadyExists; idempotent restart while running; StopExecution aborts and closes the token', async () => {
    const input = activation('act-dup');
    const executionArn = await start('dup-1', input);
    const token = await parkedToken('act-dup');

    // Same name and input while running: the same execution, as AWS does for STANDARD workflows.
    expect(await start('dup-1', input)).toBe(executionArn);
    await expect(start('dup-1', { ...input, channel: 'sms' })).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    expect(calls.issue).toHaveLength(1);

    await client.send(new StopExecutionCommand({ executionArn, error: 'Test.Stopped', cause: 'test cleanup' }));
    expect(await describe_(executionArn)).toMatchObject({ status: 'ABORTED', error: 'Test.Stopped', cause: 'test cleanup' });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    // Once closed, even the same input may not reuse the name.
    await expect(start('dup-1', input)).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const aborted = await client.send(new ListExecutionsCommand({ stateMachineArn: sfn.stateMachineArn, statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.name)).toEqual(['dup-1']);
  });

  test('API errors map to the SDK exception classes', async () => {
    const otherMachine = sfn.stateMachineArn.replace(/:registration$/, ':other');
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: otherMachine, input: '{}' }))).rejects.toBeInstanceOf(
      StateMachineDoesNotExist,
    );
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn, input: '{nope' }))).rejects.toBeInstanceOf(
      InvalidExecutionInput,
    );
    await expect(describe_(`${sfn.stateMachineArn.replace(':stateMachine:', ':execution:')}:missing`)).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(client.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });
});

/**
 * Emulator behaviour the registration workflow does not reach: the lambda:invoke result shape, a
 * fresh token per callback attempt, States.TaskFailed not matching a timeout, the execution's own
 * TimeoutSeconds on the clock, and close() with work in flight.
 */
describe('emulator details (small inline definition)', () => {
  const inlineDefinition = JSON.stringify({
    StartAt: 'Route',
    TimeoutSeconds: 3600,
    States: {
      Route: {
        Type: 'Choice',
        Choices: [{ Variable: '$.mode', StringEquals: 'sleep', Next: 'LongWait' }],
        Default: 'Invoke',
      },
      LongWait: { Type: 'Wait', Seconds: 86400, End: true },
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${EchoFunctionArn}', 'Payload.$': '$' },
        ResultSelector: { 'echo.$': '$.Payload', 'status.$': '$.StatusCode' },
        ResultPath: '$.invoke',
        Next: 'Park',
      },
      Park: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: '${ParkFunctionArn}', Payload: { 'token.$': '$$.Task.Token', 'execution.$': '$$.Execution.Name' } },
        TimeoutSeconds: 60,
        ResultPath: '$.callback',
        Retry: [
          { ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, MaxAttempts: 1, JitterStrategy: 'FULL' },
          { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 3 },
        ],
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'TimedOut' }],
        End: true,
      },
      TimedOut: { Type: 'Pass', End: true },
    },
  });
  const inlineClock = manualClock('2031-06-01T12:00:00Z');
  const parked: Array<{ token: string; execution: string }> = [];
  let parkFailures = 0;
  let local: LocalStepFunctions;
  let localSfn: SFNClient;
  const run = executions(() => ({ client: localSfn, sfn: local }));
  const parkedFor = (execution: string, attempt: number): Promise<string> =>
    eventually(() => parked.filter((p) => p.execution === execution)[attempt]?.token, `attempt ${attempt} of ${execution}`);

  beforeAll(async () => {
    local = await startLocalStepFunctions({
      definitionText: inlineDefinition,
      substitutions: { EchoFunctionArn: arn('echo'), ParkFunctionArn: arn('park') },
      clock: inlineClock,
      stateMachineName: 'inline',
      functions: {
        [arn('echo')]: async (event) => ({ echoed: event }),
        [arn('park')]: async (event) => {
          parked.push(event as { token: string; execution: string });
          if (parkFailures > 0) {
            parkFailures -= 1;
            throw named('Lambda.ServiceException', 'Rate exceeded');
          }
          return null;
        },
      },
    });
    localSfn = localClient(local.endpoint);
  });

  afterAll(async () => {
    localSfn?.destroy();
    await local?.close();
  });

  test('lambda:invoke returns {Payload, StatusCode}; a retried callback gets a fresh token; TaskFailed does not match the timeout', async () => {
    parkFailures = 1;
    const executionArn = await run.start('inline-1', { mode: 'invoke', n: 1 });
    const first = await parkedFor('inline-1', 0);
    const second = await parkedFor('inline-1', 1);
    expect(second).not.toBe(first);
    expect(second).toMatch(/^[A-Za-z0-9+/=]+$/);

    // The failed attempt's token is closed; the live one accepts heartbeats.
    await expect(localSfn.send(new SendTaskHeartbeatCommand({ taskToken: first }))).rejects.toBeInstanceOf(TaskTimedOut);
    await localSfn.send(new SendTaskHeartbeatCommand({ taskToken: second }));

    inlineClock.advanceSeconds(60);
    local.checkTimeouts();
    const done = await run.finished(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    // Caught as States.Timeout at once: the States.TaskFailed retrier did not retry it.
    expect(parked.filter((p) => p.execution === 'inline-1')).toHaveLength(2);
    expect(output(done)).toMatchObject({
      invoke: { echo: { echoed: { mode: 'invoke', n: 1 } }, status: 200 },
      timeout: { Error: 'States.Timeout' },
    });
  });

  test("the execution's own TimeoutSeconds runs on the clock: TIMED_OUT", async () => {
    const executionArn = await run.start('inline-sleep', { mode: 'sleep' });
    await sleep(50);
    expect((await run.describe(executionArn)).status).toBe('RUNNING');

    inlineClock.advanceSeconds(3600);
    local.checkTimeouts();
    const done = await run.finished(executionArn);
    expect(done).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(done.stopDate).toEqual(inlineClock.now());
  });

  test('close() ends in-flight work and the server without waiting for kept-alive connections', async () => {
    await run.start('inline-pending', { mode: 'invoke' });
    await parkedFor('inline-pending', 0);
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(run.describe('arn:aws:states:us-east-1:000000000000:execution:inline:inline-pending')).rejects.toThrow();
  });
});
