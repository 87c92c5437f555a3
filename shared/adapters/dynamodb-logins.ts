import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  GetItemCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { assertUsable, type Activation } from '../domain/activation';
import {
  AccountAlreadyRegisteredError,
  ActivationNotFoundError,
  ActivationRevokedError,
  BusyError,
  ConcurrentUpdateError,
  UsernameTakenError,
} from '../domain/errors';
import { usernameKey } from '../domain/field-rules';
import type { Login, LoginStore } from '../domain/ports';
import { activationFromItem, revokeActivationWrite } from './dynamodb-activations';
import { epochSeconds, keys } from './dynamodb-keys';
import { TransactionConditionFailed, transactWrite } from './dynamodb-transactions';

/** A write of a transaction, and what its failed condition means. */
interface Guarded {
  item: TransactWriteItem;
  refusal: (cause: unknown) => Promise<Error>;
}

const toItem = (value: Record<string, unknown>) => marshall(value, { removeUndefinedValues: true });

/** Logins (`USER#id`) and the usernames they reserve (`USERNAME#key`) on the service's table. */
export class DynamoDbLoginStore implements LoginStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async takenUsernames(usernameKeys: string[]): Promise<Set<string>> {
    const taken = new Set<string>();
    for (let i = 0; i < usernameKeys.length; i += 100) {
      let request: Record<string, any> | undefined = {
        [this.tableName]: {
          Keys: usernameKeys.slice(i, i + 100).map((key) => toItem(keys.username(key))),
          ConsistentRead: true,
          ProjectionExpression: 'usernameKey',
        },
      };
      while (request && Object.keys(request).length > 0) {
        const response: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of response.Responses?.[this.tableName] ?? []) taken.add(unmarshall(item).usernameKey);
        request = response.UnprocessedKeys;
      }
    }
    return taken;
  }

  async get(userId: string): Promise<Login | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.user(userId)), ConsistentRead: true }),
    );
    return Item ? loginFromItem(unmarshall(Item)) : undefined;
  }

  async getByUsername(key: string): Promise<Login | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.username(key)), ConsistentRead: true }),
    );
    return Item ? this.get(unmarshall(Item).userId) : undefined;
  }

  async createFromActivation({ activation, tokenHash, claimId, login, now }: { activation: Activation; tokenHash: string; claimId: string; login: Login; now: Date }) {
    const consume: Guarded = {
      item: {
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.activation(activation.id)),
          UpdateExpression: 'SET #status = :consumed, consumedAt = :now, registeredUserId = :userId',
          // Single use and expiry are enforced here, in the write, not only in the code before it.
          ConditionExpression: '#status = :pending AND contains(tokenHashes, :hash) AND expiresAtEpoch > :nowEpoch AND claimId = :claim',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({
            ':consumed': 'consumed',
            ':pending': 'pending',
            ':now': now.toISOString(),
            ':nowEpoch': epochSeconds(now),
            ':userId': login.userId,
            ':hash': tokenHash,
            ':claim': claimId,
          }),
        },
      },
      refusal: (cause) => this.activationRefusal(activation.id, tokenHash, now, cause),
    };
    const guarded = [consume];
    if (activation.purpose === 'secondary') {
      guarded.push({
        item: {
          Update: {
            TableName: this.tableName,
            Key: toItem(keys.person(activation.accountNumber, activation.personId!)),
            UpdateExpression: 'SET #status = :active, userId = :userId REMOVE invitationId, invitationExpiresAt',
            // Removed, or invited again since: this invitation no longer stands.
            ConditionExpression: '#status = :invited AND invitationId = :activationId',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toItem({ ':active': 'active', ':invited': 'invited', ':userId': login.userId, ':activationId': activation.id }),
          },
        },
        refusal: async (cause) => Object.assign(new ActivationRevokedError(), { cause }),
      });
    }
    await this.createLogin(login, guarded);
  }

  async createForHolder({ login, revokeActivationId, expectedVersion, now }: { login: Login; revokeActivationId?: string; expectedVersion?: number; now: Date }) {
    const extra: Guarded[] = [];
    if (revokeActivationId) {
      extra.push({
        item: revokeActivationWrite(this.tableName, revokeActivationId, now),
        refusal: async (cause) => new ConcurrentUpdateError(cause),
      });
    }
    await this.createLogin(login, extra, expectedVersion);
  }

  /**
   * Writes the login, its username and (for a holder) the account's holder mark in one
   * transaction with `guarded` writes; a failed condition becomes the error of the write it guards.
   * With `expectedStateVersion`, the holder mark also requires the account's state unchanged since read.
   */
  private async createLogin(login: Login, guarded: Guarded[], expectedStateVersion?: number): Promise<void> {
    const writes: Guarded[] = [
      ...guarded,
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: toItem({ ...keys.username(usernameKey(login.username)), usernameKey: usernameKey(login.username), userId: login.userId }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        refusal: async (cause) => new UsernameTakenError(cause),
      },
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: toItem({ ...keys.user(login.userId), ...loginToItem(login) }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        refusal: async (cause) => new ConcurrentUpdateError(cause),
      },
    ];
    if (login.role === 'holder') {
      writes.push({
        item: {
          Update: {
            TableName: this.tableName,
            Key: toItem(keys.accountState(login.accountNumber)),
            UpdateExpression: 'SET holderUserId = :userId, version = if_not_exists(version, :zero) + :one REMOVE pendingActivationId',
            ConditionExpression: [
              'attribute_not_exists(holderUserId)',
              ...(expectedStateVersion === undefined ? [] : [expectedStateVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected']),
            ].join(' AND '),
            ExpressionAttributeValues: toItem({
              ':userId': login.userId,
              ':zero': 0,
              ':one': 1,
              ...(expectedStateVersion ? { ':expected': expectedStateVersion } : {}),
            }),
          },
        },
        refusal: async (cause) =>
          expectedStateVersion === undefined || (await this.hasHolder(login.accountNumber))
            ? new AccountAlreadyRegisteredError(cause)
            : new ConcurrentUpdateError(cause),
      });
    }

    try {
      await transactWrite(this.client, writes.map((w) => w.item));
    } catch (error) {
      // The first failed condition, in the order of the writes, decides the answer.
      if (error instanceof TransactionConditionFailed) throw await writes[error.failed[0]!]!.refusal(error);
      throw error;
    }
  }

  /** Whether the account has its holder's login (read again after a failed write). */
  private async hasHolder(accountNumber: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: toItem(keys.accountState(accountNumber)),
        ConsistentRead: true,
        ProjectionExpression: 'holderUserId',
      }),
    );
    return Boolean(Item?.holderUserId);
  }

  /** Why the activation could not be consumed, read again after the failed write. */
  private async activationRefusal(id: string, tokenHash: string, now: Date, cause: unknown): Promise<Error> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.activation(id)), ConsistentRead: true }),
    );
    if (!Item) return new ActivationNotFoundError();
    const current = activationFromItem(unmarshall(Item));
    try {
      assertUsable(current, now);
    } catch (refusal) {
      return refusal as Error;
    }
    // Still pending with another token: the activation was re-issued, this token is void. With
    // ours: our claim lapsed and another attempt holds it now.
    if (!current.tokenHashes.includes(tokenHash)) return Object.assign(new ActivationNotFoundError(), { cause });
    return new BusyError(cause);
  }
}

function loginToItem(login: Login): Record<string, unknown> {
  return { type: 'user', ...login, usernameKey: usernameKey(login.username), createdAt: login.createdAt.toISOString() };
}

export function loginFromItem(item: Record<string, any>): Login {
  return {
    userId: item.userId,
    username: item.username,
    accountNumber: item.accountNumber,
    role: item.role,
    name: item.name,
    email: item.email,
    passwordHash: item.passwordHash,
    status: item.status,
    createdAt: new Date(item.createdAt),
    sessionGeneration: item.sessionGeneration ?? 0,
  };
}
