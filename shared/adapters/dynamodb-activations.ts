import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ACTIVATION_RETENTION_SECONDS, CLAIM_SECONDS, type Activation } from '../domain/activation';
import { ConcurrentUpdateError } from '../domain/errors';
import type { AccountRegistrationState, ActivationStore, EmailLogEntry } from '../domain/ports';
import { epochSeconds, keys } from './dynamodb-keys';
import { TransactionConditionFailed, transactWrite } from './dynamodb-transactions';

const toItem = (value: Record<string, unknown>) => marshall(value, { removeUndefinedValues: true });

/** Activations and per-account registration state on the service's DynamoDB table. */
export class DynamoDbActivationStore implements ActivationStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Activation | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.activation(id)), ConsistentRead: true }),
    );
    return Item ? activationFromItem(unmarshall(Item)) : undefined;
  }

  async getAccountState(accountNumber: string): Promise<AccountRegistrationState> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: toItem(keys.accountState(accountNumber)),
        ConsistentRead: true,
      }),
    );
    const item = Item ? unmarshall(Item) : {};
    return {
      accountNumber,
      holderUserId: item.holderUserId,
      pendingActivationId: item.pendingActivationId,
      latestActivationId: item.latestActivationId,
      emailLog: ((item.emailLog ?? []) as { id: string; at: string }[]).map((e) => ({ id: e.id, at: new Date(e.at) })),
      version: item.version ?? 0,
    };
  }

  async reserve(change: { activation: Activation; emailLog?: EmailLogEntry[]; expectedVersion?: number }) {
    const { activation } = change;
    const items: TransactWriteItem[] = [this.putPending(activation)];
    if (change.emailLog && change.expectedVersion !== undefined) {
      items.push(
        this.accountStateUpdate(activation.accountNumber, change.expectedVersion, 'SET latestActivationId = :id, emailLog = :log', {
          ':id': activation.id,
          ':log': serializeLog(change.emailLog),
        }),
      );
    }
    await this.transact(items);
  }

  async confirmDelivered(change: { activation: Activation; deliveredAt: Date; revokeId?: string; expectedVersion?: number }) {
    const { activation } = change;
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.activation(activation.id)),
          UpdateExpression: 'SET deliveredAt = :at',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({ ':at': change.deliveredAt.toISOString(), ':pending': 'pending' }),
        },
      },
    ];
    if (activation.personId) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.person(activation.accountNumber, activation.personId)),
          UpdateExpression: 'SET invitationId = :id, invitationExpiresAt = :expiresAt',
          // Removed or registered meanwhile: no invitation any more.
          ConditionExpression: '#status = :invited',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({ ':id': activation.id, ':expiresAt': activation.expiresAt.toISOString(), ':invited': 'invited' }),
        },
      });
    } else {
      items.push(
        this.accountStateUpdate(activation.accountNumber, change.expectedVersion ?? 0, 'SET pendingActivationId = :id', { ':id': activation.id }, 'attribute_not_exists(holderUserId)'),
      );
    }
    if (change.revokeId) items.push(revokeActivationWrite(this.tableName, change.revokeId));
    await this.transact(items);
  }

  async failDelivery(change: { activation: Activation; emailLog?: EmailLogEntry[]; expectedVersion?: number }) {
    const { activation } = change;
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.activation(activation.id)),
          UpdateExpression: 'SET #status = :failed',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({ ':failed': 'failed', ':pending': 'pending' }),
        },
      },
    ];
    if (change.emailLog && change.expectedVersion !== undefined) {
      items.push(this.accountStateUpdate(activation.accountNumber, change.expectedVersion, 'SET emailLog = :log', { ':log': serializeLog(change.emailLog) }));
    }
    await this.transact(items);
  }

  async markMaybeDelivered(id: string) {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toItem(keys.activation(id)),
        UpdateExpression: 'SET maybeDelivered = :yes',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: toItem({ ':yes': true }),
      }),
    ).catch((error) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  /** A versioned update of the account's registration state; `also` adds a condition. */
  private accountStateUpdate(accountNumber: string, expectedVersion: number, set: string, values: Record<string, unknown>, also?: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: toItem(keys.accountState(accountNumber)),
        UpdateExpression: `${set}, version = :next`,
        ConditionExpression: [also, versionCondition(expectedVersion)].filter(Boolean).join(' AND '),
        ExpressionAttributeValues: toItem({
          ...values,
          ':next': expectedVersion + 1,
          ...(expectedVersion > 0 ? { ':expected': expectedVersion } : {}),
        }),
      },
    };
  }

  /** Writes an activation: a new one, or the same one with one more token, until anyone used it. */
  private putPending(activation: Activation): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: toItem({ ...keys.activation(activation.id), ...activationToItem(activation) }),
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toItem({ ':pending': 'pending' }),
      },
    };
  }

  async saveEmailLog(accountNumber: string, emailLog: EmailLogEntry[], expectedVersion: number) {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: toItem(keys.accountState(accountNumber)),
          UpdateExpression: 'SET emailLog = :log, version = :next',
          ConditionExpression: versionCondition(expectedVersion),
          ExpressionAttributeValues: toItem({
            ':log': serializeLog(emailLog),
            ':next': expectedVersion + 1,
            ...(expectedVersion > 0 ? { ':expected': expectedVersion } : {}),
          }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(error);
      throw error;
    }
  }

  async claim(id: string, tokenHash: string, claimId: string, now: Date): Promise<boolean> {
    const nowEpoch = epochSeconds(now);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: toItem(keys.activation(id)),
          UpdateExpression: 'SET claimId = :claim, claimedUntil = :until',
          // One attempt at a time: a single-item conditional write has exactly one winner.
          ConditionExpression:
            '#status = :pending AND contains(tokenHashes, :hash) AND expiresAtEpoch > :now AND (attribute_not_exists(claimedUntil) OR claimedUntil <= :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({
            ':claim': claimId,
            ':until': nowEpoch + CLAIM_SECONDS,
            ':pending': 'pending',
            ':hash': tokenHash,
            ':now': nowEpoch,
          }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseClaim(id: string, claimId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: toItem(keys.activation(id)),
          UpdateExpression: 'REMOVE claimId, claimedUntil',
          ConditionExpression: 'claimId = :claim',
          ExpressionAttributeValues: toItem({ ':claim': claimId }),
        }),
      );
    } catch (error) {
      // Claimed again since (ours had lapsed): not ours to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async parkTaskToken(id: string, taskToken: string): Promise<Activation | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: toItem(keys.activation(id)),
          UpdateExpression: 'SET taskToken = :token',
          ConditionExpression: 'attribute_exists(pk) AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({ ':token': taskToken, ':pending': 'pending' }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? activationFromItem(unmarshall(Attributes)) : undefined;
    } catch (error) {
      // Consumed, revoked or expired before the workflow got here: the caller decides from its status.
      if (error instanceof ConditionalCheckFailedException) return this.get(id);
      throw error;
    }
  }

  async awaitDelivery(id: string, timeoutMs: number): Promise<Activation | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      const activation = await this.get(id);
      const settled = activation && (activation.deliveredAt || activation.status !== 'pending');
      if (settled || Date.now() + delay > deadline) return activation;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async expire(id: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: toItem(keys.activation(id)),
          UpdateExpression: 'SET #status = :expired',
          ConditionExpression: '#status = :pending AND expiresAtEpoch <= :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({ ':expired': 'expired', ':pending': 'pending', ':now': epochSeconds(now) }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async transact(items: TransactWriteItem[]): Promise<void> {
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionConditionFailed) throw new ConcurrentUpdateError(error);
      throw error;
    }
  }
}

