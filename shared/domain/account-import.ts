import type { Account } from './account';
import { accountDigest, type CheckedRecord, type RecordProblem } from './account-import-records';
import type { Clock } from './ports';

/**
 * The import of a billing export into the service's accounts: records are checked as they are
 * read, compared with what is stored by digest, and only new or changed accounts are written, a
 * few batches at a time. Memory stays flat: at most `concurrency` chunks are held, plus one
 * small entry per account number seen (duplicates, and the accounts a full export still has).
 */

/** An account ready to store, with the digest of its content. */
export interface DigestedAccount {
  account: Account;
  digest: string;
}

/** Where the import writes: the accounts' items, and nothing else of an account. */
export interface AccountImportSink {
  /** Sorts accounts into new ones, changed ones (digest differs) and the number already so. */
  compare(accounts: DigestedAccount[]): Promise<{ created: DigestedAccount[]; updated: DigestedAccount[]; unchanged: number }>;
  /** Stores these accounts (whole: the account item belongs to the import). */
  put(accounts: DigestedAccount[]): Promise<void>;
  /** The number of every stored account, a page at a time. */
  accountNumbers(): AsyncIterable<string[]>;
  /** Removes these accounts' items (only those: logins, people, activations stay). */
  remove(accountNumbers: string[]): Promise<void>;
}

export interface ImportOptions {
  /** Check and compare, write nothing. */
  dryRun: boolean;
  /**
   * The file is billing's whole list: stored accounts absent from it were removed from billing
   * and are removed here (their activations then stop working).
   */
  fullExport: boolean;
  /** A full export removing more accounts than this stops before removing any (a truncated file). */
  maxRemovals: { count: number } | { percent: number };
  /** Records per chunk (one comparison read; writes of 25). */
  chunkSize: number;
  /** Chunks in flight at once. */
  concurrency: number;
  /** How the file names the account number, for a duplicate's report (`account_number` in CSV). */
  accountNumberField?: string;
  /** Called with each refused record, in file order within a chunk. */
  onRejected(record: RejectedRecord): void | Promise<void>;
  /** Called as chunks complete. */
  onProgress(tally: ImportTally): void;
}

export interface RejectedRecord {
  line: number;
  accountNumber?: string;
  problems: RecordProblem[];
}

