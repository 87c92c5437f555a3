import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AuditEvent, AuditLog } from '../domain/ports';
import { newId } from '../domain/secrets';
import { keys, queryPrefix } from './dynamodb-keys';

let sequence = 0;

/** The registration history of each account, under its partition, oldest first. */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(accountNumber: string, event: AuditEvent): Promise<void> {
    // Events of one use case share its clock reading: the sequence keeps them in the order they
    // were recorded, the random part keeps other instances' events of that millisecond apart.
    const sortable = `${event.at.toISOString()}#${String(sequence++ % 1e6).padStart(6, '0')}#${newId().slice(0, 8)}`;
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
    const items = await queryPrefix(this.client, this.tableName, keys.account(accountNumber).pk, 'EVENT#');
    return items.map(({ pk: _pk, sk: _sk, ...event }) => ({ ...(event as AuditEvent), at: new Date(event.at) }));
  }
}
