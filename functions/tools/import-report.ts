import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { RejectedRecord } from '../../shared/domain/account-import';

/**
 * The rejected-records report: one row per problem (line, account number, field, code, reason),
 * as CSV when the file name ends in `.csv`, else JSON Lines. Holds no email address or postal
 * code: the line number leads back to the record in the export.
 */
export class RejectedRecordsReport {
  private readonly out: WriteStream;
  private readonly csv: boolean;
  rows = 0;

  private failure?: Error;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    // A path that cannot be written (no such directory) fails the import at the next record.
    this.out.on('error', (error) => (this.failure = new Error(`cannot write the report ${path}: ${error.message}`)));
    this.csv = /\.csv$/i.test(path);
    if (this.csv) this.out.write('line,account_number,field,code,reason\n');
  }

  /** Appends a record's problems; waits when the disk is behind. */
  async add(record: RejectedRecord): Promise<void> {
    if (this.failure) throw this.failure;
    for (const problem of record.problems) {
      this.rows++;
      const row = this.csv
        ? [String(record.line), record.accountNumber ?? '', problem.field, problem.code, problem.reason].map(csvCell).join(',') + '\n'
        : JSON.stringify({ line: record.line, accountNumber: record.accountNumber ?? null, ...problem }) + '\n';
      if (!this.out.write(row)) await once(this.out, 'drain');
    }
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.out.destroyed) return;
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
    if (this.failure) throw this.failure;
  }
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
