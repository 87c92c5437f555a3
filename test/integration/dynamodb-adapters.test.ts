import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { keys } from '../../shared/adapters/dynamodb-keys';
import { IDENTITY_LOCKOUT } from '../../shared/domain/lockout';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { ACTIVATION_LIFETIME_SECONDS, ACTIVATION_RETENTION_SECONDS } from '../../shared/domain/activation';
import { importAccounts } from '../../shared/domain/import-accounts';
import { issueActivation } from '../../shared/domain/issue-activation';
import { registerWithActivation } from '../../shared/domain/register';
import { hashToken, newId } from '../../shared/domain/secrets';
import { holderAccount, mobilityAccount } from '../fixtures/accounts';
import { dynamoDbPorts, dynamoDbWithTable } from '../fixtures/emulators';

let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let deps: ReturnType<typeof makeDeps>;

const makeDeps = () => dynamoDbPorts(db);

beforeAll(async () => {
  db = await dynamoDbWithTable();
});
afterAll(() => db.stop());
beforeEach(async () => {
  deps = makeDeps();
});

let accountsMade = 0;

/** Issues an activation for a fresh copy of the holder account; returns its token. */
async function freshActivation() {
  const account = { ...holderAccount, accountNumber: String(200_000_000 + ++accountsMade) };
  await deps.accounts.save(account);
  const activationId = newId();
  await issueActivation(deps, { activationId, accountNumber: account.accountNumber, channel: 'agent' });
  const token = deps.notifier.sent.find((mail) => mail.token?.startsWith(activationId))!.token!;
  return { account, activationId, token };
}

