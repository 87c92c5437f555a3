import { GetItemCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { assertResetUsable } from '../domain/account-recovery';
import { BusyError, ConcurrentUpdateError, ResetNotFoundError, ResetRevokedError } from '../domain/errors';
import type { EmailLogEntry, PasswordReset, PasswordResetStore, ResetLog } from '../domain/ports';
import { epochSeconds, keys } from './dynamodb-keys';
import { TransactionConditionFailed, transactWrite } from './dynamodb-transactions';

const toItem = (value: Record<string, unknown>) => marshall(value, { removeUndefinedValues: true });
/** A reset item keeps answering 410 for 30 days after its expiry, like activations; then TTL deletes it. */
const RETENTION_SECONDS = 30 * 86_400;

/**
 * Password resets (`RESET#id`: token hashes, status, expiry) and each login's 24-hour reset log
 * (`USER#id/RESETS`, versioned). Completing a reset consumes it and sets the login's password in
 * one conditional transaction, so a token works exactly once even under parallel submissions.
 */
export class DynamoDbPasswordResetStore implements PasswordResetStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<PasswordReset | undefined> {
    const item = await this.read(keys.passwordReset(id));
    return item ? resetFromItem(item) : undefined;
  }

  async getLog(userId: string): Promise<ResetLog> {
    const item = await this.read(keys.resetLog(userId));
    if (!item) return { userId, entries: [], version: 0 };
    return {
      userId,
      entries: (item.entries ?? []).map((entry: { id: string; at: string }) => ({ id: entry.id, at: new Date(entry.at) })),
      latestResetId: item.latestResetId,
      version: item.version,
    };
  }

  async reserve(change: { reset: PasswordReset; entries: EmailLogEntry[]; latestResetId: string; expectedVersion: number; revokeId?: string }) {
    const { reset } = change;
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: toItem({
            ...keys.passwordReset(reset.id),
            type: 'password-reset',
            id: reset.id,
            userId: reset.userId,
            username: reset.username,
            tokenHashes: reset.tokenHashes,
            status: reset.status,
            createdAt: reset.createdAt.toISOString(),
            expiresAt: reset.expiresAt.toISOString(),
            expiresAtEpoch: epochSeconds(reset.expiresAt),
            ttl: epochSeconds(reset.expiresAt) + RETENTION_SECONDS,
          }),
          // A new reset, or a retry of one still pending: never revive a used or revoked one.
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({ ':pending': 'pending' }),
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: toItem({
            ...keys.resetLog(reset.userId),
            type: 'reset-log',
            entries: change.entries.map((entry) => ({ id: entry.id, at: entry.at.toISOString() })),
            latestResetId: change.latestResetId,
            version: change.expectedVersion + 1,
          }),
          ConditionExpression: change.expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ExpressionAttributeValues: change.expectedVersion === 0 ? undefined : toItem({ ':version': change.expectedVersion }),
        },
      },
    ];
    if (change.revokeId) {
      const older = await this.get(change.revokeId);
      if (older?.status === 'pending') {
        items.push({
          Update: {
            TableName: this.tableName,
            Key: toItem(keys.passwordReset(change.revokeId)),
            UpdateExpression: 'SET #status = :revoked',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toItem({ ':revoked': 'revoked', ':pending': 'pending' }),
          },
        });
      }
    }
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      // The log or the older reset changed meanwhile (or this one settled): read again and decide again.
      if (error instanceof TransactionConditionFailed) throw new ConcurrentUpdateError(error);
      throw error;
    }
  }

  async complete({ reset, tokenHash, passwordHash, now }: { reset: PasswordReset; tokenHash: string; passwordHash: string; now: Date }) {
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.passwordReset(reset.id)),
          UpdateExpression: 'SET #status = :used, usedAt = :now',
          // Single use and expiry are enforced here, in the write, not only in the code before it.
          ConditionExpression: '#status = :pending AND contains(tokenHashes, :hash) AND expiresAtEpoch > :nowEpoch',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({
            ':used': 'used',
            ':pending': 'pending',
            ':now': now.toISOString(),
            ':nowEpoch': epochSeconds(now),
            ':hash': tokenHash,
          }),
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.user(reset.userId)),
          // A new generation ends every session opened before.
          UpdateExpression: 'SET passwordHash = :hash, sessionGeneration = if_not_exists(sessionGeneration, :zero) + :one',
          ConditionExpression: 'attribute_exists(pk) AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toItem({ ':hash': passwordHash, ':zero': 0, ':one': 1, ':active': 'active' }),
        },
      },
    ];
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (!(error instanceof TransactionConditionFailed)) throw error;
      // The login was removed meanwhile: the link no longer stands.
      if (!error.failed.includes(0)) throw Object.assign(new ResetRevokedError(), { cause: error });
      const current = await this.get(reset.id);
      if (!current) throw new ResetNotFoundError();
      assertResetUsable(current, now);
      if (!current.tokenHashes.includes(tokenHash)) throw new ResetNotFoundError();
      throw new BusyError(error);
    }
  }

  async changePassword(change: { userId: string; passwordHash: string; expectedGeneration: number; keepSessionId?: string }) {
    const next = change.expectedGeneration + 1;
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.user(change.userId)),
          UpdateExpression: 'SET passwordHash = :hash, sessionGeneration = :next',
          ConditionExpression:
            change.expectedGeneration === 0
              ? 'attribute_exists(pk) AND (attribute_not_exists(sessionGeneration) OR sessionGeneration = :current)'
              : 'attribute_exists(pk) AND sessionGeneration = :current',
          ExpressionAttributeValues: toItem({ ':hash': change.passwordHash, ':next': next, ':current': change.expectedGeneration }),
        },
      },
    ];
    if (change.keepSessionId) {
      // The caller's session moves to the new generation with the login, so it keeps working.
      items.push({
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.session(change.keepSessionId)),
          UpdateExpression: 'SET generation = :next',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: toItem({ ':next': next }),
        },
      });
    }
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionConditionFailed) throw new ConcurrentUpdateError(error);
      throw error;
    }
  }

  private async read(key: { pk: string; sk: string }): Promise<Record<string, any> | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem(key), ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  }
}

function resetFromItem(item: Record<string, any>): PasswordReset {
  return {
    id: item.id,
    userId: item.userId,
    username: item.username,
    tokenHashes: item.tokenHashes ?? [],
    status: item.status,
    createdAt: new Date(item.createdAt),
    expiresAt: new Date(item.expiresAt),
  };
}
