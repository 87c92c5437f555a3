import * as z from 'zod/mini';
import { EMAIL_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN } from '../domain/field-rules';
import { fieldCodes } from '../domain/problems';
import { MAX_BODY_BYTES, routes, type Route } from './routes';
import {
  accountNumberField,
  addUserSchema,
  emailField,
  passwordField,
  postalCodeField,
  usernameField,
} from './request-schemas';
import { errorResponseSchema, fieldProblemSchema, type ApiErrorCode } from './response-schemas';
import { WELL_FORMED_CORRELATION_ID } from '../observability/correlation';
import { AWS_ONLY_CODES, RETRY_AFTER, routeContract, routeErrors, routeFieldCodes, type ErrorStatus } from './route-contracts';

/**
 * Builds the OpenAPI 3.1 description of the HTTP API v1 from the route table (./routes), the
 * request schemas (./request-schemas), the response schemas (./response-schemas) and each
 * route's statuses and codes (./route-contracts), with zod's JSON Schema output (draft 2020-12,
 * OpenAPI 3.1's dialect). `npm run openapi` writes it to docs/openapi.json; the local stack
 * serves it at /openapi.json.
 */

/** The JSON Schema / OpenAPI objects this builds; loose on purpose (the validator checks the whole). */
export type JsonObject = { [key: string]: unknown };

/** The description's own version: the API's major version is in its paths (`/v1`). */
export const API_VERSION = '1.0.0';
export const LOCAL_SERVER_URL = 'http://localhost:3000';

// The field rules of shared/domain/field-rules.ts as JSON Schema keywords. The request schemas
// check them in code (every problem at once, with the spec's codes); these say the same for
// clients, and test/unit/openapi.test.ts checks that both accept exactly the same strings.
// Lengths count Unicode code points, as JSON Schema's do.
const RAW = {
  username: `^[A-Za-z0-9._-]*$`,
  // A letter and a digit; none of space = + < > # @ nor control characters.
  password: `^(?=[\\s\\S]*\\p{L})(?=[\\s\\S]*[0-9])[^\\s=+<>#@\\p{Cc}]*$`,
  // Case and surrounding space are ignored (ſ is how JavaScript upper-cases to S), the middle
  // space or hyphen optional; no D F I O Q U, no W or Z first.
  postalCode: `^\\s*[ABCEGHJ-NPRSTVXYabceghj-nprstvxyſ][0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-zſ][ -]?[0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-zſ][0-9]\\s*$`,
  accountNumber: `^[\\s-]*(?:[0-9][\\s-]*){9,12}$`,
  email: `^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_\`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_\`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$`,
  // After trimming: letters of any script, their marks, spaces and ' ’ - . — with a letter.
  name: `^\\s*(?=[\\s\\S]*\\p{L})[\\p{L}\\p{M} \\u00A0'’.-]{1,${NAME_MAX}}\\s*$`,
};

/** The JSON Schema keywords of each checked request field, by the zod schema that checks it. */
export const FIELD_KEYWORDS = new Map<z.ZodMiniType, JsonObject>([
  [usernameField, { minLength: USERNAME_MIN, maxLength: USERNAME_MAX, pattern: RAW.username, description: `${USERNAME_MIN}–${USERNAME_MAX} characters: ASCII letters, digits and . - _ only; unique whatever the case.` }],
  [passwordField, { minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, pattern: RAW.password, description: `${PASSWORD_MIN}–${PASSWORD_MAX} characters with a letter and a digit; none of space = + < > # @ nor control characters.` }],
  [postalCodeField, { pattern: RAW.postalCode, description: 'A Canadian postal code, A1A 1A1; case and the middle space or hyphen do not matter.', examples: ['H2X 1Y4'] }],
  [accountNumberField, { pattern: RAW.accountNumber, description: '9–12 digits; spaces and hyphens are ignored.', examples: ['123 456 789'] }],
  [emailField, { maxLength: EMAIL_MAX, pattern: RAW.email, description: `An email address of at most ${EMAIL_MAX} characters; compared case-insensitively.` }],
  [addUserSchema.def.shape.name, { pattern: RAW.name, description: `After trimming, 1–${NAME_MAX} letters (any script), spaces and ' ’ - . with at least one letter.` }],
  [addUserSchema.def.shape.role, { enum: ['secondary', 'technical'], description: '`secondary`: invited by email; `technical`: recorded, never invited.' }],
]);

