import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { IdempotencyClaim, IdempotencyRecords, StoredAnswer } from '../http/idempotency';
import { epochSeconds, keys } from './dynamodb-keys';

/**
 * `Idempotency-Key` records (`IDEMPOTENCY#<route>`, sort key the hashed key): one conditional
 * put claims a key, so parallel repeats cannot both run the work; the answer is written over the
 * claim once the work is done; TTL forgets the record after the window.
 */
export class DynamoDbIdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly route: string,
  ) {}

  async claim({ keyHash, payloadHash, now, expiresAt, inProgressUntil }: IdempotencyClaim) {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({
            ...keys.idempotency(this.route, keyHash),
            status: 'in-progress',
            payloadHash,
            inProgressUntil: inProgressUntil.getTime(),
            ttl: epochSeconds(expiresAt),
          }),
          // Free, past its window (TTL deletion lags), or claimed by a run that can no longer be running.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now OR (#status = :inProgress AND inProgressUntil < :nowMs)',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':now': epochSeconds(now), ':nowMs': now.getTime(), ':inProgress': 'in-progress' }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true as const };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      const held = unmarshall(error.Item);
      return {
        claimed: false as const,
        held: held.status === 'completed'
          ? { status: 'completed' as const, payloadHash: held.payloadHash, answer: JSON.parse(held.answer) as StoredAnswer }
          : { status: 'in-progress' as const, payloadHash: held.payloadHash },
      };
    }
  }

  async complete({ keyHash, payloadHash, expiresAt }: Pick<IdempotencyClaim, 'keyHash' | 'payloadHash' | 'expiresAt'>, answer: StoredAnswer): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...keys.idempotency(this.route, keyHash), status: 'completed', payloadHash, answer: JSON.stringify(answer), ttl: epochSeconds(expiresAt) }),
      }),
    );
  }

  async release(keyHash: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(keys.idempotency(this.route, keyHash)) }));
  }
}
