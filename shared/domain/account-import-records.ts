import { createHash } from 'node:crypto';
import { canonicalAccountJson, type Account } from './account';
import { accountSchema, parseAccount } from './account-schema';
import { normalizeAccountNumber } from './field-rules';

/**
 * The records of a billing export, as the account import reads them (CSV or JSON Lines), checked
 * one by one with the account's own rules (`account.ts`, built on `field-rules.ts`). Pure: the
 * reading of files is the adapters' job, the writing the import's sink's.
 */

/** Why a field of a record was refused. The first four are the spec's field codes. */
export type ImportProblemCode =
  | 'FIELD_REQUIRED'
  | 'ACCOUNT_NUMBER_INVALID'
  | 'EMAIL_INVALID'
  | 'POSTAL_CODE_INVALID'
  | 'LANGUAGE_INVALID'
  | 'SERVICE_INVALID'
  | 'ROLE_INVALID'
  | 'VALUE_INVALID'
  | 'JSON_INVALID'
  | 'COLUMN_COUNT'
  | 'DUPLICATE_ACCOUNT';

/** One problem of one record: the field as the file names it (column or JSON path). */
export interface RecordProblem {
  field: string;
  code: ImportProblemCode;
  reason: string;
}

/** A record of the file, checked: the account to write, or why it was refused. */
export type CheckedRecord =
  | { line: number; account: Account }
  | { line: number; accountNumber?: string; problems: RecordProblem[] };

/** A problem with the file itself (header, quoting): the import stops and names the line. */
export class ImportFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImportFileError';
  }
}

export const LANGUAGES = ['fr', 'en'] as const;
export const SERVICES = ['internet', 'tv', 'phone', 'mobility'] as const;
export const ROLES = ['secondary', 'technical'] as const;

/** The CSV columns, in the order of the documented export (`docs/account-import.md`). */
export const CSV_COLUMNS = [
  'account_number',
  'company_name',
  'language',
  'holder_name',
  'holder_email',
  'services',
  'service_postal_code',
  'billing_postal_code',
  'authorized_users',
] as const;
const REQUIRED_COLUMNS = ['account_number', 'company_name', 'holder_name', 'holder_email', 'services', 'billing_postal_code'];
// Authorized users as repeated columns: authorized_user_1_name, authorized_user_1_email, …
const REPEATED_USER_COLUMN = /^authorized_user_(\d{1,2})_(name|email|role)$/;

/** A field's name in the file, from its path in the account record. */
type FieldNamer = (path: readonly PropertyKey[]) => string;

const jsonPath: FieldNamer = (path) =>
  path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)), '') || '(record)';

/**
 * Checks one record (the account as in `{"accounts": [...]}`), naming fields by `fieldName`.
 * Returns the normalized account, or every problem of the record at once.
 */
export function checkAccountRecord(record: unknown, line: number, fieldName: FieldNamer = jsonPath): CheckedRecord {
  const parsed = parseAccount(record);
  if ('account' in parsed) return { line, account: parsed.account };
  const rawNumber = (record as { accountNumber?: unknown } | null)?.accountNumber;
  const accountNumber = typeof rawNumber === 'string' ? normalizeAccountNumber(rawNumber) : undefined;
  const result = accountSchema.safeParse(record);
  if (result.success) {
    // The one rule outside the schema: only a mobility-only account may have no service address.
    const reason = 'required unless the account has mobility services only';
    return { line, accountNumber, problems: [{ field: fieldName(['serviceAddress', 'postalCode']), code: 'FIELD_REQUIRED', reason }] };
  }
  const problems: RecordProblem[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const problem = describeIssue(record, issue.path, fieldName);
    // A missing object (say `holder`) fails once per member: one line per field is enough.
    if (seen.has(problem.field)) continue;
    seen.add(problem.field);
    problems.push(problem);
  }
  return { line, accountNumber, problems };
}

