import { AccountAlreadyRegisteredError, ConcurrentUpdateError } from '../../shared/domain/errors';
import { issueActivation } from '../../shared/domain/issue-activation';
import type { Login } from '../../shared/domain/ports';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { newId } from '../../shared/domain/secrets';
import { holderAccount } from '../fixtures/accounts';
import { dynamoDbPorts, dynamoDbWithTable } from '../fixtures/emulators';

/**
 * Flow B reads the account's registration state before the password hash and writes the login
 * after it: the write holds only while the state is still at the version read (DynamoDB Local).
 */
let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let deps: ReturnType<typeof dynamoDbPorts>;

beforeAll(async () => {
  db = await dynamoDbWithTable();
  deps = dynamoDbPorts(db);
});
afterAll(() => db.stop());

let accountsMade = 0;
async function freshAccount() {
  const account = { ...holderAccount, accountNumber: String(400_000_000 + ++accountsMade) };
  await deps.accounts.save(account);
  return account;
}

const holderLogin = (accountNumber: string, username: string): Login => ({
  userId: newId(),
  username,
  accountNumber,
  role: 'holder',
  name: 'Marie Tremblay',
  email: 'marie.tremblay@example.com',
  passwordHash: 'not-a-real-hash',
  status: 'active',
  createdAt: deps.clock.now(),
});

describe('the holder login is written only over the state it was decided on', () => {
  it('refuses a stale version as a concurrent change, and an existing holder as ACCOUNT_ALREADY_REGISTERED', async () => {
    const { accountNumber } = await freshAccount();
    await issueActivation(deps, { activationId: newId(), accountNumber, channel: 'agent' });
    const state = await deps.activations.getAccountState(accountNumber);
    expect(state.version).toBeGreaterThan(0);

    await expect(deps.logins.createForHolder({ login: holderLogin(accountNumber, `stale.${accountNumber}`), expectedVersion: state.version - 1, now: new Date() })).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
    // Nothing of the refused transaction was written.
    expect((await deps.logins.takenUsernames([`stale.${accountNumber}`])).size).toBe(0);

    await deps.logins.createForHolder({ login: holderLogin(accountNumber, `first.${accountNumber}`), expectedVersion: state.version, now: new Date() });
    await expect(
      deps.logins.createForHolder({ login: holderLogin(accountNumber, `second.${accountNumber}`), expectedVersion: state.version, now: new Date() }),
    ).rejects.toBeInstanceOf(AccountAlreadyRegisteredError);
  });

  it('accepts version 0 only while the account has no state yet', async () => {
    const { accountNumber } = await freshAccount();
    await deps.logins.createForHolder({ login: holderLogin(accountNumber, `zero.${accountNumber}`), expectedVersion: 0, now: new Date() });
    expect((await deps.activations.getAccountState(accountNumber)).holderUserId).toBeDefined();
  });

  it('revokes the pending activation only while it is unexpired at the time of the write', async () => {
    const { accountNumber } = await freshAccount();
    const activationId = newId();
    await issueActivation(deps, { activationId, accountNumber, channel: 'agent' });
    const { expiresAt } = (await deps.activations.get(activationId))!;
    const state = await deps.activations.getAccountState(accountNumber);
    const write = (username: string, now: Date) =>
      deps.logins.createForHolder({ login: holderLogin(accountNumber, username), revokeActivationId: activationId, expectedVersion: state.version, now });

    await expect(write(`late.${accountNumber}`, new Date(expiresAt.getTime() + 1_000))).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await deps.activations.get(activationId))!.status).toBe('pending');
    expect((await deps.logins.takenUsernames([`late.${accountNumber}`])).size).toBe(0);

    await write(`in.time.${accountNumber}`, new Date(expiresAt.getTime() - 1_000));
    expect((await deps.activations.get(activationId))!.status).toBe('revoked');
  });

  it('revokes an activation delivered while the password hashed', async () => {
    const { accountNumber } = await freshAccount();
    const activationId = newId();
    const hash = deps.passwords.hash.bind(deps.passwords);
    const passwords = {
      verify: deps.passwords.verify.bind(deps.passwords),
      hash: async (password: string) => {
        await issueActivation(deps, { activationId, accountNumber, channel: 'agent' });
        return hash(password);
      },
    };
    await expect(
      registerWithIdentity({ ...deps, passwords }, {
        accountNumber, postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: `late.${accountNumber}`, password: 'Boulang3rie',
      }),
    ).resolves.toMatchObject({ role: 'holder' });
    expect((await deps.activations.get(activationId))!.status).toBe('revoked');
    const state = await deps.activations.getAccountState(accountNumber);
    expect(state.pendingActivationId).toBeUndefined();
    expect(state.holderUserId).toBeDefined();
  });
});
