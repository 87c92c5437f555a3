import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds, keys } from '../../shared/adapters/dynamodb-keys';
import { issueActivation } from '../../shared/domain/issue-activation';
import { registerWithActivation } from '../../shared/domain/register';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { authenticate, signIn } from '../../shared/domain/sessions';
import { addUser, listUsers, MAX_PEOPLE_PER_ACCOUNT, removeUser, resendInvitation } from '../../shared/domain/user-management';
import { holderAccount } from '../fixtures/accounts';
import { burnCpu } from '../fixtures/cpu-load';
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
// The races below (50 parallel adds of one address…) run on a loaded machine, as on busy CI.
let load: ReturnType<typeof burnCpu>;
beforeAll(() => {
  load = burnCpu();
});
afterAll(async () => {
  await load.stop();
  await db.stop();
});

const holderSession = async () =>
  authenticate(deps, `Bearer ${(await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' })).sessionToken}`);

async function invite(email: string) {
  const holder = await holderSession();
  const added = await addUser(deps, holder, { name: email.split('@')[0]!, email, role: 'secondary' });
  for (const request of deps.workflow.started.splice(0)) await issueActivation(deps, request);
  return { holder, userId: added.userId, token: deps.notifier.sent.find((m) => m.kind === 'invitation' && m.to === email)!.token! };
}

let accountSeq = 0;
/** A new account (a copy of the test account) with its holder registered and signed in: its own limits. */
async function freshHolder() {
  const accountNumber = String(200_000_000 + ++accountSeq);
  const email = `holder.${accountNumber}@example.com`;
  await deps.accounts.save({ ...holderAccount, accountNumber, holder: { name: 'Marie Tremblay', email } });
  const username = `holder.${accountNumber}`;
  await registerWithIdentity(deps, { accountNumber, postalCode: 'H2X 1Y4', email, username, password: 'Boulang3rie' });
  return authenticate(deps, `Bearer ${(await signIn(deps, { username, password: 'Boulang3rie' })).sessionToken}`);
}

const rejections = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason.code as string);

