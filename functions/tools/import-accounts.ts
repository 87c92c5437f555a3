/**
 * `npm run accounts:import -- FILE [--local [URL] | --table NAME [--region R]] [options]`
 *
 * Loads a billing export (CSV or JSON Lines, streamed) into the service's table; see
 * `docs/account-import.md` for the format, the options and what a re-run does. Exit status: 0 all
 * imported, 3 imported but some records were rejected (see the report), 2 usage, 1 failure.
 */
import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { formatOfFile, IMPORT_FORMATS, openAccountFile, type ImportFormat } from '../../shared/adapters/account-file-reader';
import { DynamoDbAccountImportSink } from '../../shared/adapters/dynamodb-account-import';
import { systemClock } from '../../shared/adapters/system-clock';
import { importAccountRecords, TooManyRemovalsError, type ImportSummary, type RejectedRecord } from '../../shared/domain/account-import';
import { ImportFileError } from '../../shared/domain/account-import-records';
import { duration, ImportProgress } from './import-progress';
import { RejectedRecordsReport } from './import-report';

const USAGE = `usage: npm run accounts:import -- FILE [--local [URL] | --table NAME [--region R]] [options]
  FILE                  a billing export: .csv, or .jsonl (one account per line); docs/account-import.md
  --local [URL]         the running local stack (npm start), default http://localhost:\${PORT:-3000}
  --table NAME          the table on AWS (stack output TableName; default: $TABLE_NAME), with --region or $AWS_REGION
  --format csv|jsonl    when the file name does not say it
  --delimiter C         CSV field delimiter (default ,)
  --dry-run             check and compare with the table, write nothing
  --report FILE         rejected records, CSV (.csv) or JSON Lines (default: FILE.rejected.csv beside the export, if any)
  --full-export         the file lists every billing account: stored accounts absent from it are removed
  --max-removals N|P%   a full export removing more than this stops before removing any (default 5%)
  --concurrency N       chunks of 100 records in flight (default 8)`;

class UsageError extends Error {}

interface Options {
  file: string;
  format: ImportFormat;
  delimiter?: string;
  local?: string;
  table?: string;
  region?: string;
  dryRun: boolean;
  report?: string;
  fullExport: boolean;
  maxRemovals: { count: number } | { percent: number };
  concurrency: number;
}