export interface ImportTally {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportSummary extends ImportTally {
  /** Accounts removed (full export), or that would be in a dry run. */
  removed: number;
  /** Why a full export removed nothing, when it did not run its removal step. */
  removalSkipped?: string;
  dryRun: boolean;
  elapsedMs: number;
}

/** A full export would remove more accounts than allowed: nothing was removed. */
export class TooManyRemovalsError extends Error {
  constructor(
    readonly wouldRemove: number,
    readonly stored: number,
    readonly limit: number,
  ) {
    super(`the file lacks ${wouldRemove} of the ${stored} stored accounts, more than the ${limit} allowed (--max-removals): nothing was removed`);
    this.name = 'TooManyRemovalsError';
  }
}

/**
 * Runs an import over checked records (in file order) and returns what it did.
 * @throws what the sink throws (after its retries); TooManyRemovalsError
 */
export async function importAccountRecords(
  deps: { sink: AccountImportSink; clock: Clock },
  records: AsyncIterable<CheckedRecord>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = deps.clock.now().getTime();
  const tally: ImportTally = { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const seen = new SeenAccounts();
  // A refused record whose account number cannot be read may be any account: a full export
  // cannot then tell which accounts billing removed.
  let unidentified = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const reject = async (record: RejectedRecord) => {
    tally.rejected++;
    await options.onRejected(record);
  };
  const send = (chunk: DigestedAccount[]) => {
    const work = (async () => {
      const { created, updated, unchanged } = await deps.sink.compare(chunk);
      if (!options.dryRun) await deps.sink.put([...created, ...updated]);
      tally.created += created.length;
      tally.updated += updated.length;
      tally.unchanged += unchanged;
      options.onProgress({ ...tally });
    })().catch((error: unknown) => {
      failure ??= error;
    });
    const tracked = work.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  /** Reads every record, sending full chunks; returns the last, partial chunk. */
  const readAll = async (): Promise<DigestedAccount[]> => {
    let chunk: DigestedAccount[] = [];
    for await (const record of records) {
      if (failure) break;
      tally.read++;
      if ('problems' in record) {
        if (record.accountNumber) seen.add(record.accountNumber, record.line);
        else unidentified++;
        await reject(record);
        continue;
      }
      const { accountNumber } = record.account;
      const firstLine = seen.lineOf(accountNumber);
      if (firstLine !== undefined) {
        const reason = `account ${accountNumber} is already on line ${firstLine}: the later record is ignored`;
        await reject({ line: record.line, accountNumber, problems: [{ field: options.accountNumberField ?? 'account_number', code: 'DUPLICATE_ACCOUNT', reason }] });
        continue;
      }
      seen.add(accountNumber, record.line);
      chunk.push({ account: record.account, digest: accountDigest(record.account) });
      if (chunk.length >= options.chunkSize) {
        send(chunk);
        chunk = [];
        // Backpressure: the file is read no faster than the table takes the writes.
        while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
      }
    }
    return chunk;
  };

  let last: DigestedAccount[];
  try {
    last = await readAll();
  } catch (error) {
    // A malformed file stops the run, once the chunks already sent are settled.
    await Promise.allSettled(inFlight);
    throw error;
  }
  if (last.length > 0 && !failure) send(last);
  await Promise.all(inFlight);
  if (failure) throw failure;
  options.onProgress({ ...tally });

  let removed = 0;
  let removalSkipped: string | undefined;
  if (options.fullExport) {
    if (unidentified > 0) {
      removalSkipped = `${unidentified} refused record${unidentified > 1 ? 's have' : ' has'} no readable account number, so the accounts billing removed cannot be told apart`;
    } else {
      removed = await removeAbsentAccounts(deps.sink, seen, options);
    }
  }
  return { ...tally, removed, removalSkipped, dryRun: options.dryRun, elapsedMs: deps.clock.now().getTime() - started };
}

async function removeAbsentAccounts(sink: AccountImportSink, seen: SeenAccounts, options: ImportOptions): Promise<number> {
  const absent: string[] = [];
  let stored = 0;
  for await (const page of sink.accountNumbers()) {
    stored += page.length;
    for (const accountNumber of page) if (!seen.has(accountNumber)) absent.push(accountNumber);
  }
  const limit = 'count' in options.maxRemovals ? options.maxRemovals.count : Math.floor((stored * options.maxRemovals.percent) / 100);
  if (absent.length > limit) throw new TooManyRemovalsError(absent.length, stored, limit);
  if (!options.dryRun) {
    for (let i = 0; i < absent.length; i += 25 * options.concurrency) await sink.remove(absent.slice(i, i + 25 * options.concurrency));
  }
  return absent.length;
}

/**
 * The account numbers met so far, with the line of each. Keyed by a number (length and digits:
 * `0123456789` and `123456789` stay apart) so that a million accounts take tens of MB, not more.
 */
class SeenAccounts {
  private readonly lines = new Map<number, number>();

  private static key(accountNumber: string): number {
    // At most 12 digits: length × 10¹³ + value stays below 2⁵³, exact in a double.
    return accountNumber.length * 1e13 + Number(accountNumber);
  }

  add(accountNumber: string, line: number): void {
    if (!this.lines.has(SeenAccounts.key(accountNumber))) this.lines.set(SeenAccounts.key(accountNumber), line);
  }

  has(accountNumber: string): boolean {
    return this.lines.has(SeenAccounts.key(accountNumber));
  }

  lineOf(accountNumber: string): number | undefined {
    return this.lines.get(SeenAccounts.key(accountNumber));
  }
}
