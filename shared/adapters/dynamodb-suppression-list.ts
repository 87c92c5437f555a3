import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { emailHash } from '../domain/account-recovery';
import type { Clock, SuppressionList, SuppressionReason } from '../domain/ports';
import { epochSeconds, keys } from './dynamodb-keys';
import { systemClock } from './system-clock';

/** How long an address stays suppressed after its latest bounce or complaint. */
export const SUPPRESSION_SECONDS = 365 * 24 * 3600;

/**
 * The suppression list on the table: one `SUPPRESSED#<emailHash>` item per address, holding the
 * reason and times only, expiring (TTL) a year after the latest event.
 */
export class DynamoDbSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async isSuppressed(email: string): Promise<boolean> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.suppressed(emailHash(email))), ConsistentRead: true }),
    );
    if (!result.Item) return false;
    // TTL deletion lags by up to two days: the expiry is checked here too.
    const { ttl } = unmarshall(result.Item) as { ttl?: number };
    return ttl === undefined || ttl > epochSeconds(this.clock.now());
  }

  async suppress(email: string, reason: SuppressionReason, at: Date): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...keys.suppressed(emailHash(email)), reason, suppressedAt: at.toISOString(), ttl: epochSeconds(at) + SUPPRESSION_SECONDS }),
      }),
    );
  }
}
