import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { RateLimiter } from '../domain/ports';
import { epochSeconds, keys } from './dynamodb-keys';

/** Fixed-window counters: one item per key and window, removed by TTL after the window. */
export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async hit(key: string, rule: { limit: number; windowSeconds: number }, now: Date) {
    const nowSeconds = epochSeconds(now);
    const windowStart = nowSeconds - (nowSeconds % rule.windowSeconds);
    const windowEnd = windowStart + rule.windowSeconds;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.rateWindow(key, windowStart)),
          UpdateExpression: 'ADD hits :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: marshall({ ':one': 1, ':limit': rule.limit, ':ttl': windowEnd + rule.windowSeconds }),
        }),
      );
      return { allowed: true as const };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { allowed: false as const, retryAfterSeconds: Math.max(1, windowEnd - nowSeconds) };
      }
      throw error;
    }
  }
}
