/**
 * `npm run bench:import [-- COUNT]`: the account import's rate and peak memory.
 *
 * Generates a billing export of COUNT accounts (default 100,000; kept in the OS temp dir per
 * count), starts DynamoDB Local with a fresh service table, and runs `accounts:import` on it as an
 * operator would (a child process, `--table`, the endpoint from `AWS_ENDPOINT_URL_DYNAMODB`):
 * once into the empty table, then again (every account unchanged). Prints each run's summary line
 * (rate, and the import process's peak RSS). IMPORT_ARGS adds options, e.g. `--concurrency 8`.
 */
// The SDK's Node 22 notice is noise in a benchmark's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createServiceTable, LOCAL_AWS, startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { generateBillingExport } from './generate-billing-export';

const ROOT = path.resolve(__dirname, '../..');

async function run(file: string, endpoint: string, tableName: string): Promise<string> {
  // Exactly what `npm run accounts:import` runs (its V8 heap flags included), minus npm itself.
  const [runner, ...args] = (require(path.join(ROOT, 'package.json')).scripts['accounts:import'] as string).split(' ');
  if (runner !== 'tsx') throw new Error('accounts:import no longer runs tsx: update this benchmark');
  const extra = (process.env.IMPORT_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), ...args, file, '--table', tableName, ...extra], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`accounts:import exited with ${code}:\n${out}`);
  return out.trim();
}

async function countProfiles(client: DynamoDBClient, tableName: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, any> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', FilterExpression: 'sk = :p', ExpressionAttributeValues: { ':p': { S: 'PROFILE' } }, Limit: 1_000, ExclusiveStartKey: startKey }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

async function main() {
  const count = Number(process.argv[2] ?? 100_000);
  const file = path.join(tmpdir(), `billing-export-${count}.csv`);
  if (!existsSync(file)) {
    console.error(`Generating ${file}…`);
    await generateBillingExport(file, count);
  }
  const local = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: local.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS });
  try {
    const tableName = 'bench-import';
    await createServiceTable(client, tableName);
    console.log(`${count.toLocaleString('en-US')} accounts into DynamoDB Local (${process.version}):`);
    console.log(`  first run:  ${await run(file, local.endpoint, tableName)}`);
    console.log(`  second run: ${await run(file, local.endpoint, tableName)}`);
    console.log(`  accounts in the table: ${(await countProfiles(client, tableName)).toLocaleString('en-US')}`);
  } finally {
    client.destroy();
    await local.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
