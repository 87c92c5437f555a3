import { ACTIVATION_LIFETIME_SECONDS } from '../../shared/domain/activation';
import { issueActivation, awaitRegistration } from '../../shared/domain/issue-activation';
import { registerWithActivation } from '../../shared/domain/register';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { authenticate, SESSION_LIFETIME_SECONDS, signIn, signOut } from '../../shared/domain/sessions';
import {
  addUser,
  admitInvitation,
  INVITATIONS_PER_ACCOUNT_PER_DAY,
  listUsers,
  MAX_PEOPLE_PER_ACCOUNT,
  removeUser,
  resendInvitation,
} from '../../shared/domain/user-management';
import { holderAccount } from '../fixtures/accounts';
import { fakeDeps } from '../fixtures/in-memory';

type Deps = ReturnType<typeof fakeDeps>;

/** The holder of the test account, registered and signed in. */
async function signedInHolder(deps: Deps) {
  await registerWithIdentity(deps, {
    accountNumber: '123456789', postalCode: 'H2X1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
  });
  const { sessionToken } = await signIn(deps, { username: 'Marie.Tremblay', password: 'Boulang3rie' });
  return authenticate(deps, `Bearer ${sessionToken}`);
}

/** Runs the invitation the way the workflow does when User Management starts it. */
async function deliverInvitations(deps: Deps) {
  for (const request of deps.workflow.started.splice(0)) await issueActivation(deps, request);
  return deps.notifier.sent.filter((m) => m.kind === 'invitation').at(-1)?.token;
}

