import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { httpConfig, memoized } from '../config';
import { AppError, BusyError, ConcurrentUpdateError, ServiceUnavailableError } from '../domain/errors';
import type { Principal } from '../domain/sessions';
import { logger, logInvocation } from '../observability/logger';
import { CORRELATION_HEADER, correlationIdOf, useCorrelationId } from '../observability/correlation';
import { errorBody, jsonResponseText } from './error-body';
import { message, negotiateLanguage, type MessageLanguage } from './messages';
import { MAX_BODY_BYTES } from './routes';

/** What a handler sees of an HTTP request once the stack has checked and parsed it. */
export interface HttpRequest {
  /** The parsed JSON body (`undefined` on routes without one). */
  body: unknown;
  /** Path parameters, percent-decoded once (API Gateway REST passes them still encoded). */
  pathParameters: Record<string, string>;
  /** Query-string parameters, decoded (the last value of a repeated name). */
  query: Record<string, string>;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  language: MessageLanguage;
  /** The caller's address, for per-client limits (never logged). */
  sourceIp: string;
  /** The IAM principal that signed the call, on agent routes (recorded in the audit trail). */
  callerArn?: string;
  method: string;
  path: string;
  /** The signed-in caller, on routes that require a session. */
  principal?: Principal;
}

/** What a handler answers; the stack serializes it and adds the common headers. */
export interface HttpResult {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Event = APIGatewayProxyEvent & {
  request?: HttpRequest;
  correlation?: { id: string; startedAt: number };
  /** The headers, names lower-cased: made by the first middleware that needs them. */
  lowerCaseHeaders?: Record<string, string>;
};

/**
 * Wraps a handler in the service's Middy stack: logger context, JSON body checks (415, 413,
 * `MALFORMED_JSON`), language negotiation, and the one error handler that turns `AppError`s into
 * the spec's error body and anything else into a logged, generic 500.
 */
export function httpHandler(
  options: {
    body: boolean;
    /**
     * A route that only reads (verify a link, check a username, list users): its successful
     * answers log their `request handled` line at DEBUG. API Gateway's access log records every
     * request already (request id = correlation id, route, status, latency), such an answer starts
     * nothing to follow, and at INFO the line was ~4 % of verify's CPU (docs/performance.md, §2).
     * Its refusals and failures log at INFO like every other route's.
     */
    readOnly?: boolean;
    authenticate?: Authenticator;
    /**
     * A state-changing route's `Idempotency-Key` handling, `idempotency(route)` from
     * ./idempotency — passed in, so that only those routes' bundles carry it.
     */
    idempotency?: IdempotencyMiddlewares;
  },
  handle: (request: HttpRequest) => Promise<HttpResult>,
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const stack = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(logInvocation())
    // Before errorResponses: its onError runs after theirs, on the error response they built.
    .use(correlation(options.readOnly ?? false))
    .use(errorResponses())
    .use(requestParsing(options.body));
  // Before authentication: a sign-out retried after it succeeded still gets its 204.
  if (options.idempotency) stack.use(correlatedReplay(options.idempotency.replay));
  if (options.authenticate) stack.use(sessionAuthentication(options.authenticate));
  if (options.idempotency) stack.use(options.idempotency.refuseMalformedKey);
  return stack.handler(async (event) => toResponse(await handle((event as Event).request!)));
}

/** The two places of `Idempotency-Key` handling in the stack: before and after authentication. */
export interface IdempotencyMiddlewares {
  replay: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;
  refuseMalformedKey: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;
}

/**
 * One correlation id per request (the caller's `X-Correlation-Id` when well-formed, else API
 * Gateway's request id): on every log line of the invocation, in the workflow executions it
 * starts (see StepFunctionsWorkflow), and in the answer's `X-Correlation-Id`. Ends with one
 * `request handled` line: the route's template (never the path, which may hold a username),
 * the status and the duration — at DEBUG for a read-only route's success (`readOnly`).
 */
function correlation(readOnly: boolean): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const finish = (request: { event: APIGatewayProxyEvent; response: APIGatewayProxyResult | null | undefined }) => {
    const correlation = (request.event as Event).correlation;
    if (!correlation || !request.response) return;
    // Built by toResponse for this request (replays never get here): its headers are its own.
    (request.response.headers ??= {})[CORRELATION_HEADER] = correlation.id;
    const quiet = readOnly && request.response.statusCode < 400;
    logRequestHandled(request.event, request.response.statusCode, correlation, { quiet });
  };
  return {
    before: async ({ event }) => {
      const id = correlationIdOf(headersOf(event)[CORRELATION_HEADER], event.requestContext?.requestId);
      (event as Event).correlation = { id, startedAt: Date.now() };
      useCorrelationId(id);
    },
    after: async (request) => finish(request),
    onError: async (request) => finish(request),
  };
}

/** A replayed answer (Idempotency-Key) skips the `after` stack: it gets this request's id here. */
function correlatedReplay(
  replay: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    ...replay,
    before: async (request) => {
      const replayed = (await replay.before?.(request)) as APIGatewayProxyResult | undefined;
      const correlation = (request.event as Event).correlation;
      if (replayed === undefined || !correlation) return replayed;
      logRequestHandled(request.event, replayed.statusCode, correlation, { replayed: true });
      return correlatedResponse(replayed, correlation.id);
    },
  };
}

function correlatedResponse(response: APIGatewayProxyResult, id: string): APIGatewayProxyResult {
  return { ...response, headers: { ...response.headers, [CORRELATION_HEADER]: id } };
}