function describeIssue(record: unknown, path: readonly PropertyKey[], fieldName: FieldNamer): RecordProblem {
  const value = path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined), record);
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  const field = fieldName(path);
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
    return { field, code: 'FIELD_REQUIRED', reason: 'required' };
  }
  if (path.length === 1 && (last === 'services' || last === 'authorizedUsers')) {
    return { field, code: 'VALUE_INVALID', reason: 'a list is expected' };
  }
  if (typeof value !== 'string') {
    return { field, code: 'VALUE_INVALID', reason: `a text value is expected, not ${Array.isArray(value) ? 'a list' : typeof value}` };
  }
  if (last === 'accountNumber') return { field, code: 'ACCOUNT_NUMBER_INVALID', reason: '9 to 12 digits (spaces and hyphens ignored)' };
  if (last === 'email') return { field, code: 'EMAIL_INVALID', reason: 'a valid email address, at most 254 characters' };
  if (last === 'postalCode') return { field, code: 'POSTAL_CODE_INVALID', reason: 'a Canadian postal code, A1A 1A1' };
  if (last === 'language') return { field, code: 'LANGUAGE_INVALID', reason: `"${String(value)}" is not allowed: ${LANGUAGES.join(' or ')} (empty: fr)` };
  if (path[0] === 'services' && typeof last === 'number') {
    return { field, code: 'SERVICE_INVALID', reason: `"${String(value)}" is not allowed: ${SERVICES.join(', ')}` };
  }
  if (last === 'role') return { field, code: 'ROLE_INVALID', reason: `"${String(value)}" is not allowed: ${ROLES.join(' or ')}` };
  if (last === 'companyName' || (last === 'name' && (parent === 'holder' || typeof parent === 'number'))) {
    return { field, code: 'VALUE_INVALID', reason: '1 to 200 characters' };
  }
  return { field, code: 'VALUE_INVALID', reason: 'not a valid value' };
}

/** The column of a CSV export that holds a field of the account. */
function csvFieldNamer(usersAsColumns: boolean): FieldNamer {
  return (path) => {
    const [first, second, third] = path;
    switch (first) {
      case 'accountNumber':
        return 'account_number';
      case 'companyName':
        return 'company_name';
      case 'language':
        return 'language';
      case 'holder':
        return second === 'email' ? 'holder_email' : 'holder_name';
      case 'services':
        return 'services';
      case 'serviceAddress':
        return 'service_postal_code';
      case 'billingAddress':
        return 'billing_postal_code';
      case 'authorizedUsers':
        if (typeof second !== 'number') return usersAsColumns ? 'authorized_user_1_name' : 'authorized_users';
        return usersAsColumns ? `authorized_user_${second + 1}_${String(third ?? 'name')}` : `authorized_users[${second}]${third ? `.${String(third)}` : ''}`;
      default:
        return '(record)';
    }
  };
}

/** How header cells are compared: case, surrounding space, inner spaces and hyphens ignored. */
export function normalizeColumnName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Reads the rows of one CSV export, once its header is known. */
export interface CsvRecordReader {
  /** Columns of the header this import does not know: ignored (a billing export has more). */
  readonly ignoredColumns: string[];
  /** Checks one row (its cells, in header order) that starts on `line` of the file. */
  check(cells: string[], line: number): CheckedRecord;
}

/**
 * Reads the header of a CSV export.
 * @throws ImportFileError (line 1) when a required column is missing, repeated, or both ways of
 *   giving authorized users are used
 */
