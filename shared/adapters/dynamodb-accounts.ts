import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { canonicalAccountJson, type Account } from '../domain/account';
import type { AccountDirectory } from '../domain/ports';
import { keys } from './dynamodb-keys';

/** Accounts imported from billing, one `ACCOUNT#n / PROFILE` item each. */
export class DynamoDbAccountDirectory implements AccountDirectory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(accountNumber: string): Promise<Account | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.account(accountNumber)) }),
    );
    return Item ? (unmarshall(Item).account as Account) : undefined;
  }

  /** Writes an account (import); tells whether it was new, changed or already so. */
  async save(account: Account): Promise<'created' | 'updated' | 'unchanged'> {
    const { Attributes } = await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...keys.account(account.accountNumber), type: 'account', account }, { removeUndefinedValues: true }),
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes) return 'created';
    return canonicalAccountJson(unmarshall(Attributes).account) === canonicalAccountJson(account) ? 'unchanged' : 'updated';
  }
}