/** The request's record: `quiet` puts it at DEBUG (a read-only route's success, see `httpHandler`). */
function logRequestHandled(
  event: APIGatewayProxyEvent,
  statusCode: number,
  correlation: { id: string; startedAt: number },
  { replayed = false, quiet = false } = {},
): void {
  const fields: Record<string, unknown> = {
    method: event.httpMethod,
    route: event.resource,
    statusCode,
    durationMs: Date.now() - correlation.startedAt,
    // Explicit: a replay ends the invocation's log context before this line.
    correlation_id: correlation.id,
  };
  if (replayed) fields.replayed = true;
  if (quiet) logger.debug('request handled', fields);
  else logger.info('request handled', fields);
}

/** Turns an `Authorization` header into the caller, or throws `UnauthenticatedError` (401). */
export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

/** Session routes: the bearer token is checked before the handler runs (on AWS as locally). */
function sessionAuthentication(authenticate: Authenticator): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: async ({ event }) => {
      const request = (event as Event).request!;
      request.principal = await authenticate(request.headers.authorization);
    },
  };
}

function requestParsing(hasBody: boolean): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: async ({ event }) => {
      const headers = headersOf(event);
      const request: HttpRequest = {
        body: undefined,
        pathParameters: decodePathParameters(event.pathParameters),
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        headers,
        language: negotiateLanguage(headers['accept-language']),
        sourceIp: event.requestContext?.identity?.sourceIp ?? 'unknown',
        callerArn: event.requestContext?.identity?.userArn ?? undefined,
        method: event.httpMethod,
        path: event.path,
      };
      (event as Event).request = request;
      if (!hasBody) return;

      const raw = event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
        throw new AppError(413, 'PAYLOAD_TOO_LARGE', { params: { max: MAX_BODY_BYTES } });
      }
      const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (mediaType !== 'application/json') throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE');
      try {
        request.body = JSON.parse(raw);
      } catch (error) {
        throw new AppError(400, 'MALFORMED_JSON', { cause: error });
      }
    },
  };
}

function errorResponses(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = knownFailure(request.error);
      const language = (request.event as Event).request?.language ?? negotiateLanguage(acceptLanguageOf(request.event));
      if (error instanceof AppError && error.expose) {
        if (error instanceof ServiceUnavailableError) logger.warn('dependency unavailable', { errorName: (error.cause as Error | undefined)?.name });
        else logger.info('request refused', { code: error.code, statusCode: error.statusCode });
        request.response = toResponse({
          statusCode: error.statusCode,
          headers: {
            ...error.headers,
            ...(error.retryAfterSeconds ? { 'retry-after': String(error.retryAfterSeconds) } : {}),
          },
          body: errorBody(error, language),
        });
        return;
      }
      logger.error('request failed', error as Error);
      request.response = toResponse({
        statusCode: 500,
        body: { error: { code: 'INTERNAL_ERROR', message: message('INTERNAL_ERROR', language) } },
      });
    },
  };
}

// Transient failures of AWS services that outlived the SDK's own retries.
const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
]);

/**
 * Gives failures that are not bugs their answer: lost optimistic-concurrency races → 429
 * `TOO_MANY_REQUESTS`; AWS throttling or outages → 503 `SERVICE_UNAVAILABLE`. Both say when to
 * retry; neither is the client's fault nor ours.
 */
function knownFailure(error: Error | null | undefined): Error | null | undefined {
  if (error instanceof ConcurrentUpdateError) return new BusyError(error);
  const sdk = error as (Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }) | null | undefined;
  const status = sdk?.$metadata?.httpStatusCode ?? 0;
  if (sdk && (TRANSIENT_ERROR_NAMES.has(sdk.name) || sdk.$retryable || status >= 500)) return new ServiceUnavailableError(error);
  return error;
}

/** The headers every response carries, made once per cold start (the portal's origin is configuration). */
const headersOfEveryResponse = memoized((): Record<string, string> => {
  const origin = httpConfig().PORTAL_ORIGIN;
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // The portal reads when to retry, whether an answer is a replay of an earlier one, and the
    // request's correlation id (what to quote when reporting a problem).
    ...(origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After, Idempotent-Replayed, X-Correlation-Id', vary: 'Origin' } : {}),
  };
});

/** Serializes a result with the headers every response carries. */
export function toResponse(result: HttpResult): APIGatewayProxyResult {
  // Spreads of one known object only: spreading a conditional (`...(c ? {} : {…})`) before
  // another spread sends V8 down its generic copy, 4–5× the cost of this whole function.
  const headers: Record<string, string> =
    result.body === undefined ? { ...headersOfEveryResponse() } : { ...headersOfEveryResponse(), 'content-type': 'application/json; charset=utf-8' };
  if (result.headers) Object.assign(headers, result.headers);
  return { statusCode: result.statusCode, headers, body: result.body === undefined ? '' : jsonResponseText(result.body) };
}

/** Decodes each path parameter once; a malformed escape is kept as typed, for field validation to refuse. */
function decodePathParameters(parameters: APIGatewayProxyEvent['pathParameters']): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters ?? {})) {
    if (value === undefined || value === null) continue;
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      decoded[name] = value;
    }
  }
  return decoded;
}

function lowerCaseHeaders(headers: APIGatewayProxyEvent['headers'] | null | undefined): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) lowered[name.toLowerCase()] = value;
  return lowered;
}

/** The event's headers with lower-case names, made once per event. */
function headersOf(event: APIGatewayProxyEvent): Record<string, string> {
  return ((event as Event).lowerCaseHeaders ??= lowerCaseHeaders(event.headers));
}

function acceptLanguageOf(event: APIGatewayProxyEvent | undefined): string | undefined {
  return event ? headersOf(event)['accept-language'] : undefined;
}
