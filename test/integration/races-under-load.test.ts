import { Argon2PasswordHasher } from '../../shared/adapters/argon2-password-hasher';
import { verifyActivation } from '../../shared/domain/verify-activation';
import { issueActivation } from '../../shared/domain/issue-activation';
import { registerWithActivation } from '../../shared/domain/register';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { signIn } from '../../shared/domain/sessions';
import { newId } from '../../shared/domain/secrets';
import { holderAccount } from '../fixtures/accounts';
import { burnCpu } from '../fixtures/cpu-load';
import { dynamoDbPorts, dynamoDbWithTable } from '../fixtures/emulators';

/**
 * Exactly-once and lockouts under parallel bursts, on DynamoDB Local, while a CPU-burning
 * worker runs on every core (a busy CI machine). Each race must end with exactly one winner and
 * clear answers for the losers; each lockout must let at most five checks through.
 */
let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let deps: ReturnType<typeof dynamoDbPorts>;
let load: ReturnType<typeof burnCpu>;

beforeAll(async () => {
  db = await dynamoDbWithTable();
  deps = dynamoDbPorts(db);
  load = burnCpu();
});
afterAll(async () => {
  await load.stop();
  await db.stop();
});

let accountsMade = 0;
async function freshAccount() {
  const account = { ...holderAccount, accountNumber: String(300_000_000 + ++accountsMade) };
  await deps.accounts.save(account);
  return account;
}

/** The error codes of the settled promises that failed, counted; `ok` counts the successes. */
function tally(results: PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = result.status === 'fulfilled' ? 'ok' : (result.reason.code ?? `${result.reason.name}: ${result.reason.message}`);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The password hasher, counting the checks it performs. */
class CountingHasher extends Argon2PasswordHasher {
  verifications = 0;
  override verify(password: string, encoded: string) {
    this.verifications++;
    return super.verify(password, encoded);
  }
}

describe('races and lockouts under parallel bursts on a loaded machine', () => {
  it('50 registrations with one token: exactly one login, 49 × ACTIVATION_USED', async () => {
    const account = await freshAccount();
    const activationId = newId();
    await issueActivation(deps, { activationId, accountNumber: account.accountNumber, channel: 'agent' });
    const token = deps.notifier.sent.find((mail) => mail.token?.startsWith(activationId))!.token!;
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => registerWithActivation(deps, { activationToken: token, username: `token.racer.${i}`, password: 'Boulang3rie' })),
    );
    expect(tally(results)).toEqual({ ok: 1, ACTIVATION_USED: 49 });
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ username: string }>).value.username;
    const taken = await deps.logins.takenUsernames(Array.from({ length: 50 }, (_, i) => `token.racer.${i}`));
    expect([...taken]).toEqual([winner]);
  });

  it('50 flow-B registrations of 50 accounts with one username: exactly one, 49 × USERNAME_TAKEN', async () => {
    const accounts = await Promise.all(Array.from({ length: 50 }, () => freshAccount()));
    const results = await Promise.allSettled(
      accounts.map((account, i) =>
        registerWithIdentity(deps, {
          accountNumber: account.accountNumber, postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com',
          username: i % 2 ? 'One.Shared.Name' : 'one.shared.name', password: 'Boulang3rie',
        }),
      ),
    );
    expect(tally(results)).toEqual({ ok: 1, USERNAME_TAKEN: 49 });
  });

  it('50 activation requests for one account: 3 emails, exactly one usable link', async () => {
    const account = await freshAccount();
    const sentBefore = deps.notifier.sent.length;
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        issueActivation(deps, { activationId: newId(), accountNumber: account.accountNumber, channel: 'self-service', identityVerified: true }),
      ),
    );
    const outcomes = results.map((r) => (r.status === 'fulfilled' ? r.value.outcome : r.reason.code));
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(3);
    expect(outcomes.filter((o) => o !== 'sent' && o !== 'throttled')).toEqual([]);
    const tokens = deps.notifier.sent.slice(sentBefore).map((mail) => mail.token!);
    expect(tokens).toHaveLength(3);
    const verdicts = await Promise.all(tokens.map((token) => verifyActivation(deps, { activationToken: token }).then(() => 'valid', (e) => e.code)));
    expect(verdicts.sort()).toEqual(['ACTIVATION_REVOKED', 'ACTIVATION_REVOKED', 'valid']);
  });

  it('100 parallel wrong passwords for one username: 5 password checks, 95 × TOO_MANY_ATTEMPTS, then the right one is refused too', async () => {
    const account = await freshAccount();
    await registerWithIdentity(deps, {
      accountNumber: account.accountNumber, postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: `holder.${account.accountNumber}`, password: 'Boulang3rie',
    });
    const passwords = new CountingHasher();
    const counted = { ...deps, passwords };
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => signIn(counted, { username: `holder.${account.accountNumber}`, password: `Wrong${i}pass` })),
    );
    expect(tally(results)).toEqual({ INVALID_CREDENTIALS: 5, TOO_MANY_ATTEMPTS: 95 });
    expect(passwords.verifications).toBe(5);
    await expect(signIn(counted, { username: `holder.${account.accountNumber}`, password: 'Boulang3rie' })).rejects.toMatchObject({
      code: 'TOO_MANY_ATTEMPTS',
      retryAfterSeconds: 900,
    });
    expect(passwords.verifications).toBe(5);
  });

  it('100 parallel wrong identities for one account: 5 identity checks, 95 × TOO_MANY_ATTEMPTS', async () => {
    const account = await freshAccount();
    let lookups = 0;
    const accounts = { get: (n: string) => (lookups++, deps.accounts.get(n)) };
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        registerWithIdentity({ ...deps, accounts }, {
          accountNumber: account.accountNumber, postalCode: 'H2X 1Y4', email: `guess.${i}@example.com`, username: 'would.be.holder', password: 'Boulang3rie',
        }),
      ),
    );
    expect(tally(results)).toEqual({ IDENTITY_NOT_VERIFIED: 5, TOO_MANY_ATTEMPTS: 95 });
    expect(lookups).toBe(5);
  });
});
