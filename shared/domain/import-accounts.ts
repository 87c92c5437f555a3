import type { Account } from './account';
import { parseAccount } from './account-schema';

/** Where imported accounts are written. */
export interface AccountWriter {
  save(account: Account): Promise<'created' | 'updated' | 'unchanged'>;
}

export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  /** Records refused, by position in the file; nothing of them was written. */
  invalid: { index: number; accountNumber?: string; problems: string[] }[];
}

/**
 * Imports billing accounts: validates every record, writes the valid ones (an import of the
 * same file twice changes nothing the second time), and reports what it did.
 */
export async function importAccounts(deps: { accounts: AccountWriter }, records: unknown[]): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, invalid: [] };
  const seen = new Set<string>();
  for (const [index, record] of records.entries()) {
    const parsed = parseAccount(record);
    if ('problems' in parsed) {
      const accountNumber = (record as { accountNumber?: unknown })?.accountNumber;
      report.invalid.push({ index, accountNumber: typeof accountNumber === 'string' ? accountNumber : undefined, problems: parsed.problems });
      continue;
    }
    if (seen.has(parsed.account.accountNumber)) {
      report.invalid.push({ index, accountNumber: parsed.account.accountNumber, problems: ['accountNumber: appears more than once in the file'] });
      continue;
    }
    seen.add(parsed.account.accountNumber);
    report[await deps.accounts.save(parsed.account)]++;
  }
  return report;
}

/** Reads the records of an import file: `{"accounts": [...]}`. */
export function accountRecords(file: unknown): unknown[] {
  const accounts = (file as { accounts?: unknown })?.accounts;
  if (!Array.isArray(accounts)) throw new Error('The file must be a JSON object {"accounts": [ … ]}.');
  return accounts;
}
