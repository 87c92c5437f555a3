import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * `Idempotency-Key` (spec §4) over HTTP against `npm start` (records on DynamoDB Local): a POST
 * retried after a lost answer gets the first answer, not an error, and the work is done once.
 */
let service: RunningService;
let agent: Record<string, string>;
beforeAll(async () => {
  service = await startService();
  agent = { 'x-agent-key': service.agentKey };
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
const mailsTo = async (to: string) => ((await call('GET', '/__dev/outbox')).body.messages as Json[]).filter((m) => m.to[0] === to);
async function mails(to: string, count: number): Promise<Json[]> {
  for (let i = 0; i < 300; i++) {
    const found = await mailsTo(to);
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} mails to ${to}`);
}
const key = (name: string) => ({ 'idempotency-key': `${name}-${Date.now()}` });

describe('Idempotency-Key', () => {
  it('answers a registration retried after it succeeded with the same 201, and registers once', async () => {
    expect((await call('POST', '/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' })).status).toBe(202);
    const token = /#token=([A-Za-z0-9_-]+)/.exec((await mails('john.smith@example.com', 1))[0]!.text)![1]!;
    const form = { activationToken: token, username: 'john.smith', password: 'Northw1nd' };
    const headers = key('register');

    const first = await call('POST', '/v1/registrations', form, headers);
    const retried = await call('POST', '/v1/registrations', form, headers);
    expect(first).toMatchObject({ status: 201, body: { username: 'john.smith', role: 'holder' } });
    expect([retried.status, retried.body]).toEqual([201, first.body]);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    // Without the key, the same submission is what it always was: the link is used.
    expect((await call('POST', '/v1/registrations', form)).body.error.code).toBe('ACTIVATION_USED');
  });

  it('refuses the same key with another body (422) and an invalid key (400), doing nothing', async () => {
    const headers = key('reuse');
    const request = { accountNumber: '123456789', postalCode: 'H2X 1Y4' };
    expect((await call('POST', '/v1/activation-requests', request, headers)).status).toBe(202);
    const reused = await call('POST', '/v1/activation-requests', { ...request, postalCode: 'H3B 2Y5' }, headers);
    expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // The first answer is still there for the right body.
    expect((await call('POST', '/v1/activation-requests', request, headers)).headers.get('idempotent-replayed')).toBe('true');

    for (const invalid of ['', 'a'.repeat(65), 'has space', 'é']) {
      const refused = await call('POST', '/v1/activation-requests', request, { 'idempotency-key': invalid });
      expect([refused.status, refused.body.error.code, refused.body.error.fields?.[0]?.field]).toEqual([400, 'VALIDATION_FAILED', 'Idempotency-Key']);
    }
  });

  it('runs the work once for parallel repeats: one person added, the others replayed or told to wait (409)', async () => {
    await call('POST', '/v1/registrations', {
      accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
    });
    const session = (await call('POST', '/v1/sessions', { username: 'marie.tremblay', password: 'Boulang3rie' })).body.sessionToken;
    const headers = { authorization: `Bearer ${session}`, ...key('add') };
    const person = { name: 'Ana Roy', email: 'ana.roy@example.com', role: 'secondary' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/v1/account/users', person, headers)));

    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.userId)).size).toBe(1);
    const waiting = answers.filter((a) => a.status !== 201);
    for (const answer of waiting) expect([answer.status, answer.body.error.code, answer.headers.get('retry-after')]).toEqual([409, 'REQUEST_IN_PROGRESS', '1']);
    const users = (await call('GET', '/v1/account/users', undefined, { authorization: `Bearer ${session}` })).body.users as Json[];
    expect(users.filter((u) => u.email === 'ana.roy@example.com')).toHaveLength(1);

    // Another session's identical key is another request: not a replay of this one's answer.
    const other = (await call('POST', '/v1/sessions', { username: 'marie.tremblay', password: 'Boulang3rie' })).body.sessionToken;
    const elsewhere = await call('POST', '/v1/account/users', person, { authorization: `Bearer ${other}`, 'idempotency-key': headers['idempotency-key'] });
    expect([elsewhere.status, elsewhere.body.error?.code]).toEqual([409, 'USER_ALREADY_EXISTS']);
  });

  it('sends one email for an agent send retried with its key', async () => {
    const headers = { ...agent, ...key('agent') };
    const first = await call('POST', '/v1/agent/accounts/555000111222/activation-email', undefined, headers);
    const retried = await call('POST', '/v1/agent/accounts/555000111222/activation-email', undefined, headers);
    expect(first).toMatchObject({ status: 202, body: { status: 'sent' } });
    expect([retried.status, retried.body]).toEqual([202, first.body]);
    expect(await mails('sophie.cote@example.com', 1)).toHaveLength(1);
  });

  it('never replays a session token: sign-in ignores the header', async () => {
    const headers = key('sign-in');
    const credentials = { username: 'marie.tremblay', password: 'Boulang3rie' };
    const [a, b] = [await call('POST', '/v1/sessions', credentials, headers), await call('POST', '/v1/sessions', credentials, headers)];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.sessionToken).not.toBe(b.body.sessionToken);

    // A sign-out retried after it worked is answered 204 again, not 401.
    const signOut = { authorization: `Bearer ${a.body.sessionToken}`, ...key('sign-out') };
    expect((await call('DELETE', '/v1/sessions/current', undefined, signOut)).status).toBe(204);
    const again = await call('DELETE', '/v1/sessions/current', undefined, signOut);
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([204, 'true']);
    expect((await call('DELETE', '/v1/sessions/current', undefined, { authorization: signOut.authorization })).status).toBe(401);
  });

  it('lets browsers send the header and read Retry-After (CORS)', async () => {
    const preflight = await fetch(`${service.url}/v1/registrations`, {
      method: 'OPTIONS',
      headers: { origin: service.url, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' },
    });
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
    const answer = await call('GET', '/v1/health');
    expect(answer.headers.get('access-control-expose-headers')).toContain('Retry-After');
  });
});