describe('signIn and authenticate', () => {
  it('gives an 8-hour session for the right password, whatever the username case', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    expect(holder).toMatchObject({ role: 'holder', accountNumber: '123456789' });
    const { sessionToken, expiresAt, user } = await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' });
    expect(user).toEqual({ username: 'marie.tremblay', role: 'holder', accountNumberMasked: '••••••789' });
    expect(Date.parse(expiresAt) - deps.clock.now().getTime()).toBe(SESSION_LIFETIME_SECONDS * 1000);
    const [stored] = [...deps.sessions.sessions.values()].slice(-1);
    expect(JSON.stringify(stored)).not.toContain(sessionToken);
    deps.clock.advance(SESSION_LIFETIME_SECONDS - 1);
    await expect(authenticate(deps, `Bearer ${sessionToken}`)).resolves.toBeDefined();
    deps.clock.advance(1);
    await expect(authenticate(deps, `Bearer ${sessionToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', statusCode: 401 });
  });
  it('answers INVALID_CREDENTIALS alike for an unknown username and a wrong password', async () => {
    const deps = fakeDeps([holderAccount]);
    await signedInHolder(deps);
    await expect(signIn(deps, { username: 'nobody.here', password: 'Boulang3rie' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS', statusCode: 401 });
    await expect(signIn(deps, { username: 'marie.tremblay', password: 'wrong1' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
  it('locks a username for 15 minutes after five failures within 15 minutes', async () => {
    const deps = fakeDeps([holderAccount]);
    await signedInHolder(deps);
    for (let i = 0; i < 5; i++) await expect(signIn(deps, { username: 'marie.tremblay', password: 'nope12' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' })).rejects.toMatchObject({
      code: 'TOO_MANY_ATTEMPTS', statusCode: 429, retryAfterSeconds: 900,
    });
    deps.clock.advance(900);
    await expect(signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' })).resolves.toBeDefined();
  });
  it.each([undefined, '', 'Bearer', 'Basic abc', 'Bearer not-a-token', `Bearer ${'x'.repeat(65)}`])('refuses the header %j', async (header) => {
    const deps = fakeDeps([holderAccount]);
    await expect(authenticate(deps, header)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
  it('ends a session on sign-out', async () => {
    const deps = fakeDeps([holderAccount]);
    await signedInHolder(deps);
    const { sessionToken } = await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' });
    await signOut(deps, await authenticate(deps, `Bearer ${sessionToken}`));
    await expect(authenticate(deps, `Bearer ${sessionToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('User Management', () => {
  it('adds a secondary user, invites them, and registers them as secondary with the invitation', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    expect(await addUser(deps, holder, { name: 'Ana Roy', email: 'ana.roy@example.com', role: 'secondary' })).toMatchObject({ status: 'invited' });
    const token = await deliverInvitations(deps);
    expect(deps.notifier.sent.at(-1)).toMatchObject({ kind: 'invitation', to: 'ana.roy@example.com', language: 'fr' });
    const result = await registerWithActivation(deps, { activationToken: token!, username: 'ana.roy.1', password: 'abc123' });
    expect(result).toEqual({ username: 'ana.roy.1', role: 'secondary', accountNumberMasked: '••••••789' });
    const { users } = await listUsers(deps, holder);
    expect(users.map((u) => `${u.role}:${u.status}`)).toEqual(['holder:active', 'secondary:active']);
    const secondary = await authenticate(deps, `Bearer ${(await signIn(deps, { username: 'ana.roy.1', password: 'abc123' })).sessionToken}`);
    await expect(listUsers(deps, secondary)).rejects.toMatchObject({ code: 'HOLDER_ONLY', statusCode: 403 });
    await expect(addUser(deps, secondary, { name: 'X', email: 'x@example.com', role: 'secondary' })).rejects.toMatchObject({ code: 'HOLDER_ONLY' });
  });
  it('records a technical user without inviting them; they can never register', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    const { userId, status } = await addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'technical' });
    expect(status).toBe('no_online_access');
    expect(deps.workflow.started).toEqual([]);
    await expect(resendInvitation(deps, holder, { userId })).rejects.toMatchObject({ code: 'TECHNICAL_USER_NOT_ELIGIBLE', statusCode: 409 });
    await expect(
      registerWithIdentity(deps, { accountNumber: '123456789', postalCode: 'H2X1Y4', email: 'tech@example.com', username: 'tech.user', password: 'abc123' }),
    ).rejects.toMatchObject({ code: 'TECHNICAL_USER_NOT_ELIGIBLE' });
  });
  it('refuses an email already listed, and validates every field at once', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    await addUser(deps, holder, { name: 'Ana', email: 'ana@example.com', role: 'secondary' });
    await expect(addUser(deps, holder, { name: 'Ana', email: 'ANA@example.com', role: 'technical' })).rejects.toMatchObject({ code: 'USER_ALREADY_EXISTS', statusCode: 409 });
    await expect(addUser(deps, holder, { name: 'Marie', email: 'marie.tremblay@example.com', role: 'secondary' })).rejects.toMatchObject({ code: 'USER_ALREADY_EXISTS' });
    await expect(addUser(deps, holder, { name: 'x'.repeat(201), email: 'nope', role: 'admin' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'name', code: 'NAME_INVALID' }, { field: 'email', code: 'EMAIL_INVALID', params: { max: 254 } }, { field: 'role', code: 'ROLE_INVALID' }],
    });
  });
  it('shows an invitation past five days as invitation_expired; a resend revokes the older one', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    const { userId } = await addUser(deps, holder, { name: 'Ana', email: 'ana@example.com', role: 'secondary' });
    const first = await deliverInvitations(deps);
    const firstId = first!.slice(0, 22);
    await awaitRegistration(deps, { activationId: firstId, taskToken: 'task-1' });
    deps.clock.advance(ACTIVATION_LIFETIME_SECONDS);
    expect((await listUsers(deps, holder)).users[1]!.status).toBe('invitation_expired');
    await resendInvitation(deps, holder, { userId });
    const second = await deliverInvitations(deps);
    expect(second).not.toBe(first);
    expect((await listUsers(deps, holder)).users[1]!.status).toBe('invited');
    await expect(registerWithActivation(deps, { activationToken: first!, username: 'ana.roy.2', password: 'abc123' })).rejects.toMatchObject({ code: 'ACTIVATION_EXPIRED' });
    await expect(registerWithActivation(deps, { activationToken: second!, username: 'ana.roy.2', password: 'abc123' })).resolves.toMatchObject({ role: 'secondary' });
    await expect(resendInvitation(deps, holder, { userId })).rejects.toMatchObject({ code: 'ACCOUNT_ALREADY_REGISTERED' });
  });
  it('removes a user: login disabled, sessions refused, invitation revoked; never the holder', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    const ana = await addUser(deps, holder, { name: 'Ana', email: 'ana@example.com', role: 'secondary' });
    await registerWithActivation(deps, { activationToken: (await deliverInvitations(deps))!, username: 'ana.roy.3', password: 'abc123' });
    const { sessionToken } = await signIn(deps, { username: 'ana.roy.3', password: 'abc123' });
    const bob = await addUser(deps, holder, { name: 'Bob', email: 'bob@example.com', role: 'secondary' });
    const bobToken = (await deliverInvitations(deps))!;
    await awaitRegistration(deps, { activationId: bobToken.slice(0, 22), taskToken: 'task-bob' });

    await removeUser(deps, holder, { userId: ana.userId });
    await expect(authenticate(deps, `Bearer ${sessionToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(signIn(deps, { username: 'ana.roy.3', password: 'abc123' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await removeUser(deps, holder, { userId: bob.userId });
    await expect(registerWithActivation(deps, { activationToken: bobToken, username: 'bob.user.1', password: 'abc123' })).rejects.toMatchObject({ code: 'ACTIVATION_REVOKED' });
    expect(deps.workflow.abandoned).toContainEqual({ taskToken: 'task-bob', reason: 'ActivationRevoked' });
    expect((await listUsers(deps, holder)).users.map((u) => u.status)).toEqual(['active', 'revoked', 'revoked']);
    await expect(removeUser(deps, holder, { userId: holder.userId })).rejects.toMatchObject({ code: 'CANNOT_REMOVE_HOLDER', statusCode: 409 });
    await expect(removeUser(deps, holder, { userId: 'unknown' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND', statusCode: 404 });
    await expect(addUser(deps, holder, { name: 'Ana again', email: 'ana@example.com', role: 'secondary' })).resolves.toMatchObject({ status: 'invited' });
  });
});

describe('admitInvitation', () => {
  const now = new Date('2026-11-26T15:00:00.000Z');
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  const log = (...entries: [string, number][]) => entries.map(([personId, secondsAgo]) => ({ personId, at: ago(secondsAgo) }));

  it('admits the 10th invitation of an account in 24 hours and adds it to the log', () => {
    const entries = log(...Array.from({ length: 9 }, (_, i): [string, number] => [`p${i}`, 3600 * (i + 1)]));
    const admitted = admitInvitation(entries, 'new', now);
    expect(admitted).toMatchObject({ allowed: true });
    expect(admitted.allowed && admitted.entries).toHaveLength(10);
    expect(admitted.allowed && admitted.entries.at(-1)).toEqual({ personId: 'new', at: now });
  });
  it('refuses the 11th until the oldest of the 10 leaves the 24-hour window', () => {
    const entries = log(...Array.from({ length: 10 }, (_, i): [string, number] => [`p${i}`, 1000 * (i + 1)]));
    expect(admitInvitation(entries, 'new', now)).toEqual({ allowed: false, retryAfterSeconds: 86_400 - 10_000 });
    expect(admitInvitation(entries, 'new', new Date(now.getTime() + (86_400 - 10_000) * 1000))).toMatchObject({ allowed: true });
  });
  it('refuses a 4th invitation of one person in 24 hours, counting from their oldest one', () => {
    const entries = log(['ana', 7200], ['bob', 5000], ['ana', 3600], ['ana', 60]);
    expect(admitInvitation(entries, 'ana', now)).toEqual({ allowed: false, retryAfterSeconds: 86_400 - 7200 });
    expect(admitInvitation(entries, 'bob', now)).toMatchObject({ allowed: true });
  });
  it('forgets invitations 24 hours old and drops them from the log', () => {
    const entries = log(['ana', 86_400], ['ana', 86_401], ['ana', 100], ...Array.from({ length: 9 }, (_, i): [string, number] => [`old${i}`, 90_000]));
    const admitted = admitInvitation(entries, 'ana', now);
    expect(admitted.allowed && admitted.entries.map((e) => e.personId)).toEqual(['ana', 'ana']);
  });
  it('waits for both limits when both are reached', () => {
    // The account frees one in 1,400 s (p0), Ana only in 6,400 s (her oldest).
    const entries = log(['ana', 80_000], ['ana', 70_000], ['ana', 100], ...Array.from({ length: 7 }, (_, i): [string, number] => [`p${i}`, 85_000 - i]));
    expect(admitInvitation(entries, 'ana', now)).toEqual({ allowed: false, retryAfterSeconds: 86_400 - 80_000 });
    expect(admitInvitation(entries, 'bob', now)).toEqual({ allowed: false, retryAfterSeconds: 86_400 - 85_000 });
  });
});

describe('User Management limits', () => {
  it('counts adding and resending: the 3rd resend to one person in 24 hours is refused, allowed a day later', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    const { userId } = await addUser(deps, holder, { name: 'Ana Roy', email: 'ana@example.com', role: 'secondary' });
    deps.clock.advance(60);
    await resendInvitation(deps, holder, { userId });
    await resendInvitation(deps, holder, { userId });
    await expect(resendInvitation(deps, holder, { userId })).rejects.toMatchObject({
      code: 'TOO_MANY_INVITATIONS', statusCode: 429, retryAfterSeconds: 86_400 - 60,
    });
    expect(deps.workflow.started).toHaveLength(3);
    deps.clock.advance(86_400 - 60);
    await expect(resendInvitation(deps, holder, { userId })).resolves.toBeUndefined();
    expect(deps.workflow.started).toHaveLength(4);
  });
  it('refuses the 11th invitation of an account in 24 hours; technical users count none', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    for (let i = 0; i < 5; i++) await addUser(deps, holder, { name: 'Techno', email: `tech${i}@example.com`, role: 'technical' });
    for (let i = 0; i < INVITATIONS_PER_ACCOUNT_PER_DAY; i++) {
      await addUser(deps, holder, { name: 'Invitée', email: `user${i}@example.com`, role: 'secondary' });
      deps.clock.advance(600);
    }
    const refused = addUser(deps, holder, { name: 'Onzième', email: 'user10@example.com', role: 'secondary' });
    await expect(refused).rejects.toMatchObject({ code: 'TOO_MANY_INVITATIONS', statusCode: 429, retryAfterSeconds: 86_400 - 6000 });
    await expect(addUser(deps, holder, { name: 'Techno', email: 'tech5@example.com', role: 'technical' })).resolves.toMatchObject({ status: 'no_online_access' });
    expect((await listUsers(deps, holder)).users).toHaveLength(1 + 5 + 10 + 1);
  });
  it(`refuses a person past ${MAX_PEOPLE_PER_ACCOUNT}, without Retry-After; removing one makes room`, async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    const added = [];
    for (let i = 0; i < MAX_PEOPLE_PER_ACCOUNT; i++) added.push(await addUser(deps, holder, { name: 'Techno', email: `tech${i}@example.com`, role: 'technical' }));
    const refused = await addUser(deps, holder, { name: 'Techno', email: 'tech50@example.com', role: 'technical' }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'TOO_MANY_INVITATIONS', statusCode: 429 });
    expect(refused.retryAfterSeconds).toBeUndefined();
    await removeUser(deps, holder, { userId: added[0]!.userId });
    await expect(addUser(deps, holder, { name: 'Techno', email: 'tech50@example.com', role: 'technical' })).resolves.toBeDefined();
  });
  it('refuses to invite a technical address, on file with billing or recorded here, before USER_ALREADY_EXISTS', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    const billing = { name: 'TechnoServices', email: 'SUPPORT@technoservices.example.com', role: 'secondary' };
    await expect(addUser(deps, holder, billing)).rejects.toMatchObject({ code: 'TECHNICAL_USER_NOT_ELIGIBLE', statusCode: 409 });
    await addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'technical' });
    await expect(addUser(deps, holder, { name: 'Techno', email: 'Tech@example.com', role: 'secondary' })).rejects.toMatchObject({
      code: 'TECHNICAL_USER_NOT_ELIGIBLE', statusCode: 409,
    });
    await expect(addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'technical' })).rejects.toMatchObject({ code: 'USER_ALREADY_EXISTS' });
    await expect(addUser(deps, holder, { ...billing, role: 'technical' })).resolves.toMatchObject({ status: 'no_online_access' });
    expect(deps.workflow.started).toEqual([]);
  });
  it('validates the name with the other fields: NAME_INVALID', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    await expect(addUser(deps, holder, { name: '\u202Eabc', email: 'nope', role: 'secondary' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED', fields: [{ field: 'name', code: 'NAME_INVALID' }, { field: 'email', code: 'EMAIL_INVALID' }],
    });
    await expect(addUser(deps, holder, { name: ' Zoë Ångström ', email: 'zoe@example.com', role: 'secondary' })).resolves.toMatchObject({ status: 'invited' });
    expect((await listUsers(deps, holder)).users[1]!.name).toBe('Zoë Ångström');
  });
  it('records when a person was removed', async () => {
    const deps = fakeDeps([holderAccount]);
    const holder = await signedInHolder(deps);
    const { userId } = await addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'technical' });
    deps.clock.advance(30);
    await removeUser(deps, holder, { userId });
    expect((await deps.people.get('123456789', userId))!.removedAt).toEqual(deps.clock.now());
  });
});

