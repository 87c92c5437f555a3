/**
 * The floors the service is compared with: a bare `node:http` server doing for each route only
 * the AWS calls that route cannot do without, with the same SDK client settings and against the
 * same DynamoDB Local and Step Functions engine as the service. The bench runs it inside the
 * local stack's process (`stack-process.ts`), on a port of its own, so that both sides meet the
 * same heap (the password hashes' garbage collection grows with it) and the same workflow engine
 * (the executions either side starts run in that process): what differs is only our code.
 *
 * - `POST /v1/activations/verify`: one `GetItem` of the activation (the token names it).
 * - `POST /v1/activation-requests`: one `GetItem` of the account, one `StartExecution` with the
 *   input the service starts (its two unavoidable calls: the answer must not wait for the email).
 * - `POST /v1/sessions`: one `GetItem` of the login and the same argon2id verify
 *   (`Argon2PasswordHasher`). Logins are found by username through a second item; the floor
 *   reads the login directly, its key resolved once the bench has made the logins.
 * - `POST /v1/registrations` (flow B, timed one at a time beside the service's registrations):
 *   the writes a registration cannot do without, in the order they must come — count the
 *   attempt (`UpdateItem`: the lockout counts before anything is checked), the same argon2id
 *   hash, the login's transaction (username, login, the account's holder mark, each
 *   conditional), then the audit event beside the confirmation workflow's `StartExecution`.
 *   No read at all (the service hides its reads behind the hash). Its items are its own
 *   (`…#floor-…` keys), so that it never meets the service's.
 *
 * Also runs alone: `tsx test/bench/baselines.ts`, configured by the environment (`BENCH_*`,
 * `AWS_ENDPOINT_URL_*`); it prints `{"port": n}` once listening.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Argon2PasswordHasher } from '../../shared/adapters/argon2-password-hasher';

/** The baseline's routes, by the service path each one is the floor of. */
export const BASELINE_ROUTES = {
  verify: '/v1/activations/verify',
  activationRequest: '/v1/activation-requests',
  signIn: '/v1/sessions',
  registration: '/v1/registrations',
} as const;

