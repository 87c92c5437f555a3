import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds, keys } from '../../shared/adapters/dynamodb-keys';
import { issueActivation } from '../../shared/domain/issue-activation';
import { IDENTITY_LOCKOUT } from '../../shared/domain/lockout';
import { hashToken, newId } from '../../shared/domain/secrets';
import { verifyActivation } from '../../shared/domain/verify-activation';
import { holderAccount } from '../fixtures/accounts';
import { dynamoDbPorts, dynamoDbWithTable } from '../fixtures/emulators';
import { FixedClock } from '../fixtures/in-memory';

// DynamoDB Local 3.x deletes items whose `ttl` has passed, in real time: measured here, a sweep
// about every 10 s (so 0–10 s after the TTL passes). AWS takes up to two days; the rule is the same.
const DAY_MS = 86_400_000;
const DELETION_DEADLINE_MS = 60_000;
const OLD_TTL_LEAD_MS = 2_000;

let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let deps: ReturnType<typeof dynamoDbPorts>;
let accountsMade = 0;

beforeAll(async () => {
  db = await dynamoDbWithTable();
});
afterAll(() => db.stop());
beforeEach(() => {
  deps = dynamoDbPorts(db);
});

/** Issues an activation for a fresh account, as if its email was sent at `sentAt`. */
async function activationSent(sentAt: Date) {
  const account = { ...holderAccount, accountNumber: String(300_000_000 + ++accountsMade) };
  await deps.accounts.save(account);
  const activationId = newId();
  await issueActivation({ ...deps, clock: new FixedClock(sentAt) }, { activationId, accountNumber: account.accountNumber, channel: 'agent' });
  const token = deps.notifier.sent.find((mail) => mail.token?.startsWith(activationId))!.token!;
  return { activationId, token };
}

async function rawActivation(activationId: string) {
  const { Item } = await db.client.send(
    new GetItemCommand({ TableName: db.tableName, Key: marshall(keys.activation(activationId)), ConsistentRead: true }),
  );
  return Item && unmarshall(Item);
}

/** Polls until DynamoDB Local's TTL sweep removed the item; fails past `deadlineMs`. */
async function deletedWithin(activationId: string, deadlineMs: number): Promise<void> {
  const start = Date.now();
  while ((await rawActivation(activationId)) !== undefined) {
    if (Date.now() - start > deadlineMs) throw new Error(`activation ${activationId} still there after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('activation retention', () => {
  it('answers ACTIVATION_EXPIRED for 30 days after expiry, then ACTIVATION_NOT_FOUND once TTL deleted it', async () => {
    // Sent 6 days ago: expired a day ago, TTL 29 days ahead.
    const recent = await activationSent(new Date(Date.now() - 6 * DAY_MS));
    // Sent 35 days ago less a few seconds: its TTL passes just after it is issued. (Sent 36 days
    // ago, its TTL would already be past, and a sweep between the two writes that issue it would
    // leave the second with nothing to update.)
    const old = await activationSent(new Date(Date.now() - 35 * DAY_MS + OLD_TTL_LEAD_MS));
    expect((await rawActivation(recent.activationId))!.ttl).toBeGreaterThan(epochSeconds(new Date()) + 28 * 86_400);
    // Until its TTL passes, the old one still answers 410 too.
    await expect(verifyActivation({ ...deps, clock: new FixedClock(new Date()) }, { activationToken: old.token })).rejects.toMatchObject({
      statusCode: 410, code: 'ACTIVATION_EXPIRED',
    });

    // The old one's deletion shows that a sweep ran after both were written.
    await deletedWithin(old.activationId, OLD_TTL_LEAD_MS + DELETION_DEADLINE_MS);
    const now = { ...deps, clock: new FixedClock(new Date()) };

    expect(await rawActivation(recent.activationId)).toMatchObject({ status: 'pending', tokenHashes: [hashToken(recent.token)] });
    await expect(verifyActivation(now, { activationToken: recent.token })).rejects.toMatchObject({ statusCode: 410, code: 'ACTIVATION_EXPIRED' });
    await expect(verifyActivation(now, { activationToken: old.token })).rejects.toMatchObject({ statusCode: 404, code: 'ACTIVATION_NOT_FOUND' });
  });
});

describe('transient items', () => {
  it('all carry a TTL in the future: sessions, lockouts, rate windows, anonymous audit events, removed people', async () => {
    const now = deps.clock.now();
    const accountNumber = String(310_000_000 + ++accountsMade);
    await deps.sessions.create({
      id: newId(), tokenHash: hashToken('x'), userId: newId(), createdAt: now, expiresAt: new Date(now.getTime() + 8 * 3_600_000), status: 'active',
    });
    await deps.lockouts.take(`ttl-${accountNumber}`, IDENTITY_LOCKOUT, now);
    await deps.rateLimiter.hit(`ttl-${accountNumber}`, { limit: 60, windowSeconds: 60 }, now);
    for (const type of ['activation-throttled', 'identity-check-failed', 'identity-locked'] as const) {
      await deps.audit.record(accountNumber, { type, at: now });
    }
    const person = {
      personId: newId(), accountNumber, name: 'Techno', email: 'tech@example.com', role: 'technical' as const, status: 'no_online_access' as const, createdAt: now,
    };
    await deps.people.add(person, { entries: [], expectedVersion: 0 });
    await deps.people.remove(person, now);

    const { Items } = await db.client.send(new ScanCommand({ TableName: db.tableName, ConsistentRead: true }));
    const items = (Items ?? []).map((item) => unmarshall(item));
    const transient = [
      items.filter((i) => i.pk.startsWith('SESSION#')),
      items.filter((i) => i.pk === `LOCKOUT#ttl-${accountNumber}`),
      items.filter((i) => i.pk.startsWith(`RATE#ttl-${accountNumber}#`)),
      items.filter((i) => i.pk === `ACCOUNT#${accountNumber}` && i.sk.startsWith('EVENT#')),
      items.filter((i) => i.pk === `ACCOUNT#${accountNumber}` && i.sk.startsWith('PERSON#')),
    ];
    expect(transient.map((kind) => kind.length)).toEqual([1, 1, 1, 3, 1]);
    for (const item of transient.flat()) expect({ pk: item.pk, ttl: item.ttl }).toEqual({ pk: item.pk, ttl: expect.any(Number) });
    for (const item of transient.flat()) expect(item.ttl).toBeGreaterThan(epochSeconds(now));
  });
});
