import {
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrentUpdateError } from '../domain/errors';
import { emailKey } from '../domain/field-rules';
import type { PeopleStore, Person } from '../domain/ports';
import { UserAlreadyExistsError } from '../domain/user-management';
import { revokeActivationWrite } from './dynamodb-activations';
import { keys, queryPrefix } from './dynamodb-keys';

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

  async add(person: Person): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
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
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw Object.assign(new UserAlreadyExistsError(), { cause: error });
      throw error;
    }
  }

  async remove(person: Person, revokeInvitationId?: string): Promise<void> {
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.person(person.accountNumber, person.personId)),
          UpdateExpression: 'SET #status = :revoked',
          ConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':revoked': 'revoked', ':status': person.status }),
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
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new ConcurrentUpdateError(error);
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
  };
}
