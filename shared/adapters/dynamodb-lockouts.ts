import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { backoff, CONTENTION_ATTEMPTS } from '../domain/contention';
import { BusyError } from '../domain/errors';
import type { LockoutRule, LockoutStore, TakenAttempt } from '../domain/lockout';
import { epochSeconds, keys } from './dynamodb-keys';

/** The attempts of one key: how many since `windowStart`, and when the latest was counted. */
interface Counter {
  attempts: number;
  windowStart: number;
  lastAt: number;
}

/**
 * Attempt counters per key (`LOCKOUT#key`): one conditional update counts an attempt, so
 * parallel requests cannot all slip past the lock. The window opens at the first attempt; TTL
 * forgets the record once neither the window nor the lock matters.
 */
export class DynamoDbLockoutStore implements LockoutStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async take(key: string, rule: LockoutRule, now: Date): Promise<TakenAttempt> {
    const nowSeconds = epochSeconds(now);
    const ttl = nowSeconds + Math.max(rule.windowSeconds, rule.lockSeconds) + 60;
    for (let attempt = 1; ; attempt++) {
      try {
        const { Attributes } = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: marshall(keys.lockout(key)),
            UpdateExpression: 'SET attempts = if_not_exists(attempts, :zero) + :one, windowStart = if_not_exists(windowStart, :now), lastAt = :now, #ttl = :ttl',
            // Counted only inside an open window and below the limit; anything else is decided below.
            ConditionExpression: 'attribute_not_exists(attempts) OR (windowStart > :windowFloor AND attempts < :max)',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: marshall({
              ':zero': 0,
              ':one': 1,
              ':now': nowSeconds,
              ':ttl': ttl,
              ':windowFloor': nowSeconds - rule.windowSeconds,
              ':max': rule.maxFailures,
            }),
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return { allowed: true, attempt: unmarshall(Attributes!).attempts };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const counter = await this.read(key);
      if (counter) {
        const retryAfterSeconds = lockRemaining(counter, rule, nowSeconds);
        if (retryAfterSeconds > 0) return { allowed: false, retryAfterSeconds };
        // The window or the lock is over: start a new window, unless a parallel attempt just did.
        if (await this.restart(key, counter, nowSeconds, ttl)) return { allowed: true, attempt: 1 };
      }
      if (attempt >= CONTENTION_ATTEMPTS) throw new BusyError();
      await backoff(attempt);
    }
  }

  async clear(key: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(keys.lockout(key)) }));
  }

  async lockedUntil(key: string, rule: LockoutRule, now: Date): Promise<Date | undefined> {
    const counter = await this.read(key);
    const remaining = counter ? lockRemaining(counter, rule, epochSeconds(now)) : 0;
    return remaining > 0 ? new Date((counter!.lastAt + rule.lockSeconds) * 1000) : undefined;
  }

  private async read(key: string): Promise<Counter | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.lockout(key)), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { attempts, windowStart, lastAt } = unmarshall(Item);
    return { attempts, windowStart, lastAt };
  }

  /** Opens a new window with this attempt as its first; false when the counter changed meanwhile. */
  private async restart(key: string, seen: Counter, nowSeconds: number, ttl: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...keys.lockout(key), attempts: 1, windowStart: nowSeconds, lastAt: nowSeconds, ttl }),
          ConditionExpression: 'attempts = :attempts AND windowStart = :windowStart AND lastAt = :lastAt',
          ExpressionAttributeValues: marshall({ ':attempts': seen.attempts, ':windowStart': seen.windowStart, ':lastAt': seen.lastAt }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** Seconds the key stays locked: the limit was reached and the last allowed attempt is recent. */
function lockRemaining(counter: Counter, rule: LockoutRule, nowSeconds: number): number {
  if (counter.attempts < rule.maxFailures) return 0;
  return Math.max(0, counter.lastAt + rule.lockSeconds - nowSeconds);
}
