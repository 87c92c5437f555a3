import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbPasswordResetStore } from '../../shared/adapters/dynamodb-password-resets';
import { keys } from '../../shared/adapters/dynamodb-keys';
import {
  changePassword,
  completePasswordReset,
  requestPasswordReset,
  RESET_LIFETIME_SECONDS,
  sendRecoveryEmail,
  verifyPasswordReset,
} from '../../shared/domain/account-recovery';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { authenticate, signIn } from '../../shared/domain/sessions';
import { holderAccount } from '../fixtures/accounts';
import { dynamoDbPorts, dynamoDbWithTable } from '../fixtures/emulators';
import { RecordingRecoveryNotifier, RecordingRecoveryWorkflow } from '../fixtures/in-memory';

let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let deps: ReturnType<typeof makeDeps>;

const makeDeps = () => ({
  ...dynamoDbPorts(db),
  resets: new DynamoDbPasswordResetStore(db.client, db.tableName),
  recoveryNotifier: new RecordingRecoveryNotifier(),
  recoveryWorkflow: new RecordingRecoveryWorkflow(),
});

beforeAll(async () => {
  db = await dynamoDbWithTable();
  deps = makeDeps();
  await deps.accounts.save(holderAccount);
  await registerWithIdentity(deps, {
    accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
  });
});
afterAll(async () => {
  await db.stop();
});

async function newResetToken(): Promise<string> {
  // Three resets a day per login: each test starts a day later on the service clock.
  deps.clock.advance(86_400);
  await requestPasswordReset({ workflow: deps.recoveryWorkflow }, { username: 'marie.tremblay' });
  for (const request of deps.recoveryWorkflow.started.splice(0)) {
    await sendRecoveryEmail({ ...deps, notifier: deps.recoveryNotifier }, request);
  }
  return deps.recoveryNotifier.sent.at(-1)!.token!;
}

const recoveryDeps = () => ({ ...deps, workflow: deps.recoveryWorkflow });

describe('password resets on DynamoDB Local', () => {
  it('stores only the token hash, with a TTL of the expiry plus 30 days, and revokes the older reset', async () => {
    const first = await newResetToken();
    deps.clock.advance(-86_400);
    const second = await newResetToken();
    const { Item } = await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: marshall(keys.passwordReset(second.slice(0, 22))) }));
    const item = unmarshall(Item!);
    expect(JSON.stringify(item)).not.toContain(second);
    expect(item.ttl).toBe(Math.floor(new Date(item.expiresAt).getTime() / 1000) + 30 * 86_400);
    expect(new Date(item.expiresAt).getTime() - deps.clock.now().getTime()).toBe(RESET_LIFETIME_SECONDS * 1000);
    await expect(verifyPasswordReset(deps, { resetToken: first })).rejects.toMatchObject({ code: 'RESET_REVOKED' });
    await expect(verifyPasswordReset(deps, { resetToken: second })).resolves.toMatchObject({ status: 'valid', username: 'marie.tremblay' });
  });

  it('lets exactly one of ten parallel completions of one token through; the others answer RESET_USED', async () => {
    const token = await newResetToken();
    const { sessionToken } = await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => completePasswordReset(recoveryDeps(), { resetToken: token, password: `Parallel${i}x` })),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code] : []));
    expect(fulfilled).toHaveLength(1);
    expect(codes).toEqual(Array(9).fill('RESET_USED'));
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    await expect(authenticate(deps, `Bearer ${sessionToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await signIn(deps, { username: 'marie.tremblay', password: `Parallel${winner}x` });
    await expect(verifyPasswordReset(deps, { resetToken: token })).rejects.toMatchObject({ code: 'RESET_USED' });
  });

  it('refuses an expired reset in the write itself', async () => {
    const token = await newResetToken();
    const reset = (await deps.resets.get(token.slice(0, 22)))!;
    const late = new Date(reset.expiresAt.getTime() + 1000);
    await expect(deps.resets.complete({ reset, tokenHash: reset.tokenHashes[0]!, passwordHash: 'x', now: late })).rejects.toMatchObject({ code: 'RESET_EXPIRED' });
  });

  it('changes the password keeping the caller’s session and ending the others', async () => {
    const password = 'Changed123';
    await completePasswordReset(recoveryDeps(), { resetToken: await newResetToken(), password });
    const a = await signIn(deps, { username: 'marie.tremblay', password });
    const b = await signIn(deps, { username: 'marie.tremblay', password });
    const current = await authenticate(deps, `Bearer ${a.sessionToken}`);
    await changePassword(recoveryDeps(), current, { currentPassword: password, newPassword: 'Again1234' });
    await authenticate(deps, `Bearer ${a.sessionToken}`);
    await expect(authenticate(deps, `Bearer ${b.sessionToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
