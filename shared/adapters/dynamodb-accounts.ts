import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Account } from '../domain/account';
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
    const before = JSON.stringify(canonical(unmarshall(Attributes).account));
    return before === JSON.stringify(canonical(account)) ? 'unchanged' : 'updated';
  }
}

/** JSON with sorted keys, so that equal accounts compare equal whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
