import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { SUPPRESSION_SECONDS } from '../../shared/adapters/dynamodb-suppression-list';
import { SesNotifier } from '../../shared/adapters/ses-notifier';
import { emailHash } from '../../shared/domain/account-recovery';
import { EmailRejected } from '../../shared/domain/errors';
import { holderAccount } from '../fixtures/accounts';
import { dynamoDbPorts, dynamoDbWithTable, sesEmulator, handlerEnvironment } from '../fixtures/emulators';
import { bounceEvent, complaintEvent, snsEvent } from '../fixtures/ses-events';

/**
 * SES feedback, through the deployed handler on DynamoDB Local: the suppression item, the
 * account's history, and a notifier on the SES emulator that no longer writes to the address.
 */
let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let ses: Awaited<ReturnType<typeof sesEmulator>>;
let deps: ReturnType<typeof dynamoDbPorts>;
let handler: (event: SNSEvent, context: Context) => Promise<void>;
let closeClients: () => void;
let restoreEnvironment: () => void;
const context = { functionName: 'email-feedback', awsRequestId: 'r' } as Context;
const ACCOUNT = holderAccount.accountNumber;
const HOLDER = holderAccount.holder.email;

beforeAll(async () => {
  [db, ses] = await Promise.all([dynamoDbWithTable(), sesEmulator()]);
  deps = dynamoDbPorts(db);
  await deps.accounts.save(holderAccount);
  restoreEnvironment = handlerEnvironment(db);
  ({ handler } = await import('../../functions/events/email-feedback.handler'));
  ({ closeClients } = await import('../../shared/adapters/aws-clients'));
});
afterAll(async () => {
  closeClients?.();
  restoreEnvironment();
  await Promise.all([db.stop(), ses.stop()]);
});

const suppressionItem = async (email: string) => {
  const result = await db.client.send(
    new GetItemCommand({ TableName: db.tableName, Key: marshall({ pk: `SUPPRESSED#${emailHash(email)}`, sk: 'SUPPRESSED' }), ConsistentRead: true }),
  );
  return result.Item && unmarshall(result.Item);
};
const notifier = () =>
  new SesNotifier(ses.client, { senderEmail: 'no-reply@example.com', portalUrl: 'https://portal.example.com', customerServicePhone: '1 800 555-0100' }, deps.suppressions);
const activationTo = (to: string) => ({
  to,
  language: 'fr' as const,
  recipientName: holderAccount.holder.name,
  companyName: holderAccount.companyName,
  accountNumber: ACCOUNT,
  token: 'x'.repeat(65),
  expiresAt: new Date(Date.now() + 3600_000),
});

describe('email feedback on DynamoDB Local', () => {
  it('suppresses a hard-bounced address (hashed, no clear address), records email-bounced, and the notifier then refuses it', async () => {
    // Before: the address gets email.
    await notifier().sendActivation(activationTo(HOLDER));
    expect((await ses.local.outbox()).filter((m) => m.to.includes(HOLDER))).toHaveLength(1);

    // A malformed message first: skipped, and the bounce after it is still handled.
    await handler(snsEvent('{"eventType": "Bounce", "mail": ', bounceEvent({ to: 'Marie.Tremblay@Example.com', account: ACCOUNT })), context);

    const item = await suppressionItem(HOLDER);
    expect(item).toMatchObject({ pk: `SUPPRESSED#${emailHash(HOLDER)}`, sk: 'SUPPRESSED', reason: 'bounced', suppressedAt: expect.any(String) });
    expect(item!.pk).toMatch(/^SUPPRESSED#[0-9a-f]{64}$/);
    expect(item!.ttl).toBe(Math.floor(Date.parse(item!.suppressedAt) / 1000) + SUPPRESSION_SECONDS);
    expect(JSON.stringify(item).toLowerCase()).not.toMatch(/tremblay|example\.com|@/);

    const { events } = await deps.audit.listPage(ACCOUNT, { limit: 10 });
    expect(events).toEqual([{ type: 'email-bounced', at: expect.any(Date), reason: 'General' }]);
    // The history items hold no address either.
    const history = await db.client.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: marshall({ ':pk': `ACCOUNT#${ACCOUNT}`, ':prefix': 'EVENT#' }),
      }),
    );
    expect(JSON.stringify(history.Items)).not.toContain('@');

    await expect(notifier().sendActivation(activationTo(HOLDER))).rejects.toBeInstanceOf(EmailRejected);
    await expect(notifier().sendActivation(activationTo(' MARIE.TREMBLAY@example.com'))).rejects.toBeInstanceOf(EmailRejected);
    expect((await ses.local.outbox()).filter((m) => m.to.includes(HOLDER))).toHaveLength(1);
    // Other addresses still get email.
    await notifier().sendActivation(activationTo('luc.gagnon@example.com'));
    expect((await ses.local.outbox()).filter((m) => m.to.includes('luc.gagnon@example.com'))).toHaveLength(1);
  });

  it('records a complaint, and ignores transient bounces and messages that are not SES events', async () => {
    const to = 'complains@example.com';
    await handler(
      snsEvent(
        bounceEvent({ to: 'full@example.com', account: ACCOUNT, bounceType: 'Transient', bounceSubType: 'MailboxFull' }),
        'not json',
        { Type: 'Notification', Message: 'hello' },
        complaintEvent({ to, account: ACCOUNT }),
      ),
      context,
    );
    expect(await suppressionItem('full@example.com')).toBeUndefined();
    expect(await suppressionItem(to)).toMatchObject({ reason: 'complained' });
    const { events } = await deps.audit.listPage(ACCOUNT, { limit: 10 });
    expect(events.map((event) => event.type)).toEqual(['email-complained', 'email-bounced']);
  });
});
