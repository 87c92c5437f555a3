import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbActivationStore } from '../../shared/adapters/dynamodb-activations';
import { LOCAL_AWS } from '../../infra/local/dynamodb-local';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { advanceSystemClock } from '../../shared/adapters/system-clock';
import { ACTIVATION_LIFETIME_SECONDS } from '../../shared/domain/activation';
import { newId } from '../../shared/domain/secrets';

/**
 * The deployed state machine definition, run by the local engine with the real workflow
 * handlers, DynamoDB Local and the SES emulator: success and timeout paths.
 */
let stack: LocalStack;
let sfn: SFNClient;
let stateMachineArn: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  sfn = new SFNClient({ endpoint: stack.stepFunctionsEndpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS });
  stateMachineArn = process.env.STATE_MACHINE_ARN!;
});
afterAll(async () => {
  sfn.destroy();
  await stack.close();
});

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const outbox = async () =>
  ((await (await fetch(`${stack.url}/__dev/outbox`)).json()) as { messages: { to: string[]; subject: string; text: string }[] }).messages;
const status = async (executionArn: string) => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;

async function startActivation(accountNumber: string) {
  const activationId = newId();
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: activationId,
      input: JSON.stringify({ kind: 'activation', activationId, accountNumber, channel: 'agent' }),
    }),
  );
  const mail = await waitFor(async () => (await outbox()).find((m) => m.text.includes(`token=${activationId}`)), 'the activation email');
  const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  return { executionArn: executionArn!, token };
}

const post = (path: string, body: unknown) =>
  fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('registration workflow on the local Step Functions engine', () => {
  it('emails the activation, waits, and confirms once the holder registers', async () => {
    const { executionArn, token } = await startActivation('987654321');
    await waitFor(async () => ((await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }))).executions?.some((e) => e.executionArn === executionArn) ? true : undefined), 'the wait');
    const response = await post('/v1/registrations', { activationToken: token, username: 'john.smith.nw', password: 'Northw1nd' });
    expect(response.status).toBe(201);
    expect(await waitFor(async () => ((await status(executionArn)) === 'SUCCEEDED' ? 'SUCCEEDED' : undefined), 'success')).toBe('SUCCEEDED');
    const confirmation = (await outbox()).find((m) => m.subject.startsWith('Your online account was created'));
    expect(confirmation?.to).toEqual(['john.smith@example.com']);
    expect(confirmation?.text).toContain('john.smith.nw');
  });

  it('ends the wait of the activation a newer email replaced: that execution ends revoked, the newer one waits', async () => {
    const accountNumber = '123456789';
    const client = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS });
    const store = new DynamoDbActivationStore(client, process.env.TABLE_NAME!);
    const older = await startActivation(accountNumber);
    await waitFor(async () => (await store.get(older.token.slice(0, 22)))?.taskToken, 'the older activation to park its token');
    const newer = await startActivation(accountNumber);
    // IssueActivation revokes the older activation; AwaitRegistration of the newer one fails the older task.
    expect(await waitFor(async () => ((await status(older.executionArn)) === 'SUCCEEDED' ? 'SUCCEEDED' : undefined), 'the older execution to end')).toBe('SUCCEEDED');
    const { output } = await sfn.send(new DescribeExecutionCommand({ executionArn: older.executionArn }));
    expect(JSON.parse(output!)).toMatchObject({ ended: { Error: 'ActivationRevoked' } });
    expect((await store.get(older.token.slice(0, 22)))?.status).toBe('revoked');
    await waitFor(async () => (await store.get(newer.token.slice(0, 22)))?.taskToken, 'the newer activation to park its token');
    expect(await status(newer.executionArn)).toBe('RUNNING');
    const verify = await post('/v1/activations/verify', { activationToken: older.token });
    expect(((await verify.json()) as { error: { code: string } }).error.code).toBe('ACTIVATION_REVOKED');
    client.destroy();
  });

  it('marks the activation expired when five days pass on the service clock', async () => {
    const { executionArn, token } = await startActivation('555000111222');
    const client = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS });
    const store = new DynamoDbActivationStore(client, process.env.TABLE_NAME!);
    // The five days run from the callback task: it must be waiting (its token parked) first.
    await waitFor(async () => (await store.get(token.slice(0, 22)))?.taskToken, 'the callback task to park its token');
    advanceSystemClock(ACTIVATION_LIFETIME_SECONDS);
    await fetch(`${stack.url}/__dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advanceSeconds":1}' });
    expect(await waitFor(async () => ((await status(executionArn)) === 'SUCCEEDED' ? 'SUCCEEDED' : undefined), 'the timeout path')).toBe('SUCCEEDED');
    const verify = await post('/v1/activations/verify', { activationToken: token });
    expect(verify.status).toBe(410);
    expect(((await verify.json()) as { error: { code: string } }).error.code).toBe('ACTIVATION_EXPIRED');
    expect((await store.get(token.slice(0, 22)))?.status).toBe('expired');
    client.destroy();
  });
});
