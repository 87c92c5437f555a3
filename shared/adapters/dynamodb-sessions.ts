import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Session, SessionStore } from '../domain/sessions';
import { epochSeconds, keys } from './dynamodb-keys';

/** Sessions (`SESSION#id`): the hash of the bearer token, expiry, TTL at expiry. */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async create(session: Session): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({
          ...keys.session(session.id),
          type: 'session',
          id: session.id,
          tokenHash: session.tokenHash,
          userId: session.userId,
          status: session.status,
          createdAt: session.createdAt.toISOString(),
          expiresAt: session.expiresAt.toISOString(),
          generation: session.generation ?? 0,
          ttl: epochSeconds(session.expiresAt),
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<Session | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.session(id)), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const item = unmarshall(Item);
    return {
      id: item.id,
      tokenHash: item.tokenHash,
      userId: item.userId,
      status: item.status,
      createdAt: new Date(item.createdAt),
      expiresAt: new Date(item.expiresAt),
      generation: item.generation ?? 0,
    };
  }

  async revoke(id: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.session(id)),
        UpdateExpression: 'SET #status = :revoked',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':revoked': 'revoked' }),
      }),
    ).catch((error: Error) => {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
  }
}