/** Every request string is required non-blank (a blank one is `FIELD_REQUIRED`). */
const NON_BLANK = { minLength: 1, pattern: '\\S' };

type Io = 'input' | 'output';

/** A zod schema as a JSON Schema (draft 2020-12) of OpenAPI 3.1, without `$schema`. */
export function jsonSchemaOf(schema: z.ZodMiniType, io: Io): JsonObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      const keywords = FIELD_KEYWORDS.get(zodSchema as unknown as z.ZodMiniType);
      if (io === 'input' && jsonSchema.type === 'string') Object.assign(jsonSchema, keywords ?? NON_BLANK);
      // `format` says it; zod's long pattern for it would only add noise.
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
    },
  }) as JsonObject;
  return json;
}

const TAGS: Record<string, string> = {
  health: 'Health',
  'request-activation': 'Registration',
  'verify-activation': 'Registration',
  'username-availability': 'Registration',
  register: 'Registration',
  'sign-in': 'Sessions',
  'sign-out': 'Sessions',
  'change-password': 'Sessions',
  'request-password-reset': 'Account recovery',
  'verify-password-reset': 'Account recovery',
  'complete-password-reset': 'Account recovery',
  'request-username-reminder': 'Account recovery',
  'list-account-users': 'User Management',
  'add-account-user': 'User Management',
  'resend-invitation': 'User Management',
  'remove-account-user': 'User Management',
  'agent-send-activation': 'Customer Service',
  'agent-registration-status': 'Customer Service',
  'agent-clear-lockouts': 'Customer Service',
};

const PATH_PARAMETERS: Record<string, { description: string; schema: JsonObject }> = {
  username: { description: 'The username to check, percent-encoded (decoded once by the service).', schema: { type: 'string' } },
  userId: { description: 'A user of the account, as User Management lists them (any other value: 404 `USER_NOT_FOUND`).', schema: { type: 'string' } },
  accountNumber: {
    description: 'The account number: 9–12 digits, spaces and hyphens ignored (else 400 `VALIDATION_FAILED`).',
    schema: { type: 'string', pattern: RAW.accountNumber },
  },
};

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** `request-activation` → `requestActivation`. */
function operationId(route: Route): string {
  return route.handler.replace(/-(\w)/g, (_match, letter: string) => letter.toUpperCase());
}

/** `request-activation` → `RequestActivation`. */
function pascal(kebab: string): string {
  const id = kebab.replace(/-(\w)/g, (_match, letter: string) => letter.toUpperCase());
  return id[0]!.toUpperCase() + id.slice(1);
}

function errorResponse(route: Route, status: ErrorStatus, codes: ApiErrorCode[]): JsonObject {
  const retryAfter = codes.map((code) => RETRY_AFTER[code]);
  const awsOnly = codes.filter((code) => AWS_ONLY_CODES.has(code));
  const fieldCodesOf = codes.includes('VALIDATION_FAILED') ? routeFieldCodes(route) : [];
  const description = [
    `${STATUS_TEXT[status]}: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
    ...(awsOnly.length > 0 ? [`On AWS only (API Gateway or WAF): ${awsOnly.map((code) => `\`${code}\``).join(', ')}.`] : []),
  ].join(' ');
  return {
    description,
    headers: {
      ...(retryAfter.some(Boolean) ? { 'Retry-After': retryAfterHeader(codes) } : {}),
      'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' },
    },
    content: { 'application/json': { schema: jsonSchemaOf(errorResponseSchema(codes, fieldCodesOf), 'output') } },
    'x-error-codes': codes,
    ...(fieldCodesOf.length > 0 ? { 'x-field-codes': fieldCodesOf } : {}),
  };
}

/** `Retry-After` of a response whose codes all set it (a shared header), or some of them (said which). */
function retryAfterHeader(codes: ApiErrorCode[]): JsonObject {
  if (codes.every((code) => RETRY_AFTER[code] === 'always')) return { $ref: '#/components/headers/RetryAfter' };
  const which = codes
    .filter((code) => RETRY_AFTER[code])
    .map((code) => `\`${code}\`${RETRY_AFTER[code] === 'sometimes' ? ` (${RETRY_AFTER_WHEN[code] ?? 'on some answers'})` : ''}`);
  return { description: `Seconds to wait before trying again, with ${which.join(', ')}.`, required: false, schema: { type: 'integer', minimum: 1 } };
}