describe('User Management on DynamoDB Local', () => {
  it('keeps one person per email, even under 50 concurrent adds', async () => {
    const holder = await holderSession();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => addUser(deps, holder, { name: 'Same', email: 'same.person@example.com', role: 'technical' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(rejections(results)).toEqual(Array(49).fill('USER_ALREADY_EXISTS'));
    expect((await listUsers(deps, holder)).users.filter((u) => u.email === 'same.person@example.com')).toHaveLength(1);
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

describe('User Management cannot be used to send mail at will (DynamoDB Local)', () => {
  afterEach(() => {
    // These accounts' invitations are not delivered: `invite()` delivers only its own.
    deps.workflow.started.splice(0);
  });

  it('invites once for 50 concurrent adds of one address', async () => {
    const holder = await freshHolder();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => addUser(deps, holder, { name: 'Léa Roy', email: 'lea.roy@example.com', role: 'secondary' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(rejections(results)).toEqual(Array(49).fill('USER_ALREADY_EXISTS'));
    expect((await listUsers(deps, holder)).users.map((u) => u.email)).toEqual([`holder.${holder.accountNumber}@example.com`, 'lea.roy@example.com']);
    expect(deps.workflow.started.filter((r) => r.accountNumber === holder.accountNumber)).toHaveLength(1);
  });

  it('refuses the 11th invitation of an account within 24 hours, with Retry-After', async () => {
    const holder = await freshHolder();
    for (let i = 0; i < 10; i++) {
      await addUser(deps, holder, { name: 'Invitée', email: `user${i}@example.com`, role: 'secondary' });
      deps.clock.advance(60);
    }
    await expect(addUser(deps, holder, { name: 'Onzième', email: 'user10@example.com', role: 'secondary' })).rejects.toMatchObject({
      code: 'TOO_MANY_INVITATIONS', statusCode: 429, retryAfterSeconds: 86_400 - 600,
    });
    // A technical user is never invited: recorded all the same.
    await expect(addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'technical' })).resolves.toMatchObject({ status: 'no_online_access' });
    deps.clock.advance(86_400 - 600);
    await expect(addUser(deps, holder, { name: 'Onzième', email: 'user10@example.com', role: 'secondary' })).resolves.toMatchObject({ status: 'invited' });
  });

  it('admits exactly 10 of 15 concurrent invitations', async () => {
    const holder = await freshHolder();
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, (_, i) => addUser(deps, holder, { name: 'Invitée', email: `burst${i}@example.com`, role: 'secondary' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(rejections(results)).toEqual(Array(5).fill('TOO_MANY_INVITATIONS'));
    expect((await listUsers(deps, holder)).users).toHaveLength(1 + 10);
  });

  it('refuses a 4th invitation of one person within 24 hours (the add counts), and allows it a day later', async () => {
    const holder = await freshHolder();
    const { userId } = await addUser(deps, holder, { name: 'Ana Roy', email: 'ana.roy@example.com', role: 'secondary' });
    deps.clock.advance(120);
    await resendInvitation(deps, holder, { userId });
    await resendInvitation(deps, holder, { userId });
    await expect(resendInvitation(deps, holder, { userId })).rejects.toMatchObject({
      code: 'TOO_MANY_INVITATIONS', statusCode: 429, retryAfterSeconds: 86_400 - 120,
    });
    expect(deps.workflow.started.filter((r) => r.personId === userId)).toHaveLength(3);
    deps.clock.advance(86_400 - 120);
    await expect(resendInvitation(deps, holder, { userId })).resolves.toBeUndefined();
    expect(deps.workflow.started.filter((r) => r.personId === userId)).toHaveLength(4);
  });

  it(`refuses a person past ${MAX_PEOPLE_PER_ACCOUNT}, even under concurrent adds`, async () => {
    const holder = await freshHolder();
    for (let i = 0; i < MAX_PEOPLE_PER_ACCOUNT - 5; i++) await addUser(deps, holder, { name: 'Techno', email: `tech${i}@example.com`, role: 'technical' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => addUser(deps, holder, { name: 'Techno', email: `late${i}@example.com`, role: 'technical' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(rejections(results)).toEqual(Array(5).fill('TOO_MANY_INVITATIONS'));
    expect((await listUsers(deps, holder)).users).toHaveLength(1 + MAX_PEOPLE_PER_ACCOUNT);
    const refused = await addUser(deps, holder, { name: 'Techno', email: 'one.more@example.com', role: 'technical' }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'TOO_MANY_INVITATIONS', statusCode: 429, retryAfterSeconds: undefined });
  });

  it('refuses to invite a technical address, on file with billing or recorded here: 409 TECHNICAL_USER_NOT_ELIGIBLE', async () => {
    const holder = await freshHolder();
    await expect(
      addUser(deps, holder, { name: 'TechnoServices', email: 'Support@TechnoServices.example.com', role: 'secondary' }),
    ).rejects.toMatchObject({ code: 'TECHNICAL_USER_NOT_ELIGIBLE', statusCode: 409 });
    await addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'technical' });
    await expect(addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'secondary' })).rejects.toMatchObject({
      code: 'TECHNICAL_USER_NOT_ELIGIBLE', statusCode: 409,
    });
    expect(deps.workflow.started.filter((r) => r.accountNumber === holder.accountNumber)).toEqual([]);
  });

  it('gives a removed person a TTL 90 days after the removal', async () => {
    const holder = await freshHolder();
    const { userId } = await addUser(deps, holder, { name: 'Techno', email: 'tech@example.com', role: 'technical' });
    deps.clock.advance(45);
    const removedAt = deps.clock.now();
    await removeUser(deps, holder, { userId });
    const { Item } = await db.client.send(
      new GetItemCommand({ TableName: db.tableName, Key: marshall(keys.person(holder.accountNumber, userId)), ConsistentRead: true }),
    );
    expect(unmarshall(Item!)).toMatchObject({ status: 'revoked', removedAt: removedAt.toISOString(), ttl: epochSeconds(removedAt) + 90 * 86_400 });
  });

  it.each([
    ['digits only', '1234567'],
    ['markup', '<script>'],
    ['a bidirectional override', 'Luc \u202EnongaG'],
    ['101 characters', 'a'.repeat(101)],
    ['nothing after trimming', '  \t '],
  ])('refuses a name of %s with NAME_INVALID', async (_, name) => {
    const holder = await holderSession();
    await expect(addUser(deps, holder, { name, email: 'named@example.com', role: 'technical' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED', statusCode: 400, fields: [{ field: 'name', code: 'NAME_INVALID' }],
    });
  });

  it('accepts names of any script with apostrophes, hyphens and periods', async () => {
    const holder = await freshHolder();
    for (const [name, email] of [['Jean-François O’Neil Jr.', 'jf@example.com'], ['Zoë Ångström', 'zoe@example.com']]) {
      await expect(addUser(deps, holder, { name: name!, email: email!, role: 'technical' })).resolves.toMatchObject({ status: 'no_online_access' });
      deps.clock.advance(1); // listed in the order added
    }
    expect((await listUsers(deps, holder)).users.map((u) => u.name)).toEqual(['Marie Tremblay', 'Jean-François O’Neil Jr.', 'Zoë Ångström']);
  });
});

