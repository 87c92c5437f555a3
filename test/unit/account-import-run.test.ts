import { retryUnprocessed, UnprocessedItemsError, type BackoffPolicy } from '../../shared/adapters/dynamodb-account-import';
import { importAccountRecords, TooManyRemovalsError, type AccountImportSink, type DigestedAccount, type ImportOptions, type RejectedRecord } from '../../shared/domain/account-import';
import type { CheckedRecord } from '../../shared/domain/account-import-records';
import type { Account } from '../../shared/domain/account';
import { FixedClock } from '../fixtures/in-memory';

const account = (accountNumber: string, companyName = `Company ${accountNumber}`): Account => ({
  accountNumber,
  companyName,
  language: 'fr',
  holder: { name: 'Ann Roy', email: `ann.${accountNumber}@example.com` },
  services: ['mobility'],
  billingAddress: { postalCode: 'G1R4P5' },
  authorizedUsers: [],
});

/** The sink's contract in memory: digests by account number, and how busy it got. */
class MemorySink implements AccountImportSink {
  readonly stored = new Map<string, DigestedAccount>();
  puts = 0;
  busy = 0;
  maxBusy = 0;
  failOnCompare?: Error;

  async compare(accounts: DigestedAccount[]) {
    this.busy++;
    this.maxBusy = Math.max(this.maxBusy, this.busy);
    await new Promise((resolve) => setImmediate(resolve));
    this.busy--;
    if (this.failOnCompare) throw this.failOnCompare;
    const created = accounts.filter((a) => !this.stored.has(a.account.accountNumber));
    const updated = accounts.filter((a) => this.stored.has(a.account.accountNumber) && this.stored.get(a.account.accountNumber)!.digest !== a.digest);
    return { created, updated, unchanged: accounts.length - created.length - updated.length };
  }

  async put(accounts: DigestedAccount[]) {
    this.puts += accounts.length;
    for (const a of accounts) this.stored.set(a.account.accountNumber, a);
  }

  async *accountNumbers() {
    yield [...this.stored.keys()];
  }

  async remove(accountNumbers: string[]) {
    for (const n of accountNumbers) this.stored.delete(n);
  }
}

async function* from(records: CheckedRecord[]): AsyncIterable<CheckedRecord> {
  yield* records;
}

function run(sink: MemorySink, records: CheckedRecord[], options: Partial<ImportOptions> = {}) {
  const rejected: RejectedRecord[] = [];
  const summary = importAccountRecords({ sink, clock: new FixedClock() }, from(records), {
    dryRun: false,
    fullExport: false,
    maxRemovals: { percent: 50 },
    chunkSize: 2,
    concurrency: 2,
    onRejected: (record) => void rejected.push(record),
    onProgress: () => {},
    ...options,
  });
  return summary.then((s) => ({ summary: s, rejected }));
}

const valid = (line: number, n: string, company?: string): CheckedRecord => ({ line, account: account(n, company) });