export function csvRecordReader(header: string[]): CsvRecordReader {
  const names = header.map(normalizeColumnName);
  const index = new Map<string, number>();
  const users = new Map<number, { name?: number; email?: number; role?: number }>();
  const ignoredColumns: string[] = [];
  names.forEach((name, i) => {
    if (index.has(name)) throw new ImportFileError(1, `column "${header[i]}" appears twice`);
    index.set(name, i);
    const repeated = REPEATED_USER_COLUMN.exec(name);
    if (repeated) {
      const n = Number(repeated[1]);
      users.set(n, { ...users.get(n), [repeated[2]!]: i });
    } else if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      ignoredColumns.push(header[i]!.trim());
    }
  });
  const missing = REQUIRED_COLUMNS.filter((name) => !index.has(name));
  if (missing.length > 0) {
    throw new ImportFileError(
      1,
      `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header must name ${REQUIRED_COLUMNS.join(', ')}` +
        ` (optional: language, service_postal_code, and authorized_users as a JSON cell or authorized_user_N_name, _email, _role)`,
    );
  }
  if (users.size > 0 && index.has('authorized_users')) {
    throw new ImportFileError(1, 'authorized users are given both as the authorized_users JSON column and as authorized_user_N_… columns: keep one');
  }
  const userColumns = [...users.entries()].sort(([a], [b]) => a - b);
  const fieldName = csvFieldNamer(users.size > 0);
  const cell = (cells: string[], i: number | undefined) => {
    const value = i === undefined ? undefined : cells[i]?.trim();
    return value === '' ? undefined : value;
  };

  return {
    ignoredColumns,
    check(cells, line) {
      const at = (name: string) => cell(cells, index.get(name));
      if (cells.length !== header.length) {
        const accountNumber = normalizeAccountNumber(at('account_number') ?? '');
        const reason = `${cells.length} fields where the header has ${header.length} (a comma in a value must be within double quotes)`;
        return { line, accountNumber, problems: [{ field: '(record)', code: 'COLUMN_COUNT', reason }] };
      }
      let authorizedUsers: unknown = [];
      const usersCell = at('authorized_users');
      if (usersCell !== undefined) {
        try {
          authorizedUsers = JSON.parse(usersCell);
        } catch {
          const accountNumber = normalizeAccountNumber(at('account_number') ?? '');
          const reason = 'not valid JSON: expected [{"name": …, "email": …, "role": "secondary" | "technical"}, …]';
          return { line, accountNumber, problems: [{ field: 'authorized_users', code: 'JSON_INVALID', reason }] };
        }
      } else if (userColumns.length > 0) {
        // Numbered groups, left empty for accounts with fewer users; a group is kept if any of its cells is filled.
        authorizedUsers = userColumns
          .map(([, columns]) => ({ name: cell(cells, columns.name), email: cell(cells, columns.email), role: cell(cells, columns.role)?.toLowerCase() }))
          .filter((user) => user.name !== undefined || user.email !== undefined || user.role !== undefined);
      }
      const servicePostalCode = at('service_postal_code');
      const billingPostalCode = at('billing_postal_code');
      const services = at('services');
      const record = {
        accountNumber: at('account_number'),
        companyName: at('company_name'),
        language: at('language')?.toLowerCase(),
        holder: { name: at('holder_name'), email: at('holder_email') },
        services: services === undefined ? undefined : services.split(/[\s;|,]+/).filter(Boolean).map((s) => s.toLowerCase()),
        serviceAddress: servicePostalCode === undefined ? undefined : { postalCode: servicePostalCode },
        billingAddress: { postalCode: billingPostalCode },
        authorizedUsers,
      };
      return checkAccountRecord(record, line, fieldName);
    },
  };
}

/** Checks one line of a JSON Lines export: one account object per line. */
export function checkJsonLine(text: string, line: number): CheckedRecord {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return { line, problems: [{ field: '(record)', code: 'JSON_INVALID', reason: `not valid JSON (${(error as Error).message})` }] };
  }
  if (!record || typeof record !== 'object' || Array.isArray(record)) {
    return { line, problems: [{ field: '(record)', code: 'JSON_INVALID', reason: 'expected one JSON object per line' }] };
  }
  return checkAccountRecord(record, line);
}

/**
 * A digest of everything the import writes for an account: equal digests mean the stored item
 * is already what billing says, so a re-run skips it without writing.
 */
export function accountDigest(account: Account): string {
  return createHash('sha256').update(canonicalAccountJson(account), 'utf8').digest('base64url');
}
