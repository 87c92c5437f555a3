import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEvent, AuditLog } from '../domain/ports';
import { newId } from '../domain/secrets';
import { keys } from './dynamodb-keys';

/** The registration history of each account, under its partition, oldest first. */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(accountNumber: string, event: AuditEvent): Promise<void> {
    // The random suffix keeps two events of the same millisecond apart.
    const sortable = `${event.at.toISOString()}#${newId().slice(0, 8)}`;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          { ...keys.auditEvent(accountNumber, sortable), ...event, at: event.at.toISOString() },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }

  async list(accountNumber: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let startKey: Record<string, any> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: marshall({ ':pk': keys.account(accountNumber).pk, ':prefix': 'EVENT#' }),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { pk: _pk, sk: _sk, ...event } = unmarshall(item);
        events.push({ ...(event as AuditEvent), at: new Date(event.at) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return events;
  }
}