describe('DynamoDB adapters on DynamoDB Local', () => {
  it('imports accounts idempotently and reports invalid records without writing them', async () => {
    const records = [holderAccount, mobilityAccount, { ...holderAccount, accountNumber: '12' }];
    const first = await importAccounts({ accounts: deps.accounts }, records);
    expect(first).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    expect(first.invalid).toEqual([{ index: 2, accountNumber: '12', problems: ['accountNumber: 9 to 12 digits'] }]);
    const second = await importAccounts({ accounts: deps.accounts }, records);
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect(await deps.accounts.get('123456789')).toEqual(holderAccount);
    expect(await deps.accounts.get('12')).toBeUndefined();
  });

  it('stores only the SHA-256 of the token, with a TTL at expiry', async () => {
    const { activationId, token } = await freshActivation();
    const { Item } = await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: marshall(keys.activation(activationId)) }));
    const item = unmarshall(Item!);
    expect(JSON.stringify(item)).not.toContain(token);
    expect(item.tokenHashes).toEqual([hashToken(token)]);
    // Kept 30 days past expiry: an old link answers 410, not 404, until then.
    expect(item.ttl).toBe(Math.floor(deps.clock.now().getTime() / 1000) + ACTIVATION_LIFETIME_SECONDS + ACTIVATION_RETENTION_SECONDS);
  });

  it('lets exactly one of 20 concurrent registrations with one token succeed', async () => {
    const { token } = await freshActivation();
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        registerWithActivation(deps, { activationToken: token, username: `racer.number.${i}`, password: 'Boulang3rie' }),
      ),
    );
    const winners = attempts.filter((a) => a.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const codes = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected').map((a) => a.reason.code);
    expect(new Set(codes)).toEqual(new Set(['ACTIVATION_USED']));
  });

  it('lets exactly one of 10 concurrent registrations of one username (any case) succeed', async () => {
    const activations = await Promise.all(Array.from({ length: 10 }, () => freshActivation()));
    const attempts = await Promise.allSettled(
      activations.map(({ token }, i) =>
        registerWithActivation(deps, { activationToken: token, username: i % 2 ? 'Same.Username' : 'same.username', password: 'abc123' }),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const failed of attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
      expect(failed.reason.code).toBe('USERNAME_TAKEN');
    }
  });

  it('refuses an expired token although TTL has not deleted the item', async () => {
    const { activationId, token } = await freshActivation();
    deps.clock.advance(ACTIVATION_LIFETIME_SECONDS + 3600);
    expect(await deps.activations.get(activationId)).toMatchObject({ status: 'pending' });
    await expect(registerWithActivation(deps, { activationToken: token, username: 'too.late.user', password: 'abc123' })).rejects.toMatchObject({
      code: 'ACTIVATION_EXPIRED',
    });
  });

  it('refuses in the write itself a token that expired after it was checked', async () => {
    const { activationId } = await freshActivation();
    const activation = (await deps.activations.get(activationId))!;
    const later = new Date(activation.expiresAt.getTime() + 1000);
    const claimId = newId();
    const tokenHash = activation.tokenHashes[0]!;
    expect(await deps.activations.claim(activation.id, tokenHash, claimId, deps.clock.now())).toBe(true);
    await expect(
      deps.logins.createFromActivation({
        activation,
        tokenHash,
        claimId,
        login: {
          userId: newId(), username: 'checked.too.early', accountNumber: activation.accountNumber, role: 'holder',
          name: 'x', email: 'x@example.com', passwordHash: 'h', status: 'active', createdAt: later,
        },
        now: later,
      }),
    ).rejects.toMatchObject({ code: 'ACTIVATION_EXPIRED' });
    expect((await deps.logins.takenUsernames(['checked.too.early'])).size).toBe(0);
  });

  it('keeps the throttle exact under concurrent requests: 3 emails per account per 24 h', async () => {
    await deps.accounts.save(holderAccount);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => issueActivation(deps, { activationId: newId(), accountNumber: holderAccount.accountNumber, channel: 'self-service' })),
    );
    const sent = outcomes.filter((o) => o.outcome === 'sent').length;
    expect(sent).toBe(3);
    expect(outcomes.filter((o) => o.outcome === 'throttled')).toHaveLength(3);
    const pending = [];
    for (const mail of deps.notifier.sent) {
      const id = mail.token!.slice(0, 22);
      pending.push((await deps.activations.get(id))!.status);
    }
    expect(pending.filter((s) => s === 'pending')).toHaveLength(1);
  });

  it('counts rate-limit hits per fixed window', async () => {
    const rule = { limit: 2, windowSeconds: 60 };
    // A window in real time: DynamoDB Local deletes items whose TTL has passed.
    const minute = deps.clock.now().getTime();
    const now = new Date(minute + 10_000);
    expect(await deps.rateLimiter.hit('k', rule, now)).toEqual({ allowed: true });
    expect(await deps.rateLimiter.hit('k', rule, now)).toEqual({ allowed: true });
    expect(await deps.rateLimiter.hit('k', rule, now)).toEqual({ allowed: false, retryAfterSeconds: 50 });
    expect(await deps.rateLimiter.hit('k', rule, new Date(minute + 60_000))).toEqual({ allowed: true });
  });

  it('counts parallel attempts atomically: exactly five allowed, the rest refused until the lock ends', async () => {
    const key = `burst-${newId()}`;
    const results = await Promise.all(Array.from({ length: 40 }, () => deps.lockouts.take(key, IDENTITY_LOCKOUT, deps.clock.now())));
    const allowed = results.filter((r) => r.allowed).map((r) => (r as { attempt: number }).attempt);
    expect(allowed.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(results.filter((r) => !r.allowed)).toEqual(Array(35).fill({ allowed: false, retryAfterSeconds: IDENTITY_LOCKOUT.lockSeconds }));
    expect(await deps.lockouts.lockedUntil(key, IDENTITY_LOCKOUT, deps.clock.now())).toEqual(new Date(deps.clock.now().getTime() + 3_600_000));
    deps.clock.advance(IDENTITY_LOCKOUT.lockSeconds);
    expect(await deps.lockouts.take(key, IDENTITY_LOCKOUT, deps.clock.now())).toEqual({ allowed: true, attempt: 1 });
  });

  it('opens a new window once the old one is over, and forgets attempts when cleared', async () => {
    const key = `window-${newId()}`;
    for (let i = 1; i <= 4; i++) expect(await deps.lockouts.take(key, IDENTITY_LOCKOUT, deps.clock.now())).toEqual({ allowed: true, attempt: i });
    deps.clock.advance(IDENTITY_LOCKOUT.windowSeconds);
    expect(await deps.lockouts.take(key, IDENTITY_LOCKOUT, deps.clock.now())).toEqual({ allowed: true, attempt: 1 });
    await deps.lockouts.clear(key);
    expect(await deps.lockouts.take(key, IDENTITY_LOCKOUT, deps.clock.now())).toEqual({ allowed: true, attempt: 1 });
  });

  it('registers a holder with identity proof exactly once under concurrent submissions', async () => {
    await deps.accounts.save(mobilityAccount);
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        registerWithIdentity(
          deps,
          { accountNumber: mobilityAccount.accountNumber, postalCode: 'G1R 4P5', email: 'sophie.cote@example.com', username: `sophie.cote.${i}`, password: 'abc123' },
        ),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    // Attempts are counted before the check: past the fifth in flight, they are refused unchecked.
    for (const failed of attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
      expect(['ACCOUNT_ALREADY_REGISTERED', 'TOO_MANY_ATTEMPTS']).toContain(failed.reason.code);
    }
    expect(deps.workflow.confirmations).toHaveLength(1);
  });

  it('keeps an audit trail in order without personal data', async () => {
    const { account, token } = await freshActivation();
    deps.clock.advance(60);
    await registerWithActivation(deps, { activationToken: token, username: 'audited.user', password: 'abc123' });
    const events = (await deps.audit.listPage(account.accountNumber, { limit: 50 })).events.reverse();
    expect(events.map((e) => e.type)).toEqual(['activation-sent', 'registered']);
    expect(JSON.stringify(events)).not.toMatch(/@|audited\.user/);
  });
});
