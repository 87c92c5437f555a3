import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/** Sign-in and User Management over HTTP against `npm start`, as the portal uses them. */
let service: RunningService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function lastToken(to: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const messages = (await call('GET', '/__dev/outbox')).body.messages as Json[];
    const mail = messages.filter((m) => m.to[0] === to && m.text.includes('#token=')).at(-1);
    if (mail) return /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail with a token for ${to}`);
}

let holderToken: string;

describe('sessions and User Management', () => {
  beforeAll(async () => {
    await call('POST', '/v1/registrations', {
      accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
    });
  });

  it('signs the holder in and out', async () => {
    const signedIn = await call('POST', '/v1/sessions', { username: 'Marie.Tremblay', password: 'Boulang3rie' });
    expect(signedIn).toMatchObject({ status: 201, body: { user: { username: 'marie.tremblay', role: 'holder', accountNumberMasked: '••••••789' } } });
    const token = signedIn.body.sessionToken as string;
    expect((await call('DELETE', '/v1/sessions/current', undefined, bearer(token))).status).toBe(204);
    expect((await call('DELETE', '/v1/sessions/current', undefined, bearer(token))).body.error.code).toBe('UNAUTHENTICATED');
    holderToken = (await call('POST', '/v1/sessions', { username: 'marie.tremblay', password: 'Boulang3rie' })).body.sessionToken;
  });

  it('invites a secondary user who registers, signs in, and is kept out of User Management', async () => {
    const added = await call('POST', '/v1/account/users', { name: 'Luc Gagnon', email: 'luc.gagnon@example.com', role: 'secondary' }, bearer(holderToken));
    expect(added).toMatchObject({ status: 201, body: { status: 'invited' } });
    const invitation = await lastToken('luc.gagnon@example.com');
    expect((await call('POST', '/v1/activations/verify', { activationToken: invitation })).body).toMatchObject({ purpose: 'secondary' });
    const registered = await call('POST', '/v1/registrations', { activationToken: invitation, username: 'luc.gagnon', password: 'Gagnon2026' });
    expect(registered).toMatchObject({ status: 201, body: { role: 'secondary' } });

    const luc = await call('POST', '/v1/sessions', { username: 'luc.gagnon', password: 'Gagnon2026' });
    expect(luc.body.user.role).toBe('secondary');
    const refused = await call('GET', '/v1/account/users', undefined, bearer(luc.body.sessionToken));
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'HOLDER_ONLY' } } });

    const list = await call('GET', '/v1/account/users', undefined, bearer(holderToken));
    expect(list.body.users.map((u: Json) => [u.role, u.status])).toEqual([['holder', 'active'], ['secondary', 'active']]);

    expect((await call('DELETE', `/v1/account/users/${added.body.userId}`, undefined, bearer(holderToken))).status).toBe(204);
    expect((await call('GET', '/v1/account/users', undefined, bearer(luc.body.sessionToken))).status).toBe(401);
  });

  it('records technical users without emailing them and answers the conflict codes', async () => {
    const before = (await call('GET', '/__dev/outbox')).body.messages.length;
    const tech = await call('POST', '/v1/account/users', { name: 'TechnoServices', email: 'support@technoservices.example.com', role: 'technical' }, bearer(holderToken));
    expect(tech).toMatchObject({ status: 201, body: { status: 'no_online_access' } });
    expect((await call('GET', '/__dev/outbox')).body.messages.length).toBe(before);
    expect((await call('POST', `/v1/account/users/${tech.body.userId}/invitation`, undefined, bearer(holderToken))).body.error.code).toBe('TECHNICAL_USER_NOT_ELIGIBLE');
    // A technical address is never invited, even when it is also a duplicate.
    expect((await call('POST', '/v1/account/users', { name: 'Again', email: 'SUPPORT@technoservices.example.com', role: 'secondary' }, bearer(holderToken))).body.error.code).toBe('TECHNICAL_USER_NOT_ELIGIBLE');
    expect((await call('POST', '/v1/account/users', { name: 'Again', email: 'SUPPORT@technoservices.example.com', role: 'technical' }, bearer(holderToken))).body.error.code).toBe('USER_ALREADY_EXISTS');
    const badName = await call('POST', '/v1/account/users', { name: 'Luc \u202EnongaG', email: 'x@example.com', role: 'secondary' }, bearer(holderToken));
    expect(badName).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', fields: [{ field: 'name', code: 'NAME_INVALID' }] } } });
    const users = (await call('GET', '/v1/account/users', undefined, bearer(holderToken))).body.users as Json[];
    const holderId = users.find((u) => u.role === 'holder')!.userId;
    expect((await call('DELETE', `/v1/account/users/${holderId}`, undefined, bearer(holderToken))).body.error.code).toBe('CANNOT_REMOVE_HOLDER');
    expect((await call('DELETE', '/v1/account/users/nobody', undefined, bearer(holderToken))).status).toBe(404);
    expect((await call('POST', '/v1/account/users/nobody/invitation', undefined, bearer(holderToken))).status).toBe(404);
  });

  it('resends an invitation (revoking the older one) and shows an expired invitation', async () => {
    const added = await call('POST', '/v1/account/users', { name: 'Ana Roy', email: 'ana.roy@example.com', role: 'secondary' }, bearer(holderToken));
    const first = await lastToken('ana.roy@example.com');
    await call('POST', '/__dev/clock', { advanceSeconds: 432_000 });
    holderToken = (await call('POST', '/v1/sessions', { username: 'marie.tremblay', password: 'Boulang3rie' })).body.sessionToken;
    const listed = (await call('GET', '/v1/account/users', undefined, bearer(holderToken))).body.users as Json[];
    expect(listed.find((u) => u.userId === added.body.userId)!.status).toBe('invitation_expired');
    expect((await call('POST', `/v1/account/users/${added.body.userId}/invitation`, undefined, bearer(holderToken))).status).toBe(202);
    let second = first;
    for (let i = 0; i < 100 && second === first; i++) second = await lastToken('ana.roy@example.com');
    expect(second).not.toBe(first);
    expect((await call('POST', '/v1/activations/verify', { activationToken: second })).status).toBe(200);
    // Three invitations per person within 24 hours (the add is now older than that).
    const resend = () => call('POST', `/v1/account/users/${added.body.userId}/invitation`, undefined, bearer(holderToken));
    expect([(await resend()).status, (await resend()).status]).toEqual([202, 202]);
    const refused = await resend();
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_INVITATIONS' } } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(86_000);
  });

  it('answers 401 without a session and locks sign-in after five failures', async () => {
    expect((await call('GET', '/v1/account/users')).body.error.code).toBe('UNAUTHENTICATED');
    expect((await call('GET', '/v1/account/users', undefined, { authorization: 'Bearer nonsense' })).status).toBe(401);
    const failures = [];
    for (let i = 0; i < 5; i++) failures.push((await call('POST', '/v1/sessions', { username: 'nobody.at.all', password: 'wrong1' })).body.error.code);
    expect(new Set(failures)).toEqual(new Set(['INVALID_CREDENTIALS']));
    const locked = await call('POST', '/v1/sessions', { username: 'NOBODY.AT.ALL', password: 'wrong1' });
    expect(locked).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_ATTEMPTS' } } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    await call('POST', '/__dev/clock', { advanceSeconds: 900 });
    expect((await call('POST', '/v1/sessions', { username: 'nobody.at.all', password: 'wrong1' })).body.error.code).toBe('INVALID_CREDENTIALS');
  });
});