export interface BaselineConfig {
  tableName: string;
  stateMachineArn: string;
  /** username (lower case) → userId, resolved by the bench once the logins exist (read at each sign-in). */
  userIds: Record<string, string>;
  /** The hasher of sign-in and registration floors (one of its own, so that its hashes can be told apart). */
  hasher?: Argon2PasswordHasher;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the baseline server; the SDK clients take their endpoints from `AWS_ENDPOINT_URL_*`, as the service's do. */
export async function startBaselineServer(config: BaselineConfig, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  // The service's client settings (shared/adapters/aws-clients.ts).
  const requestHandler = { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true };
  const dynamoDb = new DynamoDBClient({ maxAttempts: 4, requestHandler });
  const sfn = new SFNClient({ maxAttempts: 4, requestHandler });
  const hasher = config.hasher ?? new Argon2PasswordHasher();

  const routes: Record<string, (body: Record<string, string>) => Promise<[number, unknown]>> = {
    [BASELINE_ROUTES.verify]: async ({ activationToken }) => {
      const id = String(activationToken).slice(0, 22);
      const { Item } = await dynamoDb.send(
        new GetItemCommand({ TableName: config.tableName, Key: { pk: { S: `ACTIVATION#${id}` }, sk: { S: 'ACTIVATION' } } }),
      );
      if (!Item) return [404, { error: { code: 'ACTIVATION_NOT_FOUND' } }];
      return [200, { status: 'valid', purpose: Item.purpose?.S ?? 'holder', expiresAt: Item.expiresAt?.S ?? null }];
    },
    [BASELINE_ROUTES.activationRequest]: async ({ accountNumber, postalCode }) => {
      const number = String(accountNumber).replace(/[\s-]/g, '');
      const { Item } = await dynamoDb.send(
        new GetItemCommand({ TableName: config.tableName, Key: { pk: { S: `ACCOUNT#${number}` }, sk: { S: 'PROFILE' } } }),
      );
      const activationId = randomBytes(16).toString('base64url');
      const onFile = Item?.account?.M?.serviceAddress?.M?.postalCode?.S?.replace(/\s/g, '').toUpperCase();
      const identityVerified = onFile !== undefined && onFile === String(postalCode).replace(/\s/g, '').toUpperCase();
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: config.stateMachineArn,
          name: activationId,
          input: JSON.stringify({ kind: 'activation', activationId, accountNumber: number, channel: 'self-service', identityVerified }),
        }),
      );
      return [202, { status: 'accepted' }];
    },
    [BASELINE_ROUTES.signIn]: async ({ username, password }) => {
      const userId = config.userIds[String(username).toLowerCase()];
      const { Item } = await dynamoDb.send(
        new GetItemCommand({ TableName: config.tableName, Key: { pk: { S: `USER#${userId ?? 'none'}` }, sk: { S: 'USER' } }, ConsistentRead: true }),
      );
      const hash = Item?.passwordHash?.S;
      if (!hash || !(await hasher.verify(String(password), hash))) return [401, { error: { code: 'INVALID_CREDENTIALS' } }];
      return [201, { sessionToken: randomBytes(48).toString('base64url') }];
    },
  };

  /** The floor of flow B's registration (see above): three writes in sequence around the hash. */
  const registerFloor = async ({ accountNumber, username, password }: Record<string, string>): Promise<[number, unknown]> => {
    const account = `floor-${accountNumber}`;
    const now = Math.floor(Date.now() / 1000);
    await dynamoDb.send(
      new UpdateItemCommand({
        TableName: config.tableName,
        Key: { pk: { S: `LOCKOUT#identity:${account}` }, sk: { S: 'LOCKOUT' } },
        UpdateExpression: 'SET attempts = if_not_exists(attempts, :zero) + :one, windowStart = if_not_exists(windowStart, :now), #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(attempts) OR attempts < :max',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':now': { N: String(now) }, ':ttl': { N: String(now + 3660) }, ':max': { N: '5' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const passwordHash = await hasher.hash(String(password));
    const userId = randomBytes(16).toString('base64url');
    const usernameKey = `floor.${String(username).toLowerCase()}`;
    await dynamoDb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: config.tableName, Item: { pk: { S: `USERNAME#${usernameKey}` }, sk: { S: 'USERNAME' }, usernameKey: { S: usernameKey }, userId: { S: userId } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName: config.tableName,
              Item: {
                pk: { S: `USER#${userId}` },
                sk: { S: 'USER' },
                type: { S: 'user' },
                userId: { S: userId },
                username: { S: String(username) },
                usernameKey: { S: usernameKey },
                accountNumber: { S: account },
                role: { S: 'holder' },
                passwordHash: { S: passwordHash },
                status: { S: 'active' },
                createdAt: { S: new Date().toISOString() },
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: config.tableName,
              Key: { pk: { S: `ACCOUNT#${account}` }, sk: { S: 'REGISTRATION' } },
              UpdateExpression: 'SET holderUserId = :userId, version = if_not_exists(version, :zero) + :one',
              ConditionExpression: 'attribute_not_exists(holderUserId)',
              ExpressionAttributeValues: { ':userId': { S: userId }, ':zero': { N: '0' }, ':one': { N: '1' } },
            },
          },
        ],
      }),
    );
    await Promise.all([
      dynamoDb.send(
        new PutItemCommand({
          TableName: config.tableName,
          Item: { pk: { S: `ACCOUNT#${account}` }, sk: { S: `EVENT#${new Date().toISOString()}#${userId.slice(0, 8)}` }, type: { S: 'registered' }, role: { S: 'holder' } },
        }),
      ),
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: config.stateMachineArn,
          name: `confirm-${userId}`,
          input: JSON.stringify({ kind: 'confirmation', accountNumber: account, userId }),
        }),
      ),
    ]);
    return [201, { username, role: 'holder' }];
  };
  routes[BASELINE_ROUTES.registration] = registerFloor;

  const server = createServer((req, res) => {
    const route = req.method === 'POST' ? routes[req.url ?? ''] : undefined;
    if (!route) return reply(res, 404, { error: { code: 'ROUTE_NOT_FOUND' } });
    readBody(req)
      .then((text) => route(JSON.parse(text) as Record<string, string>))
      .then(([status, body]) => reply(res, status, body))
      .catch((error: Error) => reply(res, 500, { error: { code: 'INTERNAL_ERROR', name: error.name } }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        dynamoDb.destroy();
        sfn.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const config: BaselineConfig = {
    tableName: process.env.BENCH_TABLE_NAME ?? 'registration-local',
    stateMachineArn: process.env.BENCH_STATE_MACHINE_ARN ?? '',
    userIds: JSON.parse(process.env.BENCH_USER_IDS ?? '{}') as Record<string, string>,
  };
  startBaselineServer(config).then(
    ({ port }) => process.stdout.write(`${JSON.stringify({ port })}\n`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
