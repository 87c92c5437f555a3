import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AccountImportSink, DigestedAccount } from '../domain/account-import';
import { revokeActivationWrite } from './dynamodb-activations';
import { keys } from './dynamodb-keys';

/** How unprocessed items are retried: exponential backoff with full jitter. */
export interface BackoffPolicy {
  /** Calls in all, the first included, before the import gives up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxAttempts: 10,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** DynamoDB kept refusing part of a batch (throttling) after every retry. */
export class UnprocessedItemsError extends Error {
  constructor(
    readonly operation: string,
    readonly remaining: number,
    attempts: number,
  ) {
    super(`DynamoDB left ${remaining} item(s) of a ${operation} unprocessed after ${attempts} attempts (throttled): run the import again, it resumes where it stopped`);
    this.name = 'UnprocessedItemsError';
  }
}

/**
 * Calls `attempt` with `pending` work, then again with whatever it hands back unprocessed, waiting
 * `random × min(max, base × 2ⁿ)` before each retry (full jitter spreads retrying writers apart).
 * @throws UnprocessedItemsError when work remains after `maxAttempts` calls
 */
export async function retryUnprocessed<T>(
  operation: string,
  pending: T,
  size: (work: T) => number,
  attempt: (work: T) => Promise<T | undefined>,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): Promise<void> {
  let work: T | undefined = pending;
  for (let n = 0; n < policy.maxAttempts; n++) {
    if (n > 0) await policy.sleep(policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)));
    work = await attempt(work);
    if (!work || size(work) === 0) return;
  }
  throw new UnprocessedItemsError(operation, size(work!), policy.maxAttempts);
}

const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;

/**
 * The import's writer on the service table. It owns the `ACCOUNT#n / PROFILE` items (no other
 * code writes them: the registration state, people and events are items of their own), so it
 * replaces them whole; it reads only their digest to skip unchanged accounts.
 */
export class DynamoDbAccountImportSink implements AccountImportSink {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  /** Reads the stored digests (consistent reads: a re-run right after a run sees its writes). */
  async compare(accounts: DigestedAccount[]) {
    const stored = new Map<string, string | undefined>();
    for (let i = 0; i < accounts.length; i += BATCH_GET_MAX) {
      const request: KeysAndAttributes = {
        Keys: accounts.slice(i, i + BATCH_GET_MAX).map(({ account }) => marshall(keys.account(account.accountNumber))),
        ProjectionExpression: 'pk, importDigest',
        ConsistentRead: true,
      };
      await retryUnprocessed(
        'BatchGetItem',
        request,
        (work) => work.Keys?.length ?? 0,
        async (work) => {
          const { Responses, UnprocessedKeys } = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: work } }));
          for (const item of Responses?.[this.tableName] ?? []) {
            const { pk, importDigest } = unmarshall(item) as { pk: string; importDigest?: string };
            stored.set(pk, importDigest);
          }
          return UnprocessedKeys?.[this.tableName];
        },
        this.backoff,
      );
    }
    const created: DigestedAccount[] = [];
    const updated: DigestedAccount[] = [];
    let unchanged = 0;
    for (const entry of accounts) {
      const { pk } = keys.account(entry.account.accountNumber);
      if (!stored.has(pk)) created.push(entry);
      else if (stored.get(pk) !== entry.digest) updated.push(entry);
      else unchanged++;
    }
    return { created, updated, unchanged };
  }

  /** Writes the accounts 25 to a call, the calls of one chunk in parallel. */
  async put(accounts: DigestedAccount[]): Promise<void> {
    const requests = accounts.map(
      ({ account, digest }): WriteRequest => ({
        PutRequest: {
          // The item shape `DynamoDbAccountDirectory` reads, plus the digest of its content.
          Item: marshall({ ...keys.account(account.accountNumber), type: 'account', account, importDigest: digest }, { removeUndefinedValues: true }),
        },
      }),
    );
    await this.writeAll(requests);
  }

  async *accountNumbers(): AsyncIterable<string[]> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :profile',
          ProjectionExpression: 'pk',
          ExpressionAttributeValues: { ':profile': { S: 'PROFILE' } },
          // Pages of a bounded number of items: DynamoDB Local otherwise reads the whole table
          // into one page before cutting it at 1 MB (and fails past ~100,000 items).
          Limit: 1_000,
          ExclusiveStartKey: startKey,
        }),
      );
      const numbers = (page.Items ?? []).map((item) => item.pk!.S!.slice('ACCOUNT#'.length));
      if (numbers.length > 0) yield numbers;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Removes accounts billing dropped: first revokes their links still pending (the holder's
   * activation, each person's invitation), so that opening one answers `ACTIVATION_REVOKED`
   * rather than a form that cannot succeed; then deletes the billing record. Logins, people and
   * history stay. Revoking first makes an interrupted run safe to repeat: the account is still
   * listed until its links are revoked.
   */
  async remove(accountNumbers: string[]): Promise<void> {
    for (const accountNumber of accountNumbers) {
      const linkIds = new Set<string>();
      for await (const item of this.accountItems(accountNumber)) {
        for (const id of [item.pendingActivationId, item.latestActivationId, item.invitationId]) if (typeof id === 'string') linkIds.add(id);
      }
      await Promise.all([...linkIds].map((id) => this.revokeIfPending(id)));
    }
    await this.writeAll(accountNumbers.map((accountNumber): WriteRequest => ({ DeleteRequest: { Key: marshall(keys.account(accountNumber)) } })));
  }

  /** The link ids of every item of an account's partition (registration state, people). */
  private async *accountItems(accountNumber: string): AsyncGenerator<Record<string, unknown>> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: marshall({ ':pk': keys.account(accountNumber).pk }),
          ProjectionExpression: 'pendingActivationId, latestActivationId, invitationId',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) yield unmarshall(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async revokeIfPending(activationId: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand(revokeActivationWrite(this.tableName, activationId).Update!));
    } catch (error) {
      // Used, expired, already revoked or deleted by TTL: nothing left to stop.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async writeAll(requests: WriteRequest[]): Promise<void> {
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) batches.push(requests.slice(i, i + BATCH_WRITE_MAX));
    await Promise.all(
      batches.map((batch) =>
        retryUnprocessed(
          'BatchWriteItem',
          batch,
          (work) => work.length,
          async (work) => {
            const { UnprocessedItems } = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: work } }));
            return UnprocessedItems?.[this.tableName];
          },
          this.backoff,
        ),
      ),
    );
  }
}
