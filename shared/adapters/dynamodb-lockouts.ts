import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrentUpdateError } from '../domain/errors';
import type { LockoutState, LockoutStore } from '../domain/lockout';
import { epochSeconds, keys } from './dynamodb-keys';

/** Failure counts per key (`LOCKOUT#key`), versioned; TTL forgets them once they no longer matter. */
export class DynamoDbLockoutStore implements LockoutStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(key: string): Promise<LockoutState> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.lockout(key)), ConsistentRead: true }),
    );
    if (!Item) return { failures: [], version: 0 };
    const item = unmarshall(Item);
    return {
      failures: (item.failures as string[]).map((at) => new Date(at)),
      lockedUntil: item.lockedUntil ? new Date(item.lockedUntil) : undefined,
      version: item.version,
    };
  }

  async save(key: string, state: Omit<LockoutState, 'version'>, expectedVersion: number, expiresAt: Date) {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(
            {
              ...keys.lockout(key),
              failures: state.failures.map((at) => at.toISOString()),
              lockedUntil: state.lockedUntil?.toISOString(),
              version: expectedVersion + 1,
              ttl: epochSeconds(expiresAt) + 60,
            },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ExpressionAttributeValues: expectedVersion === 0 ? undefined : marshall({ ':expected': expectedVersion }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(error);
      throw error;
    }
  }
}
