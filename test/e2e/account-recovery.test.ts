import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/** Account recovery over HTTP against `npm start`: resets, reminders, password change, agents. */
const AGENT_KEY = 'e2e-recovery-agent-key';
let service: RunningService;
beforeAll(async () => {
  service = await startService({ AGENT_API_KEY: AGENT_KEY });
  await call('POST', '/v1/registrations', {
    accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
  });
  await call('POST', '/v1/registrations', {
    accountNumber: '987654321', postalCode: 'K1A 0B1', email: 'john.smith@example.com', username: 'john.smith', password: 'Northw1nd',
  });
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
const agent = { 'x-agent-key': AGENT_KEY };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The newest mail to `to` whose subject matches, polled for a bounded time (the workflow sends asynchronously). */
async function mailTo(to: string, subject: RegExp, after = 0): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const messages = ((await call('GET', '/__dev/outbox')).body.messages as Json[]).slice(after);
    const mail = messages.filter((m) => m.to[0] === to && subject.test(m.subject)).at(-1);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail "${subject}" to ${to}`);
}
const outboxSize = async () => ((await call('GET', '/__dev/outbox')).body.messages as Json[]).length;
const tokenOf = (mail: Json) => /password-reset(?:\?lang=en)?#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
const signIn = (username: string, password: string) => call('POST', '/v1/sessions', { username, password });

describe('forgotten password', () => {
  it('answers 202 whatever the username, and emails a one-hour link in the account language (fr)', async () => {
    const unknown = await call('POST', '/v1/password-resets', { username: 'nobody.here' });
    const known = await call('POST', '/v1/password-resets', { username: 'Marie.Tremblay' });
    expect([unknown.status, unknown.body, known.status, known.body]).toEqual([202, { status: 'accepted' }, 202, { status: 'accepted' }]);
    const mail = await mailTo('marie.tremblay@example.com', /Réinitialisez votre mot de passe/);
    expect(mail.text).toContain(`${service.url}/password-reset#token=`);
    const verified = await call('POST', '/v1/password-resets/verify', { resetToken: tokenOf(mail) });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ status: 'valid', username: 'marie.tremblay' });
    expect(new Date(verified.body.expiresAt).getTime() - Date.parse((await call('GET', '/__dev/info')).body.now)).toBeGreaterThan(3500_000);
  });

  it('completes exactly once under parallel submissions, ends sessions, clears the sign-in lockout and notifies (en)', async () => {
    const session = (await signIn('john.smith', 'Northw1nd')).body.sessionToken as string;
    for (let i = 0; i < 5; i++) await signIn('john.smith', 'Wrong1234');
    expect((await signIn('john.smith', 'Northw1nd')).status).toBe(429);
    const before = await outboxSize();
    await call('POST', '/v1/password-resets', { username: 'john.smith' });
    const token = tokenOf(await mailTo('john.smith@example.com', /^Reset your password/, before));

    const results = await Promise.all([0, 1].map((i) => call('POST', '/v1/password-resets/complete', { resetToken: token, password: `Parallel${i}x` }, { 'accept-language': 'en' })));
    expect(results.map((r) => r.status).sort()).toEqual([204, 410]);
    expect(results.find((r) => r.status === 410)!.body.error.code).toBe('RESET_USED');
    const winner = results.findIndex((r) => r.status === 204);

    expect((await call('GET', '/v1/account/users', undefined, bearer(session))).status).toBe(401);
    expect((await signIn('john.smith', `Parallel${winner}x`)).status).toBe(201);
    await mailTo('john.smith@example.com', /^Your password was changed/, before);
    const again = await call('POST', '/v1/password-resets/verify', { resetToken: token });
    expect([again.status, again.body.error.code]).toEqual([410, 'RESET_USED']);
    expect((await call('POST', '/v1/password-resets/verify', { resetToken: 'x'.repeat(65) })).status).toBe(404);
  });

  it('expires the link after an hour on the service clock', async () => {
    const before = await outboxSize();
    await call('POST', '/v1/password-resets', { username: 'marie.tremblay' });
    const token = tokenOf(await mailTo('marie.tremblay@example.com', /Réinitialisez/, before));
    await call('POST', '/__dev/clock', { advanceSeconds: 3600 });
    const expired = await call('POST', '/v1/password-resets/complete', { resetToken: token, password: 'Nouveau123' });
    expect([expired.status, expired.body.error.code]).toEqual([410, 'RESET_EXPIRED']);
  });
});

describe('forgotten username', () => {
  it('answers 202 and emails the usernames at that address', async () => {
    const before = await outboxSize();
    const answer = await call('POST', '/v1/username-reminders', { accountNumber: '123 456 789', email: 'Marie.Tremblay@example.com' });
    expect([answer.status, answer.body]).toEqual([202, { status: 'accepted' }]);
    expect((await call('POST', '/v1/username-reminders', { accountNumber: '999999999', email: 'x@example.com' })).status).toBe(202);
    const mail = await mailTo('marie.tremblay@example.com', /Votre nom d’utilisateur/, before);
    expect(mail.text).toContain('marie.tremblay');
  });
});

describe('password change and agents', () => {
  it('changes the password (other sessions end), locks after 5 wrong current passwords, and an agent clears it', async () => {
    await call('POST', '/__dev/clock', { advanceSeconds: 3600 });
    const password = 'Chang3d00';
    const first = (await signIn('marie.tremblay', 'Boulang3rie')).body.sessionToken as string;
    const other = (await signIn('marie.tremblay', 'Boulang3rie')).body.sessionToken as string;
    const changed = await call('PUT', '/v1/sessions/current/password', { currentPassword: 'Boulang3rie', newPassword: password }, bearer(first));
    expect(changed.status).toBe(204);
    expect((await call('GET', '/v1/account/users', undefined, bearer(first))).status).toBe(200);
    expect((await call('GET', '/v1/account/users', undefined, bearer(other))).status).toBe(401);

    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await call('PUT', '/v1/sessions/current/password', { currentPassword: 'Wrong1234', newPassword: 'Whatever1' }, bearer(first))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const status = await call('GET', '/v1/agent/accounts/123456789/registration', undefined, agent);
    expect(status.body.signInLockouts).toEqual([{ username: 'marie.tremblay', lockedUntil: expect.any(String) }]);

    expect((await call('DELETE', '/v1/agent/accounts/123456789/lockouts', undefined, agent)).status).toBe(204);
    const after = await call('GET', '/v1/agent/accounts/123456789/registration', undefined, agent);
    expect(after.body.signInLockouts).toEqual([]);
    expect(after.body.history[0]).toMatchObject({ type: 'lockouts-cleared', agent: expect.any(String) });
    expect((await signIn('marie.tremblay', password)).status).toBe(201);
    expect((await call('DELETE', '/v1/agent/accounts/999999999/lockouts', undefined, agent)).body.error.code).toBe('ACCOUNT_NOT_FOUND');
  });
});
