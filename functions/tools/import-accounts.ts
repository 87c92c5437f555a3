/**
 * `npm run accounts:import -- FILE [--local [URL]] [--table NAME]`
 *
 * Loads billing accounts (`{"accounts": [...]}`) into the service's table. On AWS, set
 * TABLE_NAME (the stack's `TableName` output) and the usual AWS credentials; against the local
 * stack, `--local` reads the table and endpoint from its `/__dev/info`.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAccountDirectory } from '../../shared/adapters/dynamodb-accounts';
import { accountRecords, importAccounts } from '../../shared/domain/import-accounts';

async function main(argv: string[]): Promise<number> {
  const file = argv.find((arg) => !arg.startsWith('--') && !/^https?:/.test(arg));
  if (!file) {
    console.error('usage: npm run accounts:import -- FILE [--local [URL]] [--table NAME]');
    return 2;
  }
  let tableName = option(argv, '--table') ?? process.env.TABLE_NAME;
  let client = new DynamoDBClient({});
  if (argv.includes('--local')) {
    const url = option(argv, '--local') ?? `http://localhost:${process.env.PORT ?? 3000}`;
    const info = (await (await fetch(`${url}/__dev/info`)).json()) as {
      dynamodb: { endpoint: string; region: string; tables: string[] };
    };
    tableName = info.dynamodb.tables[0];
    client = new DynamoDBClient({
      endpoint: info.dynamodb.endpoint,
      region: info.dynamodb.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }
  if (!tableName) {
    console.error('No table: set TABLE_NAME, pass --table NAME, or --local for the local stack.');
    return 2;
  }

  const records = accountRecords(JSON.parse(readFileSync(file, 'utf8')));
  const report = await importAccounts({ accounts: new DynamoDbAccountDirectory(client, tableName) }, records);
  console.log(`${records.length} records: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.invalid.length} invalid`);
  for (const refused of report.invalid) {
    console.log(`  record ${refused.index}${refused.accountNumber ? ` (${refused.accountNumber})` : ''}: ${refused.problems.join('; ')}`);
  }
  return report.invalid.length > 0 ? 1 : 0;
}

function option(argv: string[], name: string): string | undefined {
  const value = argv[argv.indexOf(name) + 1];
  return argv.includes(name) && value && !value.startsWith('--') ? value : undefined;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`Import failed: ${error.message}`);
    process.exit(1);
  },
);
