import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * `POST /__dev/faults` (local only) against `npm start`: the fault mechanism itself — arming,
 * clearing, validation, the SDK's own retries meeting injected throttling, and what each SES mode
 * does to a real send. The business-level failure scenarios live with the flows they concern.
 *
 * The tests run in order on one service: each waits until what it started has settled, so that no
 * background call (a workflow still sending) takes a fault armed by the next one.
 */
let service: RunningService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service?.stop());

const call = jsonClient(() => service.url);
const agent = () => ({ 'x-agent-key': service.agentKey });
const faults = async () => (await call('GET', '/__dev/faults')).body;
const arm = (body: unknown) => call('POST', '/__dev/faults', body);
const CLEAR_ALL = { ses: null, dynamodb: null, stepfunctions: null };

/** Polls `read` until `done` holds, for at most `timeoutMs`; returns the last value read. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const outboxTo = async (address: string): Promise<Json[]> =>
  (await call('GET', '/__dev/outbox')).body.messages.filter((m: Json) => (m.to as string[]).includes(address));

afterEach(async () => {
  await arm(CLEAR_ALL);
});

describe('arming and clearing', () => {
  it('starts with nothing armed', async () => {
    expect(await faults()).toEqual({ ses: null, dynamodb: null, stepfunctions: null });
  });

  it('arms the spec’s SES modes, answers the armed state, and clears with null', async () => {
    for (const mode of ['throttle', 'reject', 'timeout-after-accept']) {
      const armed = await arm({ ses: { mode, count: 3 } });
      expect(armed.status).toBe(200);
      expect(armed.body.ses).toEqual({ mode, count: 3, injected: 0, operation: null });
      expect((await faults()).ses).toEqual(armed.body.ses);
    }
    const cleared = await arm({ ses: null });
    expect(cleared).toMatchObject({ status: 200, body: { ses: null } });
    expect((await faults()).ses).toBeNull();
  });

  it('arms several targets at once (the local extensions too), and leaves the ones not named alone', async () => {
    const armed = await arm({
      ses: { mode: 'throttle', count: 1 },
      dynamodb: { mode: 'throttle', count: 2, operation: 'TransactWriteItems' },
      stepfunctions: { mode: 'throttle', count: 3, operation: 'SendTaskSuccessCommand' },
    });
    expect(armed.status).toBe(200);
    expect(armed.body).toEqual({
      ses: { mode: 'throttle', count: 1, injected: 0, operation: null },
      dynamodb: { mode: 'throttle', count: 2, injected: 0, operation: 'TransactWriteItems' },
      stepfunctions: { mode: 'throttle', count: 3, injected: 0, operation: 'SendTaskSuccess' },
    });
    const partly = await arm({ dynamodb: null });
    expect(partly.body).toMatchObject({ ses: { count: 1 }, dynamodb: null, stepfunctions: { count: 3 } });
  });
});

describe('invalid bodies', () => {
  const invalid: [string, unknown, string[]][] = [
    ['an empty object', {}, ['body']],
    ['an array', [{ ses: null }], ['body']],
    ['null', 'null', ['body']],
    ['an unknown target', { kafka: { mode: 'throttle', count: 1 } }, ['kafka']],
    ['a target that is neither an object nor null', { ses: 'throttle' }, ['ses']],
    ['an unknown SES mode', { ses: { mode: 'explode', count: 1 } }, ['ses.mode']],
    ['a missing mode and count', { ses: {} }, ['ses.mode', 'ses.count']],
    ['a count of 0', { ses: { mode: 'reject', count: 0 } }, ['ses.count']],
    ['a negative count', { ses: { mode: 'reject', count: -1 } }, ['ses.count']],
    ['a fractional count', { ses: { mode: 'reject', count: 1.5 } }, ['ses.count']],
    ['a count as text', { ses: { mode: 'reject', count: '2' } }, ['ses.count']],
    ['an operation for SES', { ses: { mode: 'throttle', count: 1, operation: 'SendEmail' } }, ['ses.operation']],
    ['a mode DynamoDB faults do not have', { dynamodb: { mode: 'reject', count: 1 } }, ['dynamodb.mode']],
    ['an unknown DynamoDB operation', { dynamodb: { mode: 'throttle', count: 1, operation: 'DropEverything' } }, ['dynamodb.operation']],
    ['an operation that is not text', { stepfunctions: { mode: 'throttle', count: 1, operation: 7 } }, ['stepfunctions.operation']],
    ['an unknown property', { stepfunctions: { mode: 'throttle', count: 1, after: 3 } }, ['stepfunctions.after']],
  ];

  it.each(invalid)('refuses %s with 400 VALIDATION_FAILED, naming the fields', async (_, body, fields) => {
    const response = await arm(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.any(String) });
    expect(response.body.error.fields.map((f: Json) => f.field)).toEqual(fields);
    for (const field of response.body.error.fields) expect(field).toEqual({ field: expect.any(String), code: expect.any(String), message: expect.any(String) });
  });

  it('applies nothing when any part of the body is invalid', async () => {
    const response = await arm({ ses: { mode: 'reject', count: 1 }, dynamodb: { mode: 'throttle', count: 0 } });
    expect(response.status).toBe(400);
    expect(await faults()).toEqual({ ses: null, dynamodb: null, stepfunctions: null });
  });

  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    const response = await call('POST', '/__dev/faults', '{"ses": {', {});
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
  });
});

describe('DynamoDB throttling meets the SDK’s own retries', () => {
  const status = () => call('GET', '/v1/agent/accounts/555000111222/registration', undefined, agent());

  it('absorbs a short burst (every operation, count 2) and surfaces a longer one (count 5)', async () => {
    await arm({ dynamodb: { mode: 'throttle', count: 2 } });
    expect((await status()).status).toBe(200);
    // Both faults were taken by one call's retries, which then succeeded.
    expect((await faults()).dynamodb).toMatchObject({ count: 0, injected: 2 });

    await arm({ dynamodb: { mode: 'throttle', count: 5 } });
    const throttled = await status();
    expect(throttled).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE' } } });
    expect(throttled.headers.get('retry-after')).toBe('5');
    // The SDK tried more than once, then gave up before the faults ran out.
    const left = (await faults()).dynamodb;
    expect(left.injected).toBeGreaterThan(1);
    expect(left.count).toBeGreaterThan(0);
    expect(left.count + left.injected).toBe(5);

    // What is left is absorbed by the next call's retries.
    expect((await status()).status).toBe(200);
    expect((await faults()).dynamodb.count).toBe(0);
  });

  it('throttles only the named operation', async () => {
    await arm({ dynamodb: { mode: 'throttle', count: 3, operation: 'BatchWriteItem' } });
    expect((await status()).status).toBe(200);
    expect((await faults()).dynamodb).toMatchObject({ count: 3, injected: 0 });
  });

  it('TransactWriteItems throttled past the retries: flow B answers 503 with Retry-After, then 201 once cleared', async () => {
    const marie = { accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie' };
    await arm({ dynamodb: { mode: 'throttle', count: 10, operation: 'TransactWriteItems' } });
    const throttled = await call('POST', '/v1/registrations', marie);
    expect(throttled).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) } } });
    expect(throttled.headers.get('retry-after')).toBe('5');
    expect((await faults()).dynamodb.injected).toBeGreaterThan(1);

    await arm({ dynamodb: null });
    const registered = await call('POST', '/v1/registrations', marie);
    expect(registered).toMatchObject({ status: 201, body: { username: 'marie.tremblay', role: 'holder' } });
    // Settles: the workflow's confirmation must not take the SES faults the next tests arm.
    expect(await eventually(() => outboxTo('marie.tremblay@example.com'), (messages) => messages.length > 0)).not.toHaveLength(0);
  });
});

describe('SES modes on a real send', () => {
  const SOPHIE = 'sophie.cote@example.com';
  const sendForAgent = () => call('POST', '/v1/agent/accounts/555000111222/activation-email', undefined, agent());

  /** The workflow executions started since `before` (ARNs), once none of them is still running. */
  async function settledExecutionsSince(before: Set<string>): Promise<{ executionArn?: string; status?: string }[]> {
    const info = (await call('GET', '/__dev/info')).body;
    const sfn = new SFNClient({ endpoint: info.stepFunctions.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      return await eventually(
        async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn: info.stepFunctions.stateMachineArn }))).executions!.filter((e) => !before.has(e.executionArn!)),
        (started) => started.length > 0 && started.every((e) => e.status !== 'RUNNING'),
      );
    } finally {
      sfn.destroy();
    }
  }

  async function executionArns(): Promise<Set<string>> {
    const info = (await call('GET', '/__dev/info')).body;
    const sfn = new SFNClient({ endpoint: info.stepFunctions.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: info.stepFunctions.stateMachineArn }));
      return new Set(executions.map((e) => e.executionArn!));
    } finally {
      sfn.destroy();
    }
  }

  it('reject: SES refuses the next send, and no email arrives', async () => {
    const sentBefore = (await outboxTo(SOPHIE)).length;
    const executionsBefore = await executionArns();
    await arm({ ses: { mode: 'reject', count: 1 } });

    expect((await sendForAgent()).status).toBe(202);
    const consumed = await eventually(faults, (state) => state.ses.injected === 1);
    expect(consumed.ses).toMatchObject({ mode: 'reject', count: 0, injected: 1 });
    // Once the workflow it started has ended, nothing can send that email any more.
    const executions = await settledExecutionsSince(executionsBefore);
    expect(executions.length).toBeGreaterThan(0);
    expect(executions.every((e) => e.status !== 'RUNNING')).toBe(true);
    expect(await outboxTo(SOPHIE)).toHaveLength(sentBefore);
  });

  it('timeout-after-accept: the sender hears a timeout, yet the email reaches the outbox', async () => {
    const sentBefore = (await outboxTo(SOPHIE)).length;
    await arm({ ses: { mode: 'timeout-after-accept', count: 1 } });

    expect((await sendForAgent()).status).toBe(202);
    const consumed = await eventually(faults, (state) => state.ses.injected === 1);
    expect(consumed.ses).toMatchObject({ mode: 'timeout-after-accept', count: 0, injected: 1 });
    const messages = await eventually(() => outboxTo(SOPHIE), (sent) => sent.length > sentBefore);
    expect(messages.length).toBeGreaterThan(sentBefore);
    expect(messages.at(-1)!.text).toContain('token=');
  });
});
