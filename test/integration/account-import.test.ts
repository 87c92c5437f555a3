import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { openAccountFile } from '../../shared/adapters/account-file-reader';
import { DynamoDbAccountImportSink } from '../../shared/adapters/dynamodb-account-import';
import { importAccountRecords, type ImportOptions } from '../../shared/domain/account-import';
import { issueActivation } from '../../shared/domain/issue-activation';
import { registerWithActivation } from '../../shared/domain/register';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { verifyActivation } from '../../shared/domain/verify-activation';
import { newId } from '../../shared/domain/secrets';
import { addUser } from '../../shared/domain/user-management';
import { LOCAL_AWS } from '../../infra/local/dynamodb-local';
import { freePort } from '../../infra/local/ports';
import { dynamoDbPorts, dynamoDbWithTable } from '../fixtures/emulators';

const ROOT = path.resolve(__dirname, '../..');
const HEADER = 'account_number,company_name,language,holder_name,holder_email,services,service_postal_code,billing_postal_code,authorized_users';
const ROWS = [
  '123456789,Boulangerie Tremblay inc.,fr,Marie Tremblay,marie.tremblay@example.com,internet;tv,H2X 1Y4,H2X 1Y4,',
  '987654321,Northwind Logistics Ltd.,en,John Smith,john.smith@example.com,internet;phone,K1A 0B1,K2P 1L4,',
  '555000111222,Transport Mobile Côté,fr,Sophie Côté,sophie.cote@example.com,mobility,,G1R 4P5,"[{""name"":""Julie Roy"",""email"":""julie.roy@example.com"",""role"":""secondary""}]"',
];

let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let dir: string;

