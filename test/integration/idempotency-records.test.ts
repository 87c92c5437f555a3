import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { DynamoDbIdempotencyRecords } from '../../shared/adapters/dynamodb-idempotency';
import { AppError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency, type IdempotencyClaim, type IdempotencyRecords, type StoredAnswer } from '../../shared/http/idempotency';
import { dynamoDbWithTable } from '../fixtures/emulators';

/**
 * `Idempotency-Key` records on DynamoDB Local (the claim is one conditional put), and the
 * middleware around a handler: what is kept, what is released, and what a failing store changes.
 */
let db: Awaited<ReturnType<typeof dynamoDbWithTable>>;
let records: DynamoDbIdempotencyRecords;
beforeAll(async () => {
  db = await dynamoDbWithTable();
  records = new DynamoDbIdempotencyRecords(db.client, db.tableName, 'test-route');
});
afterAll(() => db.stop());

let keys = 0;
const NOW = new Date('2026-12-02T10:00:00Z');
const claimAt = (now: Date, overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim => ({
  keyHash: `key-${++keys}`,
  payloadHash: 'body-1',
  now,
  expiresAt: new Date(now.getTime() + 86_400_000),
  inProgressUntil: new Date(now.getTime() + 10_000),
  ...overrides,
});
const answer: StoredAnswer = { statusCode: 201, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"userId":"u1"}\n' };

describe('DynamoDbIdempotencyRecords', () => {
  it('lets one of 20 parallel claims of a key run; the others see it in progress', async () => {
    const claim = claimAt(NOW);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => records.claim(claim)));
    expect(outcomes.filter((outcome) => outcome.claimed)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.claimed)).toEqual(Array(19).fill({ claimed: false, held: { status: 'in-progress', payloadHash: 'body-1' } }));
  });

  it('hands back the kept answer and its body hash once completed', async () => {
    const claim = claimAt(NOW);
    await records.claim(claim);
    await records.complete(claim, answer);
    expect(await records.claim({ ...claim, payloadHash: 'body-2' })).toEqual({ claimed: false, held: { status: 'completed', payloadHash: 'body-1', answer } });
  });

  it('frees a released key, a claim whose run can no longer be running, and a record past its window', async () => {
    const released = claimAt(NOW);
    await records.claim(released);
    await records.release(released.keyHash);
    expect(await records.claim(released)).toEqual({ claimed: true });

    const stuck = claimAt(NOW);
    await records.claim(stuck);
    const justBefore = new Date(stuck.inProgressUntil.getTime() - 1);
    expect((await records.claim({ ...stuck, now: justBefore })).claimed).toBe(false);
    expect(await records.claim({ ...stuck, now: new Date(stuck.inProgressUntil.getTime() + 1) })).toEqual({ claimed: true });

    // TTL deletion lags by up to two days: an answer past its window is not replayed.
    const old = claimAt(NOW);
    await records.claim(old);
    await records.complete(old, answer);
    expect((await records.claim({ ...old, now: new Date(old.expiresAt.getTime() - 1000) })).claimed).toBe(false);
    expect(await records.claim({ ...old, now: new Date(old.expiresAt.getTime() + 1000) })).toEqual({ claimed: true });
  });
});

describe('the Idempotency-Key middleware', () => {
  const context = { functionName: 'test', awsRequestId: 'r', getRemainingTimeInMillis: () => 9_000 } as unknown as Context;
  const post = (key: string, body: string): APIGatewayProxyEvent =>
    ({
      httpMethod: 'POST',
      path: '/v1/things',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body,
      isBase64Encoded: false,
      requestContext: { identity: { sourceIp: '127.0.0.1' } },
    }) as unknown as APIGatewayProxyEvent;
  const errorCode = (response: { body: string }) => JSON.parse(response.body).error?.code;

  it('runs the work once per key and body, refuses another body, and runs again after a refusal', async () => {
    const runs: unknown[] = [];
    const handler = httpHandler({ body: true, idempotency: idempotency('things', { records: new DynamoDbIdempotencyRecords(db.client, db.tableName, 'things') }) }, async (request) => {
      runs.push(request.body);
      if ((request.body as { refuse?: boolean }).refuse) throw new AppError(409, 'USER_ALREADY_EXISTS');
      return { statusCode: 201, body: { run: runs.length } };
    });
    const key = `k-${Date.now()}`;
    const first = await handler(post(key, '{"a":1}'), context);
    const repeat = await handler(post(key, '{"a":1}'), context);
    expect([first.statusCode, repeat.statusCode, repeat.body, repeat.headers?.['idempotent-replayed']]).toEqual([201, 201, first.body, 'true']);
    expect(errorCode(await handler(post(key, '{"a":2}'), context))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(runs).toHaveLength(1);

    // A refused run keeps nothing: its repeat runs again.
    const refused = `r-${Date.now()}`;
    expect(errorCode(await handler(post(refused, '{"refuse":true}'), context))).toBe('USER_ALREADY_EXISTS');
    expect(errorCode(await handler(post(refused, '{"refuse":true}'), context))).toBe('USER_ALREADY_EXISTS');
    expect(runs).toHaveLength(3);
  });

  it('answers a finished run even when its answer cannot be kept; a repeat then waits rather than runs again', async () => {
    const inner = new DynamoDbIdempotencyRecords(db.client, db.tableName, 'unkept');
    const unavailable = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const failingStore: IdempotencyRecords = {
      claim: (claim) => inner.claim(claim),
      complete: async () => {
        throw unavailable;
      },
      release: (keyHash) => inner.release(keyHash),
    };
    const handler = httpHandler({ body: true, idempotency: idempotency('unkept', { records: failingStore }) }, async () => ({ statusCode: 201, body: { done: true } }));
    const key = `u-${Date.now()}`;
    const first = await handler(post(key, '{}'), context);
    expect([first.statusCode, JSON.parse(first.body)]).toEqual([201, { done: true }]);
    // The claim holds until the run's invocation would have timed out: a repeat waits, not reruns.
    const repeat = await handler(post(key, '{}'), context);
    expect([repeat.statusCode, errorCode(repeat), repeat.headers?.['retry-after']]).toEqual([409, 'REQUEST_IN_PROGRESS', '1']);
  });

  it('answers 503 when the records cannot be reached, before doing any work', async () => {
    let ran = false;
    const unreachable: IdempotencyRecords = {
      claim: async () => {
        throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
      },
      complete: async () => undefined,
      release: async () => undefined,
    };
    const handler = httpHandler({ body: true, idempotency: idempotency('down', { records: unreachable }) }, async () => {
      ran = true;
      return { statusCode: 201 };
    });
    const response = await handler(post(`d-${Date.now()}`, '{}'), context);
    expect([response.statusCode, errorCode(response), ran]).toEqual([503, 'SERVICE_UNAVAILABLE', false]);
  });
});
