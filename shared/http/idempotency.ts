import { createHash } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDbClient } from '../adapters/aws-clients';
import { DynamoDbIdempotencyRecords } from '../adapters/dynamodb-idempotency';
import { systemClock } from '../adapters/system-clock';
import { tableConfig } from '../config';
import { AppError, ValidationError } from '../domain/errors';
import type { Clock } from '../domain/ports';
import type { HttpRequest, IdempotencyMiddlewares } from './http-handler';
import { logger } from '../observability/logger';

/** A repeat within this window with the same key and body gets the first answer. */
export const IDEMPOTENCY_WINDOW_SECONDS = 86_400;
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** How long a claim holds when the invocation's remaining time is unknown (the longest API timeout). */
const DEFAULT_RUN_MILLISECONDS = 30_000;

/** An answer as the handler gave it, replayed as is. */
export type StoredAnswer = APIGatewayProxyResult;

/** A run's claim on a key: hashes only, never the key, the session or the body themselves. */
export interface IdempotencyClaim {
  keyHash: string;
  payloadHash: string;
  now: Date;
  /** The end of the replay window. */
  expiresAt: Date;
  /** After this, the run that claimed the key can no longer be running (its invocation timed out). */
  inProgressUntil: Date;
}

/** What holds a key that could not be claimed. */
export type HeldKey = { status: 'in-progress'; payloadHash: string } | { status: 'completed'; payloadHash: string; answer: StoredAnswer };

/** A route's `Idempotency-Key` records (`DynamoDbIdempotencyRecords` on AWS and locally). */
export interface IdempotencyRecords {
  /** Claims the key for this run, atomically, unless a live record holds it: then that record. */
  claim(claim: IdempotencyClaim): Promise<{ claimed: true } | { claimed: false; held: HeldKey }>;
  /** Keeps the answer of the run that claimed the key, for the rest of the window. */
  complete(claim: Pick<IdempotencyClaim, 'keyHash' | 'payloadHash' | 'expiresAt'>, answer: StoredAnswer): Promise<void>;
  /** Frees the key after a failed run: a repeat runs the work again. */
  release(keyHash: string): Promise<void>;
}

type Request = Parameters<NonNullable<MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>['before']>>[0];
type Event = APIGatewayProxyEvent & { request?: HttpRequest };
const CLAIM = 'idempotency.claim';

/**
 * The `Idempotency-Key` header of a state-changing route (spec §4): a repeat with the same key and
 * body within 24 h gets the first answer (status, headers and body, plus `Idempotent-Replayed`)
 * without the work being done again; another body → 422 `IDEMPOTENCY_KEY_REUSED`; a repeat while
 * the first still runs → 409 `REQUEST_IN_PROGRESS`. Without the header, nothing changes.
 *
 * The key is scoped by route and, on session routes, by the caller's `Authorization` header, so
 * that no client can replay another's answer. Only answers without secrets are kept: sign-in
 * (whose answer is a session token) does not take part. Refusals and failures are not kept: the
 * claim is released and a repeat runs again.
 */
export function idempotency(route: string, options: { records?: IdempotencyRecords; clock?: Clock } = {}): IdempotencyMiddlewares {
  const records = options.records ?? new DynamoDbIdempotencyRecords(dynamoDbClient(), tableConfig().TABLE_NAME, route);
  const clock = options.clock ?? systemClock;
  const claimOf = (request: Request) => (request.internal as Record<string, unknown>)[CLAIM] as IdempotencyClaim | undefined;

  const replay: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> = {
    before: async (request) => {
      const http = (request.event as Event).request!;
      const key = http.headers['idempotency-key'];
      // A malformed key is refused by `refuseMalformedIdempotencyKey`, after authentication: a
      // caller without a valid session hears 401 first, whatever else is wrong.
      if (key === undefined || !KEY_PATTERN.test(key)) return;
      const now = clock.now();
      const remaining = request.context?.getRemainingTimeInMillis?.() ?? DEFAULT_RUN_MILLISECONDS;
      const claim: IdempotencyClaim = {
        keyHash: sha256(JSON.stringify([route, key, http.headers.authorization ?? null])),
        // What a repeat must match: the body as sent.
        payloadHash: sha256(rawBody(request.event)),
        now,
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_WINDOW_SECONDS * 1000),
        inProgressUntil: new Date(now.getTime() + remaining),
      };
      const outcome = await records.claim(claim);
      if (outcome.claimed) {
        (request.internal as Record<string, unknown>)[CLAIM] = claim;
        return;
      }
      if (outcome.held.payloadHash !== claim.payloadHash) throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED');
      if (outcome.held.status === 'in-progress') throw new AppError(409, 'REQUEST_IN_PROGRESS', { retryAfterSeconds: 1 });
      const answer = outcome.held.answer;
      return { ...answer, headers: { ...answer.headers, 'idempotent-replayed': 'true' } };
    },
    after: async (request) => {
      const claim = claimOf(request);
      if (!claim || !request.response) return;
      // The work is done: its answer goes out even if keeping it fails (503 after a write that
      // succeeded is what spec §4 rules out). The claim then holds until `inProgressUntil`.
      await records.complete(claim, request.response).catch((error: Error) => logger.warn('idempotency answer not kept', { errorName: error?.name }));
    },
    onError: async (request) => {
      const claim = claimOf(request);
      // Only a claim of this run: a refusal of the key itself (409, 422) leaves the first run's record.
      if (!claim) return;
      await records.release(claim.keyHash).catch((error: Error) => logger.warn('idempotency claim not released', { errorName: error?.name }));
    },
  };
  return { replay, refuseMalformedKey: refuseMalformedIdempotencyKey() };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
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
