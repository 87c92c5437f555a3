import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * The single table's keys. Every item has `pk` and `sk`; items that expire carry `ttl` (epoch
 * seconds). Expiry is always checked in code too: TTL deletion lags by up to two days.
 */
export const keys = {
  account: (accountNumber: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: 'PROFILE' }),
  accountState: (accountNumber: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: 'REGISTRATION' }),
  auditEvent: (accountNumber: string, sortable: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: `EVENT#${sortable}` }),
  activation: (id: string) => ({ pk: `ACTIVATION#${id}`, sk: 'ACTIVATION' }),
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' }),
  username: (usernameKey: string) => ({ pk: `USERNAME#${usernameKey}`, sk: 'USERNAME' }),
  lockout: (key: string) => ({ pk: `LOCKOUT#${key}`, sk: 'LOCKOUT' }),
  person: (accountNumber: string, personId: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: `PERSON#${personId}` }),
  // No TTL: its version serializes every add and resend of the account (User Management's limits).
  invitationLog: (accountNumber: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: 'INVITATIONS' }),
  passwordReset: (id: string) => ({ pk: `RESET#${id}`, sk: 'RESET' }),
  // No TTL: its version serializes the resets of one login (3 a day; the newest revokes the older).
  resetLog: (userId: string) => ({ pk: `USER#${userId}`, sk: 'RESETS' }),
  session: (tokenHash: string) => ({ pk: `SESSION#${tokenHash}`, sk: 'SESSION' }),
  rateWindow: (key: string, windowStart: number) => ({ pk: `RATE#${key}#${windowStart}`, sk: 'RATE' }),
  // The hash of the address (`emailHash`), never the address: an item names no one.
  suppressed: (emailHash: string) => ({ pk: `SUPPRESSED#${emailHash}`, sk: 'SUPPRESSED' }),
  // One partition per route; the sort key hashes the client's key with its scope (shared/http/idempotency.ts).
  idempotency: (route: string, keyHash: string) => ({ pk: `IDEMPOTENCY#${route}`, sk: keyHash }),
} as const;

/** Epoch seconds, as DynamoDB TTL and our numeric conditions use them. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Every item of partition `pk` whose sort key starts with `prefix`, in sort-key order (all pages). */
export async function queryPrefix(client: DynamoDBClient, tableName: string, pk: string, prefix: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let startKey: Record<string, any> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: marshall({ ':pk': pk, ':prefix': prefix }),
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
