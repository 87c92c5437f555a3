import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * Failing dependencies, seen from outside as the customer and the agent see them: `POST
 * /__dev/faults` makes the real SDK clients of the local stack fail (SES, DynamoDB, Step
 * Functions), under the deployed state machine. Every accepted request ends in an email or a
 * visible failure — nothing lost, nothing doubled, nothing falsely reported.
 */
let service: RunningService;
let agent: Record<string, string>;
beforeAll(async () => {
  service = await startService();
  agent = { 'x-agent-key': service.agentKey };
});
afterAll(() => service.stop());
afterEach(async () => {
  await call('POST', '/__dev/faults', { ses: null, dynamodb: null, stepfunctions: null });
});

const call = jsonClient(() => service.url);
const mailsTo = async (to: string) => ((await call('GET', '/__dev/outbox')).body.messages as Json[]).filter((m) => m.to[0] === to);
const tokenOf = (mail: Json) => /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
const verify = async (token: string) => {
  const answer = await call('POST', '/v1/activations/verify', { activationToken: token });
  return answer.status === 200 ? answer.body.status : answer.body.error.code;
};

/** Polls (bounded) until `probe` gives a value: how a test waits for the workflow, never a fixed sleep. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const mailCount = (to: string, count: number) => eventually(async () => ((await mailsTo(to)).length >= count ? mailsTo(to) : undefined), `${count} mails to ${to}`);
const status = async (accountNumber: string) => (await call('GET', `/v1/agent/accounts/${accountNumber}/registration`, undefined, agent)).body;

describe('SES failures', () => {
  it('throttled twice: the workflow retries and exactly one email arrives, whose link works', async () => {
    expect((await call('POST', '/__dev/faults', { ses: { mode: 'throttle', count: 2 } })).status).toBe(200);
    expect((await call('POST', '/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' })).status).toBe(202);
    const [mail] = await mailCount('john.smith@example.com', 1);
    const settled = await eventually(async () => ((await status('987654321')).pendingActivation ?? undefined), 'the activation to be pending');
    expect(settled.status).toBe('pending');
    expect(await mailsTo('john.smith@example.com')).toHaveLength(1);
    expect(await verify(tokenOf(mail!))).toBe('valid');
  });

  it('rejected for good: the agent is told "queued" then sees "failed"; the older link still works and the daily email is not spent', async () => {
    const account = { accountNumber: '555000111222', postalCode: 'G1R 4P5' };
    const to = 'sophie.cote@example.com';
    expect((await call('POST', '/v1/activation-requests', account)).status).toBe(202);
    const [first] = await mailCount(to, 1);

    await call('POST', '/__dev/faults', { ses: { mode: 'reject', count: 1 } });
    const sent = await call('POST', `/v1/agent/accounts/${account.accountNumber}/activation-email`, undefined, agent);
    expect(sent).toMatchObject({ status: 202, body: { status: 'queued', expiresAt: null } });
    const failed = await eventually(async () => {
      const body = await status(account.accountNumber);
      return body.latestActivation?.status === 'failed' ? body : undefined;
    }, 'the agent status to show the failure');
    expect(failed.pendingActivation.status).toBe('pending');
    expect(failed.history[0]).toMatchObject({ type: 'activation-failed' });
    expect(await verify(tokenOf(first!))).toBe('valid');

    // Two more self-service emails still go out: 1 + 2 = the day's 3; the refused one was given back.
    // One at a time, each until its link replaced the one before (after SES accepted its email).
    let previous = tokenOf(first!);
    for (let sent = 2; sent <= 3; sent++) {
      expect((await call('POST', '/v1/activation-requests', account)).status).toBe(202);
      const latest = tokenOf((await mailCount(to, sent))[sent - 1]!);
      await eventually(async () => ((await verify(previous)) === 'ACTIVATION_REVOKED' ? true : undefined), 'the older link to be replaced');
      expect(await verify(latest)).toBe('valid');
      previous = latest;
    }
    expect(await mailsTo(to)).toHaveLength(3);
  });

  it('timed out after SES accepted: the retry sends one more email, and every link received works until one is used', async () => {
    const to = 'marie.tremblay@example.com';
    await call('POST', '/__dev/faults', { ses: { mode: 'timeout-after-accept', count: 1 } });
    const sent = await call('POST', '/v1/agent/accounts/123456789/activation-email', undefined, agent);
    expect(sent.status).toBe(202);
    const mails = await mailCount(to, 2);
    await eventually(async () => ((await status('123456789')).pendingActivation ?? undefined), 'the activation to be confirmed');
    expect(await mailsTo(to)).toHaveLength(2);
    const [first, second] = mails.map(tokenOf);
    expect([await verify(first!), await verify(second!)]).toEqual(['valid', 'valid']);

    const registered = await call('POST', '/v1/registrations', { activationToken: first, username: 'marie.tremblay', password: 'Boulang3rie' });
    expect(registered.status).toBe(201);
    expect(await verify(second!)).toBe('ACTIVATION_USED');
  });
});

describe('failures around a registration', () => {
  it('DynamoDB throttling during the registration: 503 with Retry-After, nothing half-written, and a retry succeeds', async () => {
    expect((await call('POST', '/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' })).status).toBe(202);
    // The first test of this file sent one email to this holder already.
    const mails = await mailCount('john.smith@example.com', 2);
    const token = tokenOf(mails[1]!);
    await eventually(async () => ((await verify(token)) === 'valid' ? true : undefined), 'the new link');

    await call('POST', '/__dev/faults', { dynamodb: { mode: 'throttle', count: 20, operation: 'TransactWriteItems' } });
    const refused = await call('POST', '/v1/registrations', { activationToken: token, username: 'john.smith', password: 'Northw1nd' });
    expect([refused.status, refused.body.error?.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(refused.headers.get('retry-after')).toBe('5');
    await call('POST', '/__dev/faults', { dynamodb: null });

    expect(await verify(token)).toBe('valid');
    expect((await call('GET', '/v1/usernames/john.smith/availability')).body.available).toBe(true);
    const retried = await call('POST', '/v1/registrations', { activationToken: token, username: 'john.smith', password: 'Northw1nd' });
    expect(retried).toMatchObject({ status: 201, body: { username: 'john.smith', role: 'holder' } });
  });

  it('Step Functions throttled after the commit: 201 all the same, and the confirmation email still arrives', async () => {
    const to = 'sophie.cote@example.com';
    const before = (await mailsTo(to)).length;
    // The earlier test left this account with a valid link (its third email).
    const token = tokenOf((await mailsTo(to)).at(-1)!);
    expect(await verify(token)).toBe('valid');

    await call('POST', '/__dev/faults', { stepfunctions: { mode: 'throttle', count: 100, operation: 'SendTaskSuccess' } });
    const registered = await call('POST', '/v1/registrations', { activationToken: token, username: 'sophie.cote', password: 'Mobil1te' });
    expect(registered).toMatchObject({ status: 201, body: { username: 'sophie.cote' } });
    await call('POST', '/__dev/faults', { stepfunctions: null });
    expect(await verify(token)).toBe('ACTIVATION_USED');

    // The workflow could not be resumed: at its five-day timeout it finds the activation used and confirms.
    await call('POST', '/__dev/clock', { advanceSeconds: 432_000 });
    const confirmation = await eventually(async () => (await mailsTo(to)).slice(before).find((m) => /créé|created/i.test(m.subject)), 'the confirmation');
    expect(confirmation.text).toContain('sophie.cote');
  });
});
