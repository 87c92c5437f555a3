import { TransactionCanceledException, TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { backoff, CONTENTION_ATTEMPTS } from '../domain/contention';
import { BusyError } from '../domain/errors';

/** A transaction refused by a condition: `failed` lists the indexes of the writes whose condition failed. */
export class TransactionConditionFailed extends Error {
  constructor(
    readonly failed: number[],
    cause: unknown,
  ) {
    super('transaction condition failed', { cause });
    this.name = 'TransactionConditionFailed';
  }
}

/**
 * Writes `items` all or nothing. A cancellation caused only by other transactions holding the
 * same items (`TransactionConflict`) says nothing about our conditions: it is retried with
 * backoff and jitter. A failed condition is final.
 * @throws TransactionConditionFailed, BusyError when conflicts outlive the retries
 */
export async function transactWrite(client: DynamoDBClient, items: TransactWriteItem[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = (error.CancellationReasons ?? []).map((reason) => reason.Code);
      const failed = reasons.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length > 0) throw new TransactionConditionFailed(failed, error);
      if (attempt >= CONTENTION_ATTEMPTS) throw new BusyError(error);
      await backoff(attempt);
    }
  }
}