describe('importAccountRecords', () => {
  it('writes new accounts, rewrites changed ones only, and counts the unchanged', async () => {
    const sink = new MemorySink();
    await run(sink, [valid(2, '111111111'), valid(3, '222222222'), valid(4, '333333333')]);
    sink.puts = 0;
    const { summary } = await run(sink, [valid(2, '111111111'), valid(3, '222222222', 'Renamed inc.'), valid(4, '333333333'), valid(5, '444444444')]);
    expect(summary).toMatchObject({ read: 4, created: 1, updated: 1, unchanged: 2, rejected: 0, removed: 0 });
    expect(sink.puts).toBe(2);
    expect(sink.stored.get('222222222')!.account.companyName).toBe('Renamed inc.');
  });

  it('refuses an account number met twice, naming the line of the first', async () => {
    const sink = new MemorySink();
    const { summary, rejected } = await run(sink, [valid(2, '111111111'), valid(3, '111111111', 'Other')]);
    expect(summary).toMatchObject({ read: 2, created: 1, rejected: 1 });
    expect(rejected).toEqual([
      { line: 3, accountNumber: '111111111', problems: [{ field: 'account_number', code: 'DUPLICATE_ACCOUNT', reason: 'account 111111111 is already on line 2: the later record is ignored' }] },
    ]);
    expect(sink.stored.get('111111111')!.account.companyName).toBe('Company 111111111');
  });

  it('tells 0123456789 and 123456789 apart', async () => {
    const { summary } = await run(new MemorySink(), [valid(2, '0123456789'), valid(3, '123456789')]);
    expect(summary).toMatchObject({ created: 2, rejected: 0 });
  });

  it('writes nothing in a dry run, but says what it would do', async () => {
    const sink = new MemorySink();
    await run(sink, [valid(2, '111111111')]);
    sink.puts = 0;
    const { summary } = await run(sink, [valid(2, '111111111', 'Renamed'), valid(3, '222222222')], { dryRun: true, fullExport: true });
    expect(summary).toMatchObject({ created: 1, updated: 1, dryRun: true });
    expect(sink.puts).toBe(0);
    expect(sink.stored.get('111111111')!.account.companyName).toBe('Company 111111111');
  });

  it('keeps at most `concurrency` chunks in flight', async () => {
    const sink = new MemorySink();
    const records = Array.from({ length: 40 }, (_, i) => valid(i + 2, String(100000000 + i)));
    const { summary } = await run(sink, records, { chunkSize: 3, concurrency: 2 });
    expect(summary.created).toBe(40);
    expect(sink.maxBusy).toBe(2);
  });

  it('stops at the first chunk the sink could not take, and says why', async () => {
    const sink = new MemorySink();
    sink.failOnCompare = new Error('table gone');
    await expect(run(sink, [valid(2, '111111111'), valid(3, '222222222'), valid(4, '333333333')])).rejects.toThrow('table gone');
  });

  it('stops on a malformed file once the chunks already sent are settled', async () => {
    const sink = new MemorySink();
    async function* broken(): AsyncIterable<CheckedRecord> {
      for (let i = 0; i < 5; i++) yield valid(i + 2, String(100000000 + i));
      throw new Error('file.csv:7: Invalid Closing Quote');
    }
    const error = await importAccountRecords({ sink, clock: new FixedClock() }, broken(), {
      dryRun: false,
      fullExport: true,
      maxRemovals: { percent: 100 },
      chunkSize: 2,
      concurrency: 2,
      onRejected: () => {},
      onProgress: () => {},
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'file.csv:7: Invalid Closing Quote' });
    expect(sink.busy).toBe(0);
    expect(sink.stored.size).toBe(4);
  });

  describe('full export', () => {
    const stored = async () => {
      const sink = new MemorySink();
      await run(sink, ['111111111', '222222222', '333333333', '444444444'].map((n, i) => valid(i + 2, n)));
      return sink;
    };

    it('removes the accounts billing no longer has, but not those whose record was refused', async () => {
      const sink = await stored();
      const refused: CheckedRecord = { line: 3, accountNumber: '222222222', problems: [{ field: 'holder_email', code: 'EMAIL_INVALID', reason: 'x' }] };
      const { summary } = await run(sink, [valid(2, '111111111'), refused, valid(4, '333333333')], { fullExport: true });
      expect(summary).toMatchObject({ removed: 1, rejected: 1 });
      expect([...sink.stored.keys()].sort()).toEqual(['111111111', '222222222', '333333333']);
    });

    it('removes nothing when a refused record has no readable account number', async () => {
      const sink = await stored();
      const refused: CheckedRecord = { line: 3, problems: [{ field: 'account_number', code: 'ACCOUNT_NUMBER_INVALID', reason: 'x' }] };
      const { summary } = await run(sink, [valid(2, '111111111'), refused, valid(4, '333333333')], { fullExport: true });
      expect(summary.removed).toBe(0);
      expect(summary.removalSkipped).toMatch(/1 refused record has no readable account number/);
      expect(sink.stored.size).toBe(4);
    });

    it('removes nothing when more accounts are missing than allowed (a truncated file)', async () => {
      const sink = await stored();
      const error = await run(sink, [valid(2, '111111111')], { fullExport: true, maxRemovals: { percent: 50 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TooManyRemovalsError);
      expect(error).toMatchObject({ wouldRemove: 3, stored: 4, limit: 2 });
      expect(sink.stored.size).toBe(4);
      const { summary } = await run(sink, [valid(2, '111111111')], { fullExport: true, maxRemovals: { count: 3 } });
      expect(summary.removed).toBe(3);
    });

    it('removes nothing without --full-export', async () => {
      const sink = await stored();
      const { summary } = await run(sink, [valid(2, '111111111')]);
      expect(summary.removed).toBe(0);
      expect(sink.stored.size).toBe(4);
    });
  });
});

describe('retryUnprocessed', () => {
  const policy = (delays: number[], maxAttempts = 5): BackoffPolicy => ({
    maxAttempts,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    random: () => 0.5,
    sleep: async (ms) => void delays.push(ms),
  });

  it('retries what is left unprocessed, waiting a jittered, doubling, capped delay', async () => {
    const delays: number[] = [];
    const calls: string[][] = [];
    const leftovers = [['b', 'c'], ['c'], ['c'], ['c'], []];
    await retryUnprocessed('BatchWriteItem', ['a', 'b', 'c'], (w) => w.length, async (work) => (calls.push(work), leftovers.shift()), policy(delays));
    expect(calls).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c'], ['c'], ['c']]);
    expect(delays).toEqual([50, 100, 200, 400]);
  });

  it('gives up after maxAttempts calls with what remains', async () => {
    const delays: number[] = [];
    const error = await retryUnprocessed('BatchWriteItem', ['a'], (w) => w.length, async (work) => work, policy(delays, 8)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect(error).toMatchObject({ remaining: 1, message: expect.stringContaining('after 8 attempts') });
    expect(delays).toEqual([50, 100, 200, 400, 500, 500, 500]);
  });
});