/** When a code that sets `Retry-After` on some answers only sets it. */
const RETRY_AFTER_WHEN: Partial<Record<ApiErrorCode, string>> = {
  TOO_MANY_INVITATIONS: 'past the 24-hour invitation limits; not at the 50-people cap, where removing someone makes room',
};

/** The error responses of every operation, by method and path, then status. */
function errorResponses(): Map<Route, Map<ErrorStatus, JsonObject>> {
  return new Map(
    routes.map((route) => [route, new Map([...routeErrors(route)].map(([status, codes]) => [status, errorResponse(route, status, codes)]))]),
  );
}

/**
 * Error responses that several operations share go to `components.responses` once, named after
 * their status and codes (`Status413PayloadTooLarge`); the others stay inline.
 */
function sharedResponses(all: Map<Route, Map<ErrorStatus, JsonObject>>): Map<string, { name: string; response: JsonObject }> {
  const uses = new Map<string, { status: ErrorStatus; response: JsonObject; count: number }>();
  for (const responses of all.values()) {
    for (const [status, response] of responses) {
      const key = JSON.stringify(response);
      const entry = uses.get(key) ?? { status, response, count: 0 };
      entry.count++;
      uses.set(key, entry);
    }
  }
  const shared = new Map<string, { name: string; response: JsonObject }>();
  const names = new Set<string>();
  for (const [key, { status, response, count }] of uses) {
    // A 400's field codes are the route's own: those stay with their operation.
    if (count < 2 || (response['x-error-codes'] as string[]).includes('VALIDATION_FAILED')) continue;
    const base = `Status${status}${(response['x-error-codes'] as string[]).map((code) => pascal(code.toLowerCase().replace(/_/g, '-'))).join('Or')}`;
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base}${n}`;
    names.add(name);
    shared.set(key, { name, response });
  }
  return shared;
}

function operation(route: Route, errors: Map<ErrorStatus, JsonObject>, shared: Map<string, { name: string }>): JsonObject {
  const contract = routeContract(route);
  const name = pascal(route.handler);
  const parameters: JsonObject[] = [
    ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, param]) => {
      const known = PATH_PARAMETERS[param!];
      if (!known) throw new Error(`Describe path parameter {${param}} of ${route.path} in shared/http/openapi.ts`);
      return { name: param, in: 'path', required: true, ...known };
    }),
    ...Object.entries(contract.query ?? {}).map(([param, query]) => ({
      name: param,
      in: 'query',
      required: false,
      description: query.description,
      schema: jsonSchemaOf(query.schema, 'input'),
    })),
    ...(contract.idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
    { $ref: '#/components/parameters/AcceptLanguage' },
    { $ref: '#/components/parameters/CorrelationId' },
  ];
  const success = contract.success;
  const responses: JsonObject = {
    [String(success.status)]: {
      description: success.description,
      headers: {
        ...(contract.idempotent ? { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } } : {}),
        'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' },
      },
      ...(success.schema ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}Response` } } } } : {}),
    },
  };
  for (const [status, response] of errors) {
    const reused = shared.get(JSON.stringify(response));
    responses[String(status)] = reused ? { $ref: `#/components/responses/${reused.name}` } : response;
  }

  return {
    operationId: operationId(route),
    tags: [TAGS[route.handler] ?? 'Other'],
    summary: contract.summary,
    ...(contract.description ? { description: contract.description } : {}),
    ...(route.auth === 'session' ? { security: [{ sessionToken: [] }] } : {}),
    ...(route.auth === 'agent' ? { security: [{ agentSigV4: [] }, { agentKey: [] }] } : {}),
    parameters,
    ...(contract.requestBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}Request` } } } } }
      : {}),
    responses,
  };
}

/** The named schemas: each route's request and success bodies, and the error body. */
function componentSchemas(): JsonObject {
  const schemas: JsonObject = {};
  for (const route of routes) {
    const contract = routeContract(route);
    const name = pascal(route.handler);
    if (contract.requestBody) schemas[`${name}Request`] = jsonSchemaOf(contract.requestBody, 'input');
    if (contract.success.schema) schemas[`${name}Response`] = jsonSchemaOf(contract.success.schema, 'output');
  }
  schemas.ErrorResponse = jsonSchemaOf(errorResponseSchema(allErrorCodes()), 'output');
  schemas.FieldProblem = jsonSchemaOf(fieldProblemSchema(), 'output');
  schemas.FieldCode = { type: 'string', enum: [...fieldCodes] };
  schemas.ErrorCode = { type: 'string', enum: allErrorCodes() };
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/** Every code the API answers, in order of first appearance, then 404/405 of unknown paths and methods, and 500. */
function allErrorCodes(): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>();
  for (const route of routes) for (const list of routeErrors(route).values()) list.forEach((code) => codes.add(code));
  codes.add('NOT_FOUND');
  codes.add('METHOD_NOT_ALLOWED');
  // A fault of ours (500), never an answer to client input; listed so that clients handle it too.
  codes.add('INTERNAL_ERROR');
  return [...codes];
}

const DESCRIPTION = `The registration service of the business customer portal (Espace client Affaires): activation
emails, registration with or without them, sign-in, account recovery, User Management and the Customer
Service routes.

**Language.** Messages are in French by default, in English with \`Accept-Language: en\`.

**Errors.** \`{"error": {"code", "message", "fields"?}}\`; \`fields\` only on \`VALIDATION_FAILED\`, listing
every problem of the request at once, each with its code. Each response lists the codes it can carry
(\`x-error-codes\`, and the \`enum\` of \`error.code\`). Clients act on codes; messages are for people.
An unknown path answers 404 \`NOT_FOUND\`; a method a path does not take, 405 \`METHOD_NOT_ALLOWED\` with \`Allow\`.
No client input produces a 5xx: only a failing dependency answers 503 \`SERVICE_UNAVAILABLE\`, with \`Retry-After\`.

**Limits.** Bodies are JSON (\`application/json\`, else 415) of at most ${MAX_BODY_BYTES} bytes (else 413).
\`Retry-After\` (seconds) says when to try again; browsers can read it (CORS).

**Retries.** State-changing routes but sign-in take an \`Idempotency-Key\`: a repeat with the same key and
body within 24 h gets the first answer again, with \`Idempotent-Replayed: true\`; the same key with another
body is refused (422 \`IDEMPOTENCY_KEY_REUSED\`); a repeat while the first still runs, 409
\`REQUEST_IN_PROGRESS\` with \`Retry-After\`. Refusals are not kept: a repeat runs again.

**Authentication.** Session routes take \`Authorization: Bearer <sessionToken>\` (from \`POST /v1/sessions\`).
Customer Service routes are IAM-authorized on AWS (SigV4-signed requests from the agents' role); on the
local stack they take \`x-agent-key\`.

Generated from the code by \`npm run openapi\`; never edit by hand.`;

/** The OpenAPI 3.1 description of the API. Deterministic: the same code gives the same document. */
export function buildOpenApiDocument(): JsonObject {
  const errors = errorResponses();
  const shared = sharedResponses(errors);
  const paths: JsonObject = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {}) as JsonObject;
    item[route.method.toLowerCase()] = operation(route, errors.get(route)!, shared);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Business portal registration API',
      version: API_VERSION,
      description: DESCRIPTION,
    },
    servers: [
      { url: LOCAL_SERVER_URL, description: 'The local stack (npm start)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com/prod',
        description: 'API Gateway on AWS (the stack output ApiUrl)',
        variables: { apiId: { default: 'api-id' }, region: { default: 'ca-central-1' } },
      },
    ],
    tags: [...new Set(Object.values(TAGS))].map((name) => ({ name })),
    paths,
    components: {
      schemas: componentSchemas(),
      responses: {
        ...Object.fromEntries([...shared.values()].map(({ name, response }) => [name, response]).sort(([a], [b]) => String(a).localeCompare(String(b)))),
        NotFound: {
          description: 'No route has this path (any method).',
          content: { 'application/json': { schema: jsonSchemaOf(errorResponseSchema(['NOT_FOUND']), 'output') } },
          'x-error-codes': ['NOT_FOUND'],
        },
        InternalError: {
          description: 'A fault of the service (a bug, or API Gateway failing to reach a function); never the answer to client input. Any operation may answer it.',
          content: { 'application/json': { schema: jsonSchemaOf(errorResponseSchema(['INTERNAL_ERROR']), 'output') } },
          'x-error-codes': ['INTERNAL_ERROR'],
        },
        MethodNotAllowed: {
          description: 'The path exists, not with this method; `Allow` lists its methods.',
          headers: { Allow: { $ref: '#/components/headers/Allow' } },
          content: { 'application/json': { schema: jsonSchemaOf(errorResponseSchema(['METHOD_NOT_ALLOWED']), 'output') } },
          'x-error-codes': ['METHOD_NOT_ALLOWED'],
        },
      },
      parameters: {
        AcceptLanguage: {
          name: 'Accept-Language',
          in: 'header',
          required: false,
          description: 'English messages with `en`; French otherwise (the default).',
          schema: { type: 'string', examples: ['en', 'fr-CA'] },
        },
        CorrelationId: {
          name: 'X-Correlation-Id',
          in: 'header',
          required: false,
          description:
            'The caller’s id for this request, kept in the logs, the workflow it starts and its emails when well-formed (8–64 of `A–Z a–z 0–9 . _ : -`); otherwise the service uses its own request id.',
          schema: { type: 'string', pattern: WELL_FORMED_CORRELATION_ID.source },
        },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'One key per submission: a repeat with the same key and body within 24 h gets the first answer again. 1–64 of `A–Z a–z 0–9 _ -` (else 400 `VALIDATION_FAILED`, field `Idempotency-Key`).',
          schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        },
      },
      headers: {
        RetryAfter: { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'integer', minimum: 1 } },
        IdempotentReplayed: { description: '`true` on a repeat answered from the first request (same `Idempotency-Key` and body).', required: false, schema: { type: 'string', enum: ['true'] } },
        Allow: { description: 'The methods the path takes.', required: true, schema: { type: 'string' } },
        CorrelationId: {
          description: 'The request’s correlation id (the caller’s, or the service’s own): quote it when reporting a problem. Absent from answers API Gateway or WAF give themselves.',
          required: false,
          schema: { type: 'string' },
        },
      },
      securitySchemes: {
        sessionToken: { type: 'http', scheme: 'bearer', description: 'The `sessionToken` of `POST /v1/sessions` (8 hours, revocable).' },
        agentSigV4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'On AWS: a request signed with AWS Signature Version 4 by the Customer Service agents’ IAM role (API Gateway `AWS_IAM` authorization).',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        agentKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-agent-key',
          description: 'On the local stack only: the key `npm start` prints (or `AGENT_API_KEY`).',
        },
      },
    },
  };
}

/** The document as written to docs/openapi.json: two-space indentation, a final newline. */
export function openApiJson(document: JsonObject = buildOpenApiDocument()): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
