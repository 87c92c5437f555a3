import { issueActivation } from '../../shared/domain/issue-activation';
import { registerWithActivation } from '../../shared/domain/register';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { authenticate, signIn } from '../../shared/domain/sessions';
import { addUser, listUsers, removeUser } from '../../shared/domain/user-management';
import { holderAccount } from '../fixtures/accounts';
import { dynamoDbPorts, dynamoDbWithTable } from '../fixtures/emulators';

/** Sessions and User Management on DynamoDB Local: real transactions and conditions. */
let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let deps: ReturnType<typeof makeDeps>;

const makeDeps = () => dynamoDbPorts(db);

beforeAll(async () => {
  db = await dynamoDbWithTable();
  deps = makeDeps();
  await deps.accounts.save(holderAccount);
  await registerWithIdentity(deps, {
    accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
  });
});
afterAll(() => db.stop());

const holderSession = async () =>
  authenticate(deps, `Bearer ${(await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' })).sessionToken}`);

async function invite(email: string) {
  const holder = await holderSession();
  const added = await addUser(deps, holder, { name: email.split('@')[0]!, email, role: 'secondary' });
  for (const request of deps.workflow.started.splice(0)) await issueActivation(deps, request);
  return { holder, userId: added.userId, token: deps.notifier.sent.find((m) => m.kind === 'invitation' && m.to === email)!.token! };
}

describe('User Management on DynamoDB Local', () => {
  it('keeps one person per email, even under concurrent adds', async () => {
    const holder = await holderSession();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => addUser(deps, holder, { name: 'Same', email: 'same.person@example.com', role: 'technical' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect(r.reason.code).toBe('USER_ALREADY_EXISTS');
  });

  it('registers an invited person as secondary exactly once under concurrent submissions', async () => {
    const { holder, token } = await invite('ana.roy@example.com');
    const attempts = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => registerWithActivation(deps, { activationToken: token, username: `ana.roy.${i}`, password: 'abc123' })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const users = (await listUsers(deps, holder)).users;
    expect(users.find((u) => u.email === 'ana.roy@example.com')).toMatchObject({ role: 'secondary', status: 'active' });
  });

  it('removing a user disables the login and refuses its sessions at once', async () => {
    const { holder, userId, token } = await invite('luc.gagnon@example.com');
    await registerWithActivation(deps, { activationToken: token, username: 'luc.gagnon', password: 'abc123' });
    const { sessionToken } = await signIn(deps, { username: 'luc.gagnon', password: 'abc123' });
    await expect(authenticate(deps, `Bearer ${sessionToken}`)).resolves.toMatchObject({ role: 'secondary' });
    await removeUser(deps, holder, { userId });
    await expect(authenticate(deps, `Bearer ${sessionToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(signIn(deps, { username: 'luc.gagnon', password: 'abc123' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('refuses an invitation of a person removed before they registered', async () => {
    const { holder, userId, token } = await invite('bob.martin@example.com');
    await removeUser(deps, holder, { userId });
    await expect(registerWithActivation(deps, { activationToken: token, username: 'bob.martin', password: 'abc123' })).rejects.toMatchObject({
      code: 'ACTIVATION_REVOKED',
    });
  });

  it('stores sessions hashed and checks the password against argon2id', async () => {
    const login = await deps.logins.getByUsername('marie.tremblay');
    expect(login!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const { sessionToken } = await signIn(deps, { username: 'MARIE.TREMBLAY', password: 'Boulang3rie' });
    const session = await deps.sessions.get(sessionToken.slice(0, 22));
    expect(JSON.stringify(session)).not.toContain(sessionToken);
  });
});