/**
 * The transaction write that revokes a pending activation, and fails if it is no longer pending
 * (or, with `unexpiredAt`, if it expired by then: an expired link stays expired, not revoked).
 */
export function revokeActivationWrite(tableName: string, id: string, unexpiredAt?: Date): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: toItem(keys.activation(id)),
      UpdateExpression: 'SET #status = :revoked',
      ConditionExpression: unexpiredAt ? '#status = :pending AND expiresAtEpoch > :now' : '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: toItem({ ':revoked': 'revoked', ':pending': 'pending', ...(unexpiredAt ? { ':now': epochSeconds(unexpiredAt) } : {}) }),
    },
  };
}

function versionCondition(expectedVersion: number): string {
  return expectedVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected';
}

function serializeLog(log: EmailLogEntry[]) {
  return log.map((entry) => ({ id: entry.id, at: entry.at.toISOString() }));
}

/** The attributes of an activation item; `expiresAtEpoch` serves conditions, `ttl` DynamoDB's TTL. */
export function activationToItem(activation: Activation): Record<string, unknown> {
  return {
    type: 'activation',
    id: activation.id,
    accountNumber: activation.accountNumber,
    purpose: activation.purpose,
    personId: activation.personId,
    status: activation.status,
    tokenHashes: activation.tokenHashes,
    sentAt: activation.sentAt.toISOString(),
    expiresAt: activation.expiresAt.toISOString(),
    expiresAtEpoch: epochSeconds(activation.expiresAt),
    // Kept 30 days past expiry so that an old link still answers 410 (expired, used, revoked), not 404.
    ttl: epochSeconds(activation.expiresAt) + ACTIVATION_RETENTION_SECONDS,
    taskToken: activation.taskToken,
    registeredUserId: activation.registeredUserId,
    deliveredAt: activation.deliveredAt?.toISOString(),
    maybeDelivered: activation.maybeDelivered,
  };
}

export function activationFromItem(item: Record<string, any>): Activation {
  return {
    id: item.id,
    accountNumber: item.accountNumber,
    purpose: item.purpose,
    personId: item.personId,
    status: item.status,
    tokenHashes: item.tokenHashes,
    sentAt: new Date(item.sentAt),
    expiresAt: new Date(item.expiresAt),
    taskToken: item.taskToken,
    registeredUserId: item.registeredUserId,
    claimedUntil: item.claimedUntil === undefined ? undefined : new Date(item.claimedUntil * 1000),
    deliveredAt: item.deliveredAt ? new Date(item.deliveredAt) : undefined,
    maybeDelivered: item.maybeDelivered === true ? true : undefined,
  };
}
