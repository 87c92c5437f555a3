import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ValidationError } from '../domain/errors';
import type { AuditEvent, AuditEventType, AuditLog } from '../domain/ports';
import { newId } from '../domain/secrets';
import { epochSeconds, keys } from './dynamodb-keys';

let sequence = 0;

/**
 * Events anonymous clients can cause without limit (throttled requests, failed identity checks
 * and the lockouts they bring): kept 90 days, so guessing cannot grow a partition forever.
 */
const EXPIRING_EVENTS: ReadonlySet<AuditEventType> = new Set(['activation-throttled', 'activation-notice-sent', 'identity-check-failed', 'identity-locked']);
const EXPIRING_EVENT_SECONDS = 90 * 24 * 3600;

const EVENT_PREFIX = 'EVENT#';
/** The sort key `record` writes: `EVENT#<ISO time>#<6-digit sequence>#<8 base64url characters>`. */
const EVENT_SORT_KEY = /^EVENT#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#\d{6}#[A-Za-z0-9_-]{8}$/;
// Far above any cursor we issue (≈ 110 characters); refused before decoding anything.
const MAX_CURSOR_LENGTH = 256;

/** The registration history of each account, under its partition, in time order. */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(accountNumber: string, event: AuditEvent): Promise<void> {
    // Events of one use case share its clock reading: the sequence keeps them in the order they
    // were recorded, the random part keeps other instances' events of that millisecond apart.
    const sortable = `${event.at.toISOString()}#${String(sequence++ % 1e6).padStart(6, '0')}#${newId().slice(0, 8)}`;
    const ttl = EXPIRING_EVENTS.has(event.type) ? epochSeconds(event.at) + EXPIRING_EVENT_SECONDS : undefined;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          { ...keys.auditEvent(accountNumber, sortable), ...event, at: event.at.toISOString(), ttl },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }

  async listPage(accountNumber: string, page: { limit: number; cursor?: string }): Promise<{ events: AuditEvent[]; nextCursor?: string }> {
    const { pk } = keys.account(accountNumber);
    const startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, pk);
    // One item more than the page tells whether another page follows, so the last page never
    // carries a cursor to an empty one.
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: marshall({ ':pk': pk, ':prefix': EVENT_PREFIX }),
        ScanIndexForward: false,
        Limit: page.limit + 1,
        ConsistentRead: true,
        ExclusiveStartKey: startKey && marshall(startKey),
      }),
    );
    const items = (result.Items ?? []).map((item) => unmarshall(item));
    const pageItems = items.slice(0, page.limit);
    const last = pageItems.at(-1);
    // Past `limit` items, or a read cut short by DynamoDB's 1 MB page: either way, more may follow.
    const more = items.length > page.limit || (result.LastEvaluatedKey !== undefined && last !== undefined);
    return {
      events: pageItems.map(({ pk: _pk, sk: _sk, ttl: _ttl, ...event }) => ({ ...(event as AuditEvent), at: new Date(event.at) })),
      ...(more ? { nextCursor: encodeCursor({ pk, sk: last!.sk }) } : {}),
    };
  }
}

function encodeCursor(key: { pk: string; sk: string }): string {
  return Buffer.from(JSON.stringify([key.pk, key.sk]), 'utf8').toString('base64url');
}

/**
 * The key a cursor stands for, checked to lie in this account's event range: a cursor edited by
 * hand, or taken from another account, is the client's mistake (400), never a DynamoDB error.
 * @throws ValidationError (field `cursor`)
 */
function decodeCursor(cursor: string, pk: string): { pk: string; sk: string } {
  const invalid = () => new ValidationError([{ field: 'cursor', code: 'FIELD_TYPE_INVALID' }]);
  // Buffer's decoder skips characters outside the alphabet: check the alphabet first.
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(key) || key.length !== 2 || key[0] !== pk || typeof key[1] !== 'string' || !EVENT_SORT_KEY.test(key[1])) throw invalid();
  return { pk, sk: key[1] };
}
