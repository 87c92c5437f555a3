import { createHash } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDbClient } from '../adapters/aws-clients';
import { tableConfig } from '../config';
import { ValidationError } from '../domain/errors';
import type { HttpRequest, IdempotencyMiddlewares } from './http-handler';

/** A repeat within this window with the same key and body gets the first answer. */
export const IDEMPOTENCY_WINDOW_SECONDS = 86_400;
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

type Request = Parameters<NonNullable<MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>['before']>>[0];
type Event = APIGatewayProxyEvent & {
  request?: HttpRequest & { idempotencyScope?: { key: string; session: string | null }; idempotencyPayload?: unknown };
};

/**
 * The `Idempotency-Key` header of a state-changing route (spec §4), on Powertools Idempotency:
 * a repeat with the same key and body within 24 h gets the first answer (status, headers and
 * body) without the work being done again; another body → 422 `IDEMPOTENCY_KEY_REUSED`; a
 * repeat while the first still runs → 409 `REQUEST_IN_PROGRESS`. Without the header, nothing
 * changes.
 *
 * Records live in the service's table under `IDEMPOTENCY#<route>`, with a TTL; their key hashes
 * the route, the client's key and, on session routes, the caller's `Authorization` header, so
 * that no client can replay another's answer. Only answers without secrets are kept: sign-in
 * (whose answer is a session token) does not take part.
 */
export function idempotency(route: string): IdempotencyMiddlewares {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: tableConfig().TABLE_NAME,
    awsSdkV3Client: dynamoDbClient(),
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: `IDEMPOTENCY#${route}`,
    expiryAttr: 'ttl',
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'request.idempotencyScope',
    payloadValidationJmesPath: 'request.idempotencyPayload',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
    throwOnNoIdempotencyKey: false,
    responseHook: (response) => {
      const replayed = response as unknown as APIGatewayProxyResult;
      return { ...replayed, headers: { ...replayed.headers, 'idempotent-replayed': 'true' } } as never;
    },
  });
  const powertools = makeHandlerIdempotent({ persistenceStore, config, keyPrefix: route });
  // Powertools' onError deletes the key's record. When the refusal came from its own check (a
  // repeat in progress, a reused key), that record is the first request's: keep it.
  const active = (request: Request) => (request.internal as Record<string, unknown>)['idempotency.active'] === true;

  const replay: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> = {
    before: async (request) => {
      const http = (request.event as Event).request!;
      const key = http.headers['idempotency-key'];
      // A malformed key is refused by `refuseMalformedIdempotencyKey`, after authentication: a
      // caller without a valid session hears 401 first, whatever else is wrong.
      if (key === undefined || !KEY_PATTERN.test(key)) return;
      http.idempotencyScope = { key, session: http.headers.authorization ?? null };
      // What a repeat must match: the body as sent, hashed here (Powertools would walk a parsed
      // body recursively, and a deeply nested one would overflow the stack before validation).
      http.idempotencyPayload = createHash('sha256').update(rawBody(request.event)).digest('base64url');
      const replayed = await powertools.before!(request as never);
      (request.internal as Record<string, unknown>)['idempotency.active'] = true;
      return replayed as never;
    },
    after: async (request) => {
      if (active(request)) await powertools.after!(request as never);
    },
    onError: async (request) => {
      if (active(request)) await powertools.onError!(request as never);
    },
  };
  return { replay, refuseMalformedKey: refuseMalformedIdempotencyKey() };
}

function rawBody(event: APIGatewayProxyEvent): string {
  if (event.body == null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** 400 `VALIDATION_FAILED` on a malformed `Idempotency-Key` (1–64 of `[A-Za-z0-9_-]`). */
function refuseMalformedIdempotencyKey(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: async (request) => {
      const key = (request.event as Event).request!.headers['idempotency-key'];
      if (key !== undefined && !KEY_PATTERN.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', code: 'IDEMPOTENCY_KEY_INVALID' }]);
    },
  };
}
