import { GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { PeopleStore, Person } from '../domain/ports';
import { keys } from './dynamodb-keys';

/** The people added with User Management, under their account's partition (`PERSON#id`). */
export class DynamoDbPeopleStore implements PeopleStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async list(accountNumber: string): Promise<Person[]> {
    const people: Person[] = [];
    let startKey: Record<string, any> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: marshall({ ':pk': keys.account(accountNumber).pk, ':prefix': 'PERSON#' }),
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) people.push(personFromItem(unmarshall(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return people;
  }

  async get(accountNumber: string, personId: string): Promise<Person | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.person(accountNumber, personId)), ConsistentRead: true }),
    );
    return Item ? personFromItem(unmarshall(Item)) : undefined;
  }
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
