import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { registrationStatus } from '../../shared/domain/agent';
import type { AuditEventType } from '../../shared/domain/ports';
import { holderAccount, mobilityAccount } from '../fixtures/accounts';
import { dynamoDbPorts, dynamoDbWithTable, handlerEnvironment } from '../fixtures/emulators';

let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let deps: ReturnType<typeof dynamoDbPorts>;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let closeClients: () => void;
let restoreEnvironment: () => void;

const OWN = holderAccount.accountNumber;
const FOREIGN = mobilityAccount.accountNumber;
const OWN_EVENTS = 120;
const FOREIGN_EVENTS = 55;
const NINETY_DAYS = 90 * 24 * 3600;
// Real time: DynamoDB Local deletes items whose TTL has passed.
const base = Math.floor(Date.now() / 60_000) * 60_000;

beforeAll(async () => {
  db = await dynamoDbWithTable();
  deps = dynamoDbPorts(db);
  await deps.accounts.save(holderAccount);
  await deps.accounts.save(mobilityAccount);
  // Two events per millisecond, as a use case records them on one clock reading; the other
  // account's events interleaved with them.
  for (let i = 0; i < OWN_EVENTS; i++) {
    await deps.audit.record(OWN, { type: 'activation-sent', at: new Date(base + Math.floor(i / 2)), activationId: `own-${i}`, channel: 'agent' });
    if (i < FOREIGN_EVENTS) await deps.audit.record(FOREIGN, { type: 'activation-sent', at: new Date(base + i), activationId: `foreign-${i}` });
  }

  // The deployed handler, on this table: the request as API Gateway passes it, the error body.
  restoreEnvironment = handlerEnvironment(db);
  ({ handler } = await import('../../functions/api/agent-registration-status.handler'));
  ({ closeClients } = await import('../../shared/adapters/aws-clients'));
});
afterAll(async () => {
  closeClients?.();
  restoreEnvironment();
  await db.stop();
});

const context = { functionName: 'agent-registration-status', awsRequestId: 'r' } as Context;

