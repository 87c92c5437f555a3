import { Readable } from 'node:stream';
import { csvRecords, jsonLineRecords } from '../../shared/adapters/account-file-reader';
import { accountDigest, checkJsonLine, csvRecordReader, ImportFileError, type CheckedRecord } from '../../shared/domain/account-import-records';

const HEADER = 'account_number,company_name,language,holder_name,holder_email,services,service_postal_code,billing_postal_code';

async function all(records: AsyncIterable<CheckedRecord>): Promise<CheckedRecord[]> {
  const out: CheckedRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

const csv = (text: string) => all(csvRecords(Readable.from([text])));
const problems = (record: CheckedRecord | undefined) => (record && 'problems' in record ? record.problems : []);

describe('CSV billing export', () => {
  it('reads an account, normalizing account number, postal codes, language and services', async () => {
    const [record] = await csv(`${HEADER}\n123 456-789,Boulangerie Tremblay inc.,FR,Marie Tremblay,marie.tremblay@example.com,Internet; TV|phone,h2x 1y4,H2X-1Y4\n`);
    expect(record).toEqual({
      line: 2,
      account: {
        accountNumber: '123456789',
        companyName: 'Boulangerie Tremblay inc.',
        language: 'fr',
        holder: { name: 'Marie Tremblay', email: 'marie.tremblay@example.com' },
        services: ['internet', 'tv', 'phone'],
        serviceAddress: { postalCode: 'H2X1Y4' },
        billingAddress: { postalCode: 'H2X1Y4' },
        authorizedUsers: [],
      },
    });
  });

  it('numbers records by the line an editor shows: blank lines and line breaks within quotes counted', async () => {
    const text = [
      HEADER,
      '111111111,A inc.,,Ann Roy,ann@example.com,mobility,,G1R 4P5',
      '',
      '222222222,"B ""deux""',
      'lignes",en,Bob Roy,bob@example.com,mobility,,G1R 4P5',
      '333333333,C inc.,es,Cid Roy,cid@example.com,mobility,,G1R 4P5',
    ].join('\r\n');
    const records = await csv(text);
    expect(records.map((r) => r.line)).toEqual([2, 4, 6]);
    expect(records[1]).toMatchObject({ account: { companyName: 'B "deux"\r\nlignes', language: 'en' } });
    expect(problems(records[2])).toEqual([{ field: 'language', code: 'LANGUAGE_INVALID', reason: '"es" is not allowed: fr or en (empty: fr)' }]);
  });

  it('gives every problem of a record at once, by column, with the allowed values', async () => {
    const [record] = await csv(`${HEADER}\n12345,,fr,Ann Roy,ann@,internet;cable,,ZZZ 999\n`);
    expect(record).toMatchObject({ line: 2, accountNumber: undefined });
    expect(problems(record)).toEqual([
      { field: 'account_number', code: 'ACCOUNT_NUMBER_INVALID', reason: '9 to 12 digits (spaces and hyphens ignored)' },
      { field: 'company_name', code: 'FIELD_REQUIRED', reason: 'required' },
      { field: 'holder_email', code: 'EMAIL_INVALID', reason: 'a valid email address, at most 254 characters' },
      { field: 'services', code: 'SERVICE_INVALID', reason: '"cable" is not allowed: internet, tv, phone, mobility' },
      { field: 'billing_postal_code', code: 'POSTAL_CODE_INVALID', reason: 'a Canadian postal code, A1A 1A1' },
    ]);
  });

  it('requires a service address unless the account is mobility only', async () => {
    const [record] = await csv(`${HEADER}\n111111111,A inc.,fr,Ann Roy,ann@example.com,internet,,G1R 4P5\n`);
    expect(record).toMatchObject({ accountNumber: '111111111' });
    expect(problems(record)).toEqual([{ field: 'service_postal_code', code: 'FIELD_REQUIRED', reason: 'required unless the account has mobility services only' }]);
  });

  it('reads authorized users from repeated columns, skipping empty groups, and names their columns in problems', async () => {
    const header = `${HEADER},authorized_user_1_name,authorized_user_1_email,authorized_user_1_role,authorized_user_2_name,authorized_user_2_email,authorized_user_2_role`;
    const records = await csv(
      `${header}\n` +
        '111111111,A inc.,fr,Ann Roy,ann@example.com,mobility,,G1R 4P5,Luc Gagnon,luc@example.com,Secondary,,,\n' +
        '222222222,B inc.,fr,Bob Roy,bob@example.com,mobility,,G1R 4P5,Luc Gagnon,luc@example.com,secondary,Tech,tech@example.com,admin\n',
    );
    expect(records[0]).toMatchObject({ account: { authorizedUsers: [{ name: 'Luc Gagnon', email: 'luc@example.com', role: 'secondary' }] } });
    expect(problems(records[1])).toEqual([{ field: 'authorized_user_2_role', code: 'ROLE_INVALID', reason: '"admin" is not allowed: secondary or technical' }]);
  });

  it('reads authorized users from a JSON cell, and refuses one that is not JSON', async () => {
    const records = await csv(
      `${HEADER},authorized_users\n` +
        '111111111,A inc.,fr,Ann Roy,ann@example.com,mobility,,G1R 4P5,"[{""name"":""Luc Gagnon"",""email"":""luc@example.com"",""role"":""technical""}]"\n' +
        '222222222,B inc.,fr,Bob Roy,bob@example.com,mobility,,G1R 4P5,[oops\n',
    );
    expect(records[0]).toMatchObject({ account: { authorizedUsers: [{ name: 'Luc Gagnon', email: 'luc@example.com', role: 'technical' }] } });
    expect(records[1]).toMatchObject({ line: 3, accountNumber: '222222222' });
    expect(problems(records[1])).toEqual([expect.objectContaining({ field: 'authorized_users', code: 'JSON_INVALID' })]);
  });

  it('refuses a row whose field count differs from the header, and goes on', async () => {
    const records = await csv(`${HEADER}\n111111111,A inc.,fr,Ann Roy,ann@example.com,mobility,G1R 4P5\n222222222,B inc.,fr,Bob Roy,bob@example.com,mobility,,G1R 4P5\n`);
    expect(problems(records[0])).toEqual([{ field: '(record)', code: 'COLUMN_COUNT', reason: expect.stringContaining('7 fields where the header has 8') }]);
    expect(records[0]).toMatchObject({ accountNumber: '111111111' });
    expect(records[1]).toMatchObject({ line: 3, account: { accountNumber: '222222222' } });
  });

  it('accepts header names in any case, with spaces, a BOM and extra columns it ignores', () => {
    const reader = csvRecordReader(['\uFEFFAccount Number', 'Company-Name', 'holder_name', 'holder_email', 'Services', 'billing_postal_code', 'Segment']);
    expect(reader.ignoredColumns).toEqual(['Segment']);
  });

  it('stops on a header without a required column, naming the columns expected', () => {
    expect(() => csvRecordReader(['account_number', 'company_name'])).toThrow(ImportFileError);
    expect(() => csvRecordReader(['account_number', 'company_name'])).toThrow(
      /missing columns holder_name, holder_email, services, billing_postal_code; the header must name account_number, company_name/,
    );
  });

  it('stops on a malformed file with the line of the fault', async () => {
    const error = await csv(`${HEADER}\n111111111,A inc.,fr,Ann Roy,ann@example.com,mobility,,G1R 4P5\n222222222,"B" inc.,fr\n`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFileError);
    expect(error).toMatchObject({ line: 3, message: expect.stringContaining('double quotes') });
  });

  it('stops on an empty file', async () => {
    await expect(csv('')).rejects.toThrow('the file is empty');
  });
});

describe('JSON Lines billing export', () => {
  it('reads one account per line, in the shape of the seed file, skipping blank lines', async () => {
    const text = [
      '{"accountNumber":"555000111222","companyName":"Transport Mobile Côté","holder":{"name":"Sophie Côté","email":"sophie.cote@example.com"},"services":["mobility"],"billingAddress":{"postalCode":"G1R 4P5"}}',
      '',
      '{"accountNumber":"987654321","companyName":"N","language":"de","holder":{"name":"John Smith"},"services":"internet","billingAddress":{"postalCode":"K2P 1L4"}}',
      'not json',
    ].join('\n');
    const records = await all(jsonLineRecords(Readable.from([text])));
    expect(records.map((r) => r.line)).toEqual([1, 3, 4]);
    expect(records[0]).toMatchObject({ account: { accountNumber: '555000111222', language: 'fr', billingAddress: { postalCode: 'G1R4P5' } } });
    expect(records[1]).toMatchObject({ accountNumber: '987654321' });
    expect(problems(records[1]).map((p) => [p.field, p.code])).toEqual([
      ['language', 'LANGUAGE_INVALID'],
      ['holder.email', 'FIELD_REQUIRED'],
      ['services', 'VALUE_INVALID'],
    ]);
    expect(problems(records[2])).toEqual([expect.objectContaining({ field: '(record)', code: 'JSON_INVALID' })]);
  });

  it('refuses a line that is JSON but not an object', () => {
    expect(checkJsonLine('[1,2]', 7)).toEqual({ line: 7, problems: [{ field: '(record)', code: 'JSON_INVALID', reason: 'expected one JSON object per line' }] });
  });
});

describe('accountDigest', () => {
  it('is the same whatever the key order, and changes with any value', () => {
    const account = { accountNumber: '111111111', companyName: 'A', language: 'fr', holder: { name: 'Ann', email: 'ann@example.com' }, services: ['mobility'], billingAddress: { postalCode: 'G1R4P5' }, authorizedUsers: [] } as const;
    const reordered = { authorizedUsers: [], billingAddress: { postalCode: 'G1R4P5' }, services: ['mobility'], holder: { email: 'ann@example.com', name: 'Ann' }, language: 'fr', companyName: 'A', accountNumber: '111111111' } as const;
    expect(accountDigest({ ...reordered, services: [...reordered.services], authorizedUsers: [] })).toBe(accountDigest({ ...account, services: [...account.services], authorizedUsers: [] }));
    expect(accountDigest({ ...account, services: ['mobility'], authorizedUsers: [], companyName: 'B' })).not.toBe(accountDigest({ ...account, services: ['mobility'], authorizedUsers: [] }));
  });
});