beforeAll(async () => {
  db = await dynamoDbWithTable();
  dir = mkdtempSync(path.join(tmpdir(), 'account-import-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.stop();
});

function exportFile(name: string, rows: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
  return file;
}

async function importFile(file: string, options: Partial<ImportOptions> = {}) {
  const rejected: unknown[] = [];
  const summary = await importAccountRecords(
    { sink: new DynamoDbAccountImportSink(db.client, db.tableName), clock: dynamoDbPorts(db).clock },
    openAccountFile(file, 'csv').records,
    {
      dryRun: false,
      fullExport: false,
      maxRemovals: { percent: 50 },
      chunkSize: 100,
      concurrency: 4,
      onRejected: (record) => void rejected.push(record),
      onProgress: () => {},
      ...options,
    },
  );
  return { summary, rejected };
}

/** Every item of the table, as stored. */
async function tableItems(): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let startKey: Record<string, any> | undefined;
  do {
    const page = await db.client.send(new ScanCommand({ TableName: db.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items.sort((a, b) => `${a.pk}/${a.sk}`.localeCompare(`${b.pk}/${b.sk}`));
}

const profiles = async () => (await tableItems()).filter((item) => item.sk === 'PROFILE');

describe('account import on DynamoDB Local', () => {
  it('imports an export, then re-imports it without duplicates or writes', async () => {
    const file = exportFile('first.csv', ROWS);
    const first = await importFile(file);
    expect(first.summary).toMatchObject({ read: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 });
    const after = await profiles();
    expect(after.map((item) => item.pk)).toEqual(['ACCOUNT#123456789', 'ACCOUNT#555000111222', 'ACCOUNT#987654321']);
    // The item the service reads (`DynamoDbAccountDirectory`).
    expect(await dynamoDbPorts(db).accounts.get('555000111222')).toEqual({
      accountNumber: '555000111222',
      companyName: 'Transport Mobile Côté',
      language: 'fr',
      holder: { name: 'Sophie Côté', email: 'sophie.cote@example.com' },
      services: ['mobility'],
      billingAddress: { postalCode: 'G1R4P5' },
      authorizedUsers: [{ name: 'Julie Roy', email: 'julie.roy@example.com', role: 'secondary' }],
    });

    const second = await importFile(file);
    expect(second.summary).toMatchObject({ read: 3, created: 0, updated: 0, unchanged: 3 });
    expect(await profiles()).toEqual(after);
  });

  it('updates a changed account and leaves logins, activations, people and history untouched', async () => {
    const deps = dynamoDbPorts(db);
    // The holder of 123456789 registers (login, username, registration state, history) and adds a technical user;
    // 987654321 has a pending activation.
    const registered = await registerWithIdentity(deps, {
      accountNumber: '123456789',
      postalCode: 'H2X 1Y4',
      email: 'marie.tremblay@example.com',
      username: 'marie.tremblay',
      password: 'Boulang3rie',
    });
    const login = (await tableItems()).find((item) => item.pk.startsWith('USER#') && item.sk === 'USER')!;
    await addUser(deps, { sessionId: 's', userId: login.pk.slice('USER#'.length), accountNumber: '123456789', role: 'holder' }, {
      name: 'TechnoServices',
      email: 'support@technoservices.example.com',
      role: 'technical',
    });
    await issueActivation(deps, { activationId: newId(), accountNumber: '987654321', channel: 'agent' });
    expect(registered.username).toBe('marie.tremblay');
    const others = async () => (await tableItems()).filter((item) => item.sk !== 'PROFILE');
    const before = await others();
    expect(before.map((item) => item.sk)).toEqual(expect.arrayContaining(['REGISTRATION', 'USER', 'USERNAME', 'ACTIVATION', expect.stringMatching(/^PERSON#/)]));

    const changed = exportFile('changed.csv', [ROWS[0]!.replace('Boulangerie Tremblay inc.', 'Boulangerie Tremblay et fils'), ROWS[1]!, ROWS[2]!]);
    const { summary } = await importFile(changed);
    expect(summary).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect((await deps.accounts.get('123456789'))!.companyName).toBe('Boulangerie Tremblay et fils');
    expect(await others()).toEqual(before);
  });

  it('removes accounts a full export no longer lists: their activations stop working, logins stay', async () => {
    const deps = dynamoDbPorts(db);
    const activationId = newId();
    await issueActivation(deps, { activationId, accountNumber: '555000111222', channel: 'agent' });
    const token = deps.notifier.sent.find((mail) => mail.token?.startsWith(activationId))!.token!;
    const loginsBefore = (await tableItems()).filter((item) => item.pk.startsWith('USER'));

    const withoutMobility = exportFile('full.csv', [ROWS[0]!.replace('Boulangerie Tremblay inc.', 'Boulangerie Tremblay et fils'), ROWS[1]!]);
    const partial = await importFile(withoutMobility);
    expect(partial.summary.removed).toBe(0);
    expect(await deps.accounts.get('555000111222')).toBeDefined();

    const full = await importFile(withoutMobility, { fullExport: true });
    expect(full.summary).toMatchObject({ read: 2, unchanged: 2, removed: 1 });
    expect(await deps.accounts.get('555000111222')).toBeUndefined();
    // Its link is revoked: opening it says so (410), and it registers nothing.
    await expect(verifyActivation(deps, { activationToken: token })).rejects.toMatchObject({ code: 'ACTIVATION_REVOKED' });
    await expect(registerWithActivation(deps, { activationToken: token, username: 'sophie.cote', password: 'Mobil1te' })).rejects.toMatchObject({
      code: 'ACTIVATION_REVOKED',
    });
    expect((await tableItems()).filter((item) => item.pk.startsWith('USER'))).toEqual(loginsBefore);
    // Billing lists it again: it is back, as new.
    const back = await importFile(exportFile('back.csv', ROWS), { fullExport: true });
    expect(back.summary).toMatchObject({ created: 1, removed: 0 });
  });

  it('runs from the command line: progress, a rejected-records report by line, field and reason, a summary', async () => {
    const file = exportFile('cli.csv', [
      ...ROWS,
      '444444444,Quatre inc.,es,Ann Roy,ann.roy@example.com,internet,H2X 1Y4,H2X 1Y4,',
      '12,Cinq inc.,fr,Bob Roy,bob@,internet,H2X 1Y4,H2X 1Y4,',
      '987654321,Northwind again,en,John Smith,john.smith@example.com,internet,K1A 0B1,K2P 1L4,',
    ]);
    const report = path.join(dir, 'rejected.csv');
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'functions/tools/import-accounts.ts', file, '--table', db.tableName, '--report', report], {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_DYNAMODB: db.local.endpoint,
        AWS_REGION: LOCAL_AWS.region,
        AWS_ACCESS_KEY_ID: LOCAL_AWS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS.secretAccessKey,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(code).toBe(3);
    expect(stdout).toMatch(/^6 read, 0 written \(0 new, 0 changed\), 3 unchanged, 3 rejected, 0 removed; \d+:\d\d \([\d,]+ records\/s, peak memory \d+ MB\)$/m);
    expect(stdout).toContain(`Rejected records: ${report} (4 problems)`);
    // Not a terminal: plain progress lines, no carriage returns.
    expect(stderr).toMatch(/^import: 100% read, 6 records/m);
    expect(stderr).not.toContain('\r');
    expect(readFileSync(report, 'utf8').trim().split('\n')).toEqual([
      'line,account_number,field,code,reason',
      '5,444444444,language,LANGUAGE_INVALID,"""es"" is not allowed: fr or en (empty: fr)"',
      '6,,account_number,ACCOUNT_NUMBER_INVALID,9 to 12 digits (spaces and hyphens ignored)',
      '6,,holder_email,EMAIL_INVALID,"a valid email address, at most 254 characters"',
      '7,987654321,account_number,DUPLICATE_ACCOUNT,account 987654321 is already on line 3: the later record is ignored',
    ]);
  });

  it('stops on a malformed file, naming the file, the line and what is allowed', async () => {
    const file = path.join(dir, 'malformed.csv');
    writeFileSync(file, `${HEADER}\n${ROWS[0]}\n${ROWS[1]}\n555000111222,"Transport" Mobile,fr\n`);
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'functions/tools/import-accounts.ts', file, '--table', db.tableName, '--format', 'csv'], {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_DYNAMODB: db.local.endpoint,
        AWS_REGION: LOCAL_AWS.region,
        AWS_ACCESS_KEY_ID: LOCAL_AWS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS.secretAccessKey,
      },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: Invalid Closing Quote: .*within double quotes`, 'm'));

    const usage = spawn(process.execPath, [require.resolve('tsx/cli'), 'functions/tools/import-accounts.ts', file, '--format', 'xlsx'], { cwd: ROOT });
    let usageText = '';
    usage.stderr.on('data', (chunk: Buffer) => (usageText += chunk.toString()));
    expect(await new Promise<number | null>((resolve) => usage.on('close', resolve))).toBe(2);
    expect(usageText).toContain('accounts:import: --format xlsx: allowed values are csv, jsonl');
  });

  it('says how to start the local stack when --local finds none', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'functions/tools/import-accounts.ts', 'docs/samples/billing-export.csv', '--local', `http://127.0.0.1:${port}`], {
      cwd: ROOT,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `accounts:import: no local stack answers at http://127.0.0.1:${port} (ECONNREFUSED). Start it in another terminal with \`npm start\`` +
        ' (`PORT=3100 npm start` for another port, then --local http://localhost:3100), and run the import again.',
    );
    expect(stderr).not.toContain('fetch failed');
  });
});