function parseArguments(argv: string[]): Options {
  const flags = new Set(['--dry-run', '--full-export']);
  const valued = new Set(['--table', '--region', '--format', '--delimiter', '--report', '--max-removals', '--concurrency']);
  const values = new Map<string, string>();
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--local') {
      const next = argv[i + 1];
      values.set('--local', next && /^https?:\/\//.test(next) ? argv[++i]! : `http://localhost:${process.env.PORT ?? 3000}`);
    } else if (flags.has(arg)) values.set(arg, 'true');
    else if (valued.has(arg)) {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      values.set(arg, next);
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'no FILE given' : `one FILE only, got ${files.join(' ')}`);
  const file = files[0]!;
  const formatValue = values.get('--format') ?? formatOfFile(file);
  if (!formatValue) throw new UsageError(`cannot tell the format of ${file} from its name: pass --format ${IMPORT_FORMATS.join('|')}`);
  if (!(IMPORT_FORMATS as readonly string[]).includes(formatValue)) {
    throw new UsageError(`--format ${formatValue}: allowed values are ${IMPORT_FORMATS.join(', ')}`);
  }
  const maxRemovals = values.get('--max-removals') ?? '5%';
  const removals = /^(\d+)(%?)$/.exec(maxRemovals);
  if (!removals) throw new UsageError(`--max-removals ${maxRemovals}: a count (500) or a percentage of the stored accounts (5%)`);
  const concurrency = Number(values.get('--concurrency') ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new UsageError('--concurrency: a whole number from 1 to 32');
  const delimiter = values.get('--delimiter');
  if (delimiter !== undefined && delimiter.length !== 1) throw new UsageError('--delimiter: one character, e.g. , or ;');
  if (values.has('--local') && values.has('--table')) throw new UsageError('--local or --table, not both');
  return {
    file,
    format: formatValue as ImportFormat,
    delimiter,
    local: values.get('--local'),
    table: values.get('--table') ?? (values.has('--local') ? undefined : process.env.TABLE_NAME),
    region: values.get('--region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    dryRun: values.has('--dry-run'),
    report: values.get('--report'),
    fullExport: values.has('--full-export'),
    maxRemovals: removals[2] ? { percent: Number(removals[1]) } : { count: Number(removals[1]) },
    concurrency,
  };
}

/** The table to write to: the local stack's (from its `/__dev/info`) or the one named. */
async function connect(options: Options): Promise<{ client: DynamoDBClient; tableName: string; where: string }> {
  if (options.local) {
    let info: { dynamodb: { endpoint: string; region: string; tables: string[] } };
    try {
      const response = await fetch(`${options.local}/__dev/info`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      info = (await response.json()) as typeof info;
    } catch (error) {
      const { cause } = error as { cause?: { code?: string; message?: string } };
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new Error(
        `no local stack answers at ${options.local} (${reason}). Start it in another terminal with \`npm start\`` +
          ` (\`PORT=3100 npm start\` for another port, then --local http://localhost:3100), and run the import again.`,
      );
    }
    const client = new DynamoDBClient({
      endpoint: info.dynamodb.endpoint,
      region: info.dynamodb.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return { client, tableName: info.dynamodb.tables[0]!, where: `the local stack at ${options.local}` };
  }
  if (!options.table) throw new UsageError('no table: pass --local for the local stack, or --table NAME (or set TABLE_NAME) for AWS');
  if (!options.region) throw new UsageError('no region: pass --region R (or set AWS_REGION)');
  const client = new DynamoDBClient({ region: options.region });
  try {
    await client.send(new DescribeTableCommand({ TableName: options.table }));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ResourceNotFoundException') throw new Error(`no table ${options.table} in ${options.region} (the stack output TableName names it)`);
    if (name === 'CredentialsProviderError') throw new Error('no AWS credentials found: set AWS_PROFILE, or sign in with `aws sso login`');
    throw new Error(`cannot reach table ${options.table} in ${options.region}: ${(error as Error).message}`);
  }
  return { client, tableName: options.table, where: `table ${options.table} (${options.region})` };
}

async function main(argv: string[]): Promise<number> {
  // The SDK's notice that its 2027 releases need Node 22 is for deployers, not for this tool's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: Options;
  try {
    options = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`accounts:import: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (!existsSync(options.file)) {
    console.error(`accounts:import: ${options.file}: no such file`);
    return 2;
  }
  let target: Awaited<ReturnType<typeof connect>>;
  try {
    target = await connect(options);
  } catch (error) {
    console.error(`accounts:import: ${(error as Error).message}${error instanceof UsageError ? `\n${USAGE}` : ''}`);
    return error instanceof UsageError ? 2 : 1;
  }

  const source = openAccountFile(options.file, options.format, { delimiter: options.delimiter });
  const startedAt = Date.now();
  const progress = new ImportProgress(process.stderr, source, startedAt);
  const reportPath = options.report ?? join(dirname(options.file), `${basename(options.file).replace(/\.[^.]+$/, '')}.rejected.csv`);
  // Opened at the first rejection, so that a clean run leaves no empty report behind (unless asked for one).
  let report: RejectedRecordsReport | undefined = options.report ? new RejectedRecordsReport(reportPath) : undefined;
  const onRejected = async (record: RejectedRecord) => {
    report ??= new RejectedRecordsReport(reportPath);
    await report.add(record);
  };

  console.error(`Importing ${options.file} (${options.format}) into ${target.where}${options.dryRun ? ', dry run: nothing is written' : ''}`);
  let summary: ImportSummary | undefined;
  try {
    summary = await importAccountRecords({ sink: new DynamoDbAccountImportSink(target.client, target.tableName), clock: systemClock }, source.records, {
      dryRun: options.dryRun,
      fullExport: options.fullExport,
      maxRemovals: options.maxRemovals,
      chunkSize: 100,
      concurrency: options.concurrency,
      accountNumberField: options.format === 'csv' ? 'account_number' : 'accountNumber',
      onRejected,
      onProgress: (tally) => progress.update(tally),
    });
  } catch (error) {
    progress.finish();
    if (error instanceof ImportFileError) console.error(`${options.file}:${error.line}: ${error.message}`);
    else if (error instanceof TooManyRemovalsError) console.error(`accounts:import: ${error.message}; pass --max-removals ${error.wouldRemove} if billing really removed them`);
    else console.error(`accounts:import: failed: ${(error as Error).message}${isConnectionError(error) ? ` (is ${target.where} still running?)` : ''}`);
    console.error('Nothing is lost: the accounts written so far are complete, and a re-run skips them.');
    return 1;
  } finally {
    await report?.close();
    target.client.destroy();
  }
  progress.finish();

  const ignored = source.ignoredColumns();
  if (ignored.length > 0) console.error(`Columns ignored: ${ignored.join(', ')}`);
  const written = summary.created + summary.updated;
  const seconds = Math.max(summary.elapsedMs / 1000, 0.001);
  const verb = summary.dryRun ? 'would write' : 'written';
  console.log(
    `${summary.read.toLocaleString('en-US')} read, ${written.toLocaleString('en-US')} ${verb} (${summary.created} new, ${summary.updated} changed), ` +
      `${summary.unchanged.toLocaleString('en-US')} unchanged, ${summary.rejected.toLocaleString('en-US')} rejected, ` +
      `${summary.removed.toLocaleString('en-US')} ${summary.dryRun ? 'would be removed' : 'removed'}; ` +
      `${duration(seconds)} (${Math.round(summary.read / seconds).toLocaleString('en-US')} records/s, peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB)`,
  );
  if (summary.removalSkipped) console.log(`No account removed: ${summary.removalSkipped}.`);
  if (report) console.log(`Rejected records: ${report.path} (${report.rows} problem${report.rows === 1 ? '' : 's'})`);
  return summary.rejected > 0 ? 3 : 0;
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || /ECONNREFUSED|socket hang up/.test(String((error as Error).message));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`accounts:import: failed: ${error.message}`);
    process.exit(1);
  },
);