async function get(accountNumber: string, query: Record<string, string> | null) {
  const response = await handler(
    {
      httpMethod: 'GET',
      path: `/v1/agent/accounts/${accountNumber}/registration`,
      resource: '/v1/agent/accounts/{accountNumber}/registration',
      pathParameters: { accountNumber },
      queryStringParameters: query,
      headers: { 'accept-language': 'en' },
      body: null,
      isBase64Encoded: false,
      requestContext: { identity: { sourceIp: '127.0.0.1' } },
    } as unknown as APIGatewayProxyEvent,
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

const cursorRefused = {
  status: 400,
  body: { error: { code: 'VALIDATION_FAILED', fields: [{ field: 'cursor', code: 'FIELD_TYPE_INVALID' }] } },
};

describe('agent registration history', () => {
  it('pages the history newest first, 50 a page, within the account', async () => {
    const pages: string[][] = [];
    const cursors: (string | null)[] = [];
    let cursor: string | undefined;
    do {
      const status = await registrationStatus(deps, { accountNumber: OWN, cursor });
      pages.push(status.history.map((event) => event.activationId!));
      cursors.push(status.nextCursor);
      cursor = status.nextCursor ?? undefined;
    } while (cursor && pages.length < 10);

    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(cursors.map((c) => typeof c)).toEqual(['string', 'string', 'object']);
    expect(cursors[2]).toBeNull();
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(OWN_EVENTS);
    // Newest first, and events of one millisecond in the reverse of the order recorded.
    expect(ids).toEqual(Array.from({ length: OWN_EVENTS }, (_, i) => `own-${OWN_EVENTS - 1 - i}`));
    expect(ids.some((id) => id.startsWith('foreign-'))).toBe(false);
  });

  it('gives no cursor on a last page that is exactly full', async () => {
    const first = await deps.audit.listPage(FOREIGN, { limit: FOREIGN_EVENTS });
    expect(first.events).toHaveLength(FOREIGN_EVENTS);
    expect(first.nextCursor).toBeUndefined();
    const split = await deps.audit.listPage(FOREIGN, { limit: 50 });
    const rest = await deps.audit.listPage(FOREIGN, { limit: 50, cursor: split.nextCursor });
    expect(rest.events.map((e) => e.activationId)).toEqual(['foreign-4', 'foreign-3', 'foreign-2', 'foreign-1', 'foreign-0']);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('answers the pages over HTTP with `?cursor=` and `nextCursor`', async () => {
    const first = await get(OWN, null);
    expect(first.status).toBe(200);
    expect(first.body.history).toHaveLength(50);
    expect(first.body.history[0]).toMatchObject({ type: 'activation-sent', activationId: `own-${OWN_EVENTS - 1}` });
    expect(first.body.history[0]).not.toHaveProperty('ttl');
    const second = await get(OWN, { cursor: first.body.nextCursor });
    expect(second.status).toBe(200);
    expect(second.body.history[0].activationId).toBe(`own-${OWN_EVENTS - 51}`);
    const third = await get(OWN, { cursor: second.body.nextCursor });
    expect(third.body.history).toHaveLength(20);
    expect(third.body.nextCursor).toBeNull();
  });

  it('refuses a malformed cursor with 400 VALIDATION_FAILED, never a 5xx', async () => {
    const { body } = await get(OWN, null);
    const valid: string = body.nextCursor;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const [pk, sk] = JSON.parse(Buffer.from(valid, 'base64url').toString('utf8')) as [string, string];
    const malformed = [
      '',
      'not a cursor!',
      valid.slice(0, -3),
      `${valid}$`,
      'x'.repeat(5000),
      Buffer.from('{"pk":').toString('base64url'),
      encode(null),
      encode([pk]),
      encode([pk, 42]),
      encode([pk, sk, 'extra']),
      // Keys of this very account, but outside its history.
      encode([pk, 'PROFILE']),
      encode([pk, 'REGISTRATION']),
      encode([pk, 'EVENT#']),
      encode([pk, 'PERSON#x']),
      encode([pk, `${sk}\u0000`]),
      encode(['ACTIVATION#x', 'ACTIVATION']),
    ];
    for (const cursor of malformed) {
      expect({ cursor, ...(await get(OWN, { cursor })) }).toMatchObject({ cursor, ...cursorRefused });
    }
  });

  it("refuses another account's cursor", async () => {
    const foreign = await get(FOREIGN, null);
    expect(foreign.body.nextCursor).toEqual(expect.any(String));
    expect(await get(OWN, { cursor: foreign.body.nextCursor })).toMatchObject(cursorRefused);
    await expect(registrationStatus(deps, { accountNumber: OWN, cursor: foreign.body.nextCursor })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      statusCode: 400,
      fields: [{ field: 'cursor', code: 'FIELD_TYPE_INVALID' }],
    });
  });

  it('keeps the events anonymous clients can repeat 90 days, and the others for good', async () => {
    const accountNumber = '300000001';
    const at = new Date(base + 750);
    const types: AuditEventType[] = ['activation-throttled', 'identity-check-failed', 'identity-locked', 'registered', 'activation-sent'];
    for (const type of types) await deps.audit.record(accountNumber, { type, at });

    const { Items } = await db.client.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: marshall({ ':pk': `ACCOUNT#${accountNumber}`, ':prefix': 'EVENT#' }),
        ConsistentRead: true,
      }),
    );
    const ttlByType = Object.fromEntries((Items ?? []).map((item) => unmarshall(item)).map((item) => [item.type, item.ttl]));
    const expiry = Math.floor(at.getTime() / 1000) + NINETY_DAYS;
    expect(ttlByType).toEqual({
      'activation-throttled': expiry,
      'identity-check-failed': expiry,
      'identity-locked': expiry,
      registered: undefined,
      'activation-sent': undefined,
    });
    expect(Object.keys(ttlByType)).toHaveLength(types.length);
  });
});
