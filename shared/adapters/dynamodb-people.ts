import { GetItemCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrentUpdateError } from '../domain/errors';
import { emailKey } from '../domain/field-rules';
import type { InvitationLog, InvitationLogEntry, PeopleStore, Person } from '../domain/ports';
import { UserAlreadyExistsError } from '../domain/user-management';
import { revokeActivationWrite } from './dynamodb-activations';
import { epochSeconds, keys, queryPrefix } from './dynamodb-keys';
import { TransactionConditionFailed, transactWrite } from './dynamodb-transactions';

/** Removed people are deleted by DynamoDB's TTL 90 days after their removal (product spec §5). */
export const REMOVED_PERSON_RETENTION_SECONDS = 90 * 86_400;

/** The people added with User Management, under their account's partition (`PERSON#id`). */
export class DynamoDbPeopleStore implements PeopleStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async list(accountNumber: string): Promise<Person[]> {
    const items = await queryPrefix(this.client, this.tableName, keys.account(accountNumber).pk, 'PERSON#');
    return items.map(personFromItem);
  }

  async get(accountNumber: string, personId: string): Promise<Person | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.person(accountNumber, personId)), ConsistentRead: true }),
    );
    return Item ? personFromItem(unmarshall(Item)) : undefined;
  }

  async getInvitationLog(accountNumber: string): Promise<InvitationLog> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.invitationLog(accountNumber)), ConsistentRead: true }),
    );
    const item = Item ? unmarshall(Item) : {};
    return {
      accountNumber,
      entries: ((item.log ?? []) as { personId: string; at: string }[]).map((e) => ({ personId: e.personId, at: new Date(e.at) })),
      version: item.version ?? 0,
    };
  }

  async add(person: Person, log: { entries: InvitationLogEntry[]; expectedVersion: number }): Promise<void> {
    try {
      await transactWrite(this.client, [
        {
          Put: {
            TableName: this.tableName,
            Item: marshall(personToItem(person), { removeUndefinedValues: true }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          // One person per email and account: the email's marker is taken with the person.
          Put: {
            TableName: this.tableName,
            Item: marshall({ ...emailMarker(person), personId: person.personId }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        // Every add bumps the log's version, technical ones too: parallel adds serialize, so the
        // count of people and the invitations they were checked against stay true.
        this.saveLogWrite(person.accountNumber, log),
      ]);
    } catch (error) {
      if (!(error instanceof TransactionConditionFailed)) throw error;
      // The email is taken: that answer holds whatever else changed meanwhile.
      if (error.failed.includes(1)) throw new UserAlreadyExistsError(error);
      throw new ConcurrentUpdateError(error);
    }
  }

  async recordInvitation(person: Person, log: { entries: InvitationLogEntry[]; expectedVersion: number }): Promise<void> {
    try {
      await transactWrite(this.client, [
        this.saveLogWrite(person.accountNumber, log),
        {
          // Only while still invited: a person removed or registered meanwhile gets no invitation.
          ConditionCheck: {
            TableName: this.tableName,
            Key: marshall(keys.person(person.accountNumber, person.personId)),
            ConditionExpression: '#status = :invited',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: marshall({ ':invited': 'invited' }),
          },
        },
      ]);
    } catch (error) {
      if (error instanceof TransactionConditionFailed) throw new ConcurrentUpdateError(error);
      throw error;
    }
  }

  /** Writes the account's invitation log as `entries`, one version up, if still at `expectedVersion`. */
  private saveLogWrite(accountNumber: string, log: { entries: InvitationLogEntry[]; expectedVersion: number }): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: marshall({
          ...keys.invitationLog(accountNumber),
          type: 'invitation-log',
          log: log.entries.map((e) => ({ personId: e.personId, at: e.at.toISOString() })),
          version: log.expectedVersion + 1,
        }),
        ConditionExpression: log.expectedVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected',
        ...(log.expectedVersion === 0 ? {} : { ExpressionAttributeValues: marshall({ ':expected': log.expectedVersion }) }),
      },
    };
  }

  async remove(person: Person, now: Date, revokeInvitationId?: string): Promise<void> {
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.person(person.accountNumber, person.personId)),
          UpdateExpression: 'SET #status = :revoked, removedAt = :removedAt, #ttl = :ttl',
          ConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: marshall({
            ':revoked': 'revoked',
            ':status': person.status,
            ':removedAt': now.toISOString(),
            ':ttl': epochSeconds(now) + REMOVED_PERSON_RETENTION_SECONDS,
          }),
        },
      },
      { Delete: { TableName: this.tableName, Key: marshall(emailMarker(person)) } },
    ];
    if (person.userId) {
      // A disabled login can no longer sign in, and its sessions stop authenticating.
      items.push({
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.user(person.userId)),
          UpdateExpression: 'SET #status = :disabled',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':disabled': 'disabled' }),
        },
      });
    }
    if (revokeInvitationId) items.push(revokeActivationWrite(this.tableName, revokeInvitationId));
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionConditionFailed) throw new ConcurrentUpdateError(error);
      throw error;
    }
  }
}

function emailMarker(person: Pick<Person, 'accountNumber' | 'email'>) {
  return { pk: keys.account(person.accountNumber).pk, sk: `PERSON_EMAIL#${emailKey(person.email)}` };
}

export function personToItem(person: Person): Record<string, unknown> {
  return {
    ...keys.person(person.accountNumber, person.personId),
    type: 'person',
    ...person,
    invitationExpiresAt: person.invitationExpiresAt?.toISOString(),
    createdAt: person.createdAt.toISOString(),
    removedAt: person.removedAt?.toISOString(),
  };
}

export function personFromItem(item: Record<string, any>): Person {
  return {
    personId: item.personId,
    accountNumber: item.accountNumber,
    name: item.name,
    email: item.email,
    role: item.role,
    status: item.status,
    userId: item.userId,
    invitationId: item.invitationId,
    invitationExpiresAt: item.invitationExpiresAt ? new Date(item.invitationExpiresAt) : undefined,
    createdAt: new Date(item.createdAt),
    removedAt: item.removedAt ? new Date(item.removedAt) : undefined,
  };
}
