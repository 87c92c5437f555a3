import * as z from 'zod/mini';
import {
  activationRequestSchema,
  addUserSchema,
  changePasswordSchema,
  completePasswordResetSchema,
  identityRegistrationSchema,
  passwordResetRequestSchema,
  signInSchema,
  tokenRegistrationSchema,
  usernameReminderSchema,
  verifyActivationSchema,
  verifyPasswordResetSchema,
} from './request-schemas';
import {
  acceptedResponseSchema,
  accountUsersResponseSchema,
  addAccountUserResponseSchema,
  agentSendActivationResponseSchema,
  healthResponseSchema,
  registrationResponseSchema,
  registrationStatusResponseSchema,
  signInResponseSchema,
  usernameAvailabilityResponseSchema,
  verifyActivationResponseSchema,
  verifyPasswordResetResponseSchema,
  type ApiErrorCode,
} from './response-schemas';
import type { FieldCode } from '../domain/problems';
import type { Route } from './routes';

/**
 * What each route of `routes.ts` answers, keyed by its handler: its request body, its success,
 * and the refusals of its own use case (read from the domain's `@throws` and the adapters). The
 * refusals every route of a kind answers (body, session, agent, `Idempotency-Key`, AWS) are added
 * by `routeErrors`, from the route's flags and the Middy stack's behaviour
 * (shared/http/http-handler.ts, shared/http/idempotency.ts). The OpenAPI description is
 * generated from this (shared/http/openapi.ts); the conformance test checks every status and
 * code the local stack answers against it.
 */

/** The statuses of refusals. 5xx other than 503 are faults of ours, never an answer to client input. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503;

export interface RouteContract {
  summary: string;
  description?: string;
  /** The JSON body of a route with `body: true`. */
  requestBody?: z.ZodMiniType;
  success: { status: 200 | 201 | 202 | 204; description: string; schema?: z.ZodMiniType };
  /** The route's own refusals, by status. */
  errors: Partial<Record<ErrorStatus, readonly ApiErrorCode[]>>;
  /**
   * The codes of `fields[]` on its 400 `VALIDATION_FAILED`, besides `FIELD_REQUIRED` and
   * `FIELD_TYPE_INVALID` (any body) and `IDEMPOTENCY_KEY_INVALID` (any idempotent route).
   */
  fieldCodes?: readonly FieldCode[];
  /** Takes an `Idempotency-Key` (its handler passes `idempotency(…)` to the Middy stack). */
  idempotent: boolean;
  /** Calls DynamoDB or Step Functions: 503 `SERVICE_UNAVAILABLE` when they fail past the SDK's retries. */
  usesAws: boolean;
  /** Query-string parameters. */
  query?: Record<string, { description: string; schema: z.ZodMiniType }>;
}

/**
 * `POST /v1/registrations`: with a token (flows A and C) or with identity proof (flow B), never
 * both — a body with `activationToken` and any identity field is refused (`FORM_AMBIGUOUS`).
 */
export const registrationRequestSchema = z.union([
  z.extend(tokenRegistrationSchema, { accountNumber: z.optional(z.never()), postalCode: z.optional(z.never()), email: z.optional(z.never()) }),
  z.extend(identityRegistrationSchema, { activationToken: z.optional(z.never()) }),
]);

const ACTIVATION_GONE = ['ACTIVATION_EXPIRED', 'ACTIVATION_USED', 'ACTIVATION_REVOKED'] as const;
const PASSWORD_CODES = ['PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG', 'PASSWORD_LETTER_REQUIRED', 'PASSWORD_DIGIT_REQUIRED', 'PASSWORD_INVALID_CHARACTERS'] as const;
const RESET_GONE = ['RESET_EXPIRED', 'RESET_USED', 'RESET_REVOKED'] as const;

export const routeContracts: Readonly<Record<string, RouteContract>> = {
  health: {
    summary: 'Health check',
    success: { status: 200, description: 'The API answers.', schema: healthResponseSchema },
    errors: {},
    idempotent: false,
    usesAws: false,
  },
  'request-activation': {
    summary: 'Ask for an activation email (flow A)',
    description:
      'The same 202 for every well-formed request, whatever the account (no enumeration). When the account exists and the postal code matches, the holder gets an activation email at the address on file (or a notice when already registered); at most 3 emails per account per rolling 24 h.',
    requestBody: activationRequestSchema,
    success: { status: 202, description: 'Accepted.', schema: acceptedResponseSchema },
    errors: {},
    fieldCodes: ['ACCOUNT_NUMBER_INVALID', 'POSTAL_CODE_INVALID'],
    idempotent: true,
    usesAws: true,
  },
  'verify-activation': {
    summary: 'Check an activation or invitation token (never consumes it)',
    requestBody: verifyActivationSchema,
    success: { status: 200, description: 'The token can register a login.', schema: verifyActivationResponseSchema },
    errors: { 404: ['ACTIVATION_NOT_FOUND'], 410: ACTIVATION_GONE },
    idempotent: false,
    usesAws: true,
  },
  'username-availability': {
    summary: 'Check a username: rules, availability, suggestions',
    description: 'Up to 3 suggestions, each valid and available, when the username cannot be used. At most 60 checks a minute per client address.',
    success: { status: 200, description: 'The verdict.', schema: usernameAvailabilityResponseSchema },
    errors: { 429: ['TOO_MANY_REQUESTS'] },
    idempotent: false,
    usesAws: true,
  },
  register: {
    summary: 'Register a login, with a token (flows A and C) or with identity proof (flow B)',
    description:
      'Consumes the token exactly once. Flow B: five failed identity checks for one account number within an hour lock it for an hour (429 `TOO_MANY_ATTEMPTS`).',
    requestBody: registrationRequestSchema,
    success: { status: 201, description: 'The login was created.', schema: registrationResponseSchema },
    errors: {
      403: ['IDENTITY_NOT_VERIFIED', 'NOT_ACCOUNT_HOLDER', 'TECHNICAL_USER_NOT_ELIGIBLE'],
      // ACCOUNT_NOT_FOUND: an activation that outlived its account (removed from billing).
      404: ['ACTIVATION_NOT_FOUND', 'ACCOUNT_NOT_FOUND'],
      409: ['USERNAME_TAKEN', 'ACCOUNT_ALREADY_REGISTERED'],
      410: ACTIVATION_GONE,
      429: ['TOO_MANY_ATTEMPTS'],
    },
    fieldCodes: ['USERNAME_TOO_SHORT', 'USERNAME_TOO_LONG', 'USERNAME_INVALID_CHARACTERS', ...PASSWORD_CODES, 'ACCOUNT_NUMBER_INVALID', 'POSTAL_CODE_INVALID', 'EMAIL_INVALID', 'FORM_AMBIGUOUS'],
    idempotent: true,
    usesAws: true,
  },
  'sign-in': {
    summary: 'Sign in: an 8-hour session token',
    description: 'One answer for an unknown username and a wrong password. Five failures for one username within 15 minutes lock it for 15 minutes.',
    requestBody: signInSchema,
    success: { status: 201, description: 'The session was opened.', schema: signInResponseSchema },
    errors: { 401: ['INVALID_CREDENTIALS'], 429: ['TOO_MANY_ATTEMPTS'] },
    // Its answer is a session token, which must never be stored for a replay.
    idempotent: false,
    usesAws: true,
  },
  'sign-out': {
    summary: 'Sign out: ends the caller’s session',
    success: { status: 204, description: 'The session ended.' },
    errors: {},
    idempotent: true,
    usesAws: true,
  },
  'change-password': {
    summary: 'Change the password with the current one',
    description: 'Other sessions of the login end; this one stays. A wrong current password counts toward the sign-in lockout.',
    requestBody: changePasswordSchema,
    success: { status: 204, description: 'The password was changed.' },
    errors: { 401: ['INVALID_CREDENTIALS'], 429: ['TOO_MANY_ATTEMPTS'] },
    fieldCodes: PASSWORD_CODES,
    idempotent: true,
    usesAws: true,
  },
  'request-password-reset': {
    summary: 'Forgotten password: ask for a reset link',
    description: 'The same 202 whatever the username. An active login gets a link valid one hour at its email; at most 3 per login per rolling 24 h.',
    requestBody: passwordResetRequestSchema,
    success: { status: 202, description: 'Accepted.', schema: acceptedResponseSchema },
    errors: {},
    idempotent: true,
    usesAws: true,
  },
  'verify-password-reset': {
    summary: 'Check a password reset link (never consumes it)',
    requestBody: verifyPasswordResetSchema,
    success: { status: 200, description: 'The link can set a new password.', schema: verifyPasswordResetResponseSchema },
    errors: { 404: ['RESET_NOT_FOUND'], 410: RESET_GONE },
    idempotent: false,
    usesAws: true,
  },
  'complete-password-reset': {
    summary: 'Set a new password with a reset link (exactly once)',
    description: 'Every session of the login ends, its sign-in lockout is cleared, and a "password changed" email is sent.',
    requestBody: completePasswordResetSchema,
    success: { status: 204, description: 'The password was set.' },
    errors: { 404: ['RESET_NOT_FOUND'], 410: RESET_GONE },
    fieldCodes: PASSWORD_CODES,
    idempotent: true,
    usesAws: true,
  },
  'request-username-reminder': {
    summary: 'Forgotten username: email the usernames of an account and address',
    description: 'The same 202 whatever the pair; at most 3 reminders per account per 24 h (silently).',
    requestBody: usernameReminderSchema,
    success: { status: 202, description: 'Accepted.', schema: acceptedResponseSchema },
    errors: {},
    fieldCodes: ['ACCOUNT_NUMBER_INVALID', 'EMAIL_INVALID'],
    idempotent: true,
    usesAws: true,
  },
  'list-account-users': {
    summary: 'User Management: the people of the account (holder only)',
    success: { status: 200, description: 'The holder, then the users added, oldest first.', schema: accountUsersResponseSchema },
    errors: { 403: ['HOLDER_ONLY'] },
    idempotent: false,
    usesAws: true,
  },
  'add-account-user': {
    summary: 'User Management: add a secondary (invited) or technical (recorded) user',
    description:
      'At most 50 people per account (429 without `Retry-After`), 10 invitations per account and 3 per person per rolling 24 h (429 with `Retry-After`).',
    requestBody: addUserSchema,
    success: { status: 201, description: 'The user was added (and invited, for a secondary user).', schema: addAccountUserResponseSchema },
    errors: {
      403: ['HOLDER_ONLY'],
      // The account was removed from billing after the session opened.
      404: ['ACCOUNT_NOT_FOUND'],
      409: ['USER_ALREADY_EXISTS', 'TECHNICAL_USER_NOT_ELIGIBLE'],
      429: ['TOO_MANY_INVITATIONS'],
    },
    fieldCodes: ['NAME_INVALID', 'EMAIL_INVALID', 'ROLE_INVALID'],
    idempotent: true,
    usesAws: true,
  },
  'resend-invitation': {
    summary: 'User Management: resend an invitation (revokes the older one)',
    success: { status: 202, description: 'A new invitation is on its way.', schema: acceptedResponseSchema },
    errors: {
      403: ['HOLDER_ONLY'],
      404: ['USER_NOT_FOUND', 'ACCOUNT_NOT_FOUND'],
      409: ['TECHNICAL_USER_NOT_ELIGIBLE', 'ACCOUNT_ALREADY_REGISTERED'],
      429: ['TOO_MANY_INVITATIONS'],
    },
    idempotent: true,
    usesAws: true,
  },
  'remove-account-user': {
    summary: 'User Management: remove a user',
    description: 'Their login is disabled, their sessions and invitation revoked; the record is deleted 90 days later.',
    success: { status: 204, description: 'The user was removed.' },
    errors: { 403: ['HOLDER_ONLY'], 404: ['USER_NOT_FOUND'], 409: ['CANNOT_REMOVE_HOLDER'] },
    idempotent: true,
    usesAws: true,
  },
  'agent-send-activation': {
    summary: 'Customer Service: send an activation email for a caller',
    description: 'No daily limit for agents. `sent` once SES accepted the email; `queued` while the workflow still retries (the status route then tells what became of it).',
    success: { status: 202, description: 'Sent, or queued.', schema: agentSendActivationResponseSchema },
    errors: { 400: ['VALIDATION_FAILED'], 404: ['ACCOUNT_NOT_FOUND'], 409: ['ACCOUNT_ALREADY_REGISTERED'] },
    fieldCodes: ['ACCOUNT_NUMBER_INVALID'],
    idempotent: true,
    usesAws: true,
  },
  'agent-registration-status': {
    summary: 'Customer Service: what happened to an account’s registration',
    description: 'Holder registered or not, pending activation, lockouts, suppression of the holder’s address, and the history newest first, 50 a page.',
    success: { status: 200, description: 'The account’s registration.', schema: registrationStatusResponseSchema },
    // VALIDATION_FAILED: a malformed account number, or a cursor malformed or of another account.
    errors: { 400: ['VALIDATION_FAILED'], 404: ['ACCOUNT_NOT_FOUND'] },
    // FIELD_TYPE_INVALID: the cursor.
    fieldCodes: ['ACCOUNT_NUMBER_INVALID', 'FIELD_TYPE_INVALID'],
    idempotent: false,
    usesAws: true,
    query: {
      cursor: { description: 'The `nextCursor` of the previous page.', schema: z.string() },
    },
  },
  'agent-clear-lockouts': {
    summary: 'Customer Service: clear the account’s identity and sign-in lockouts (audited)',
    success: { status: 204, description: 'Cleared.' },
    errors: { 400: ['VALIDATION_FAILED'], 404: ['ACCOUNT_NOT_FOUND'] },
    fieldCodes: ['ACCOUNT_NUMBER_INVALID'],
    idempotent: true,
    usesAws: true,
  },
};

/** How a code sets `Retry-After`: on every answer, or on some (429 `TOO_MANY_INVITATIONS` past 50 people has none). */
export const RETRY_AFTER: Readonly<Partial<Record<ApiErrorCode, 'always' | 'sometimes'>>> = {
  TOO_MANY_REQUESTS: 'always',
  TOO_MANY_ATTEMPTS: 'always',
  TOO_MANY_INVITATIONS: 'sometimes',
  REQUEST_IN_PROGRESS: 'always',
  SERVICE_UNAVAILABLE: 'always',
};

/** Codes answered only on AWS, by API Gateway or WAF, before any function runs. */
export const AWS_ONLY_CODES: ReadonlySet<ApiErrorCode> = new Set(['FORBIDDEN', 'REQUEST_BLOCKED']);

/** The contract of a route. @throws Error when the route has none (a route added without one). */
export function routeContract(route: Route): RouteContract {
  const contract = routeContracts[route.handler];
  if (!contract) throw new Error(`No contract for route ${route.method} ${route.path} (handler ${route.handler}) in shared/http/route-contracts.ts`);
  return contract;
}

/**
 * Every status and code a route can answer but its success: its own refusals plus those of
 * its kind. Sorted by status, codes in a stable order.
 */
export function routeErrors(route: Route): Map<ErrorStatus, ApiErrorCode[]> {
  const contract = routeContract(route);
  const errors = new Map<ErrorStatus, Set<ApiErrorCode>>();
  const add = (status: ErrorStatus, ...codes: ApiErrorCode[]) => {
    const set = errors.get(status) ?? new Set<ApiErrorCode>();
    codes.forEach((code) => set.add(code));
    errors.set(status, set);
  };
  for (const [status, codes] of Object.entries(contract.errors)) add(Number(status) as ErrorStatus, ...(codes ?? []));
  if (route.body) {
    // Every problem of the body at once, with the field rules' codes; the body itself must be JSON.
    add(400, 'VALIDATION_FAILED', 'MALFORMED_JSON');
    add(415, 'UNSUPPORTED_MEDIA_TYPE');
  }
  if (contract.idempotent) {
    // A malformed `Idempotency-Key`; a repeat with another body; a repeat while the first runs.
    add(400, 'VALIDATION_FAILED');
    add(409, 'REQUEST_IN_PROGRESS');
    add(422, 'IDEMPOTENCY_KEY_REUSED');
  }
  if (route.auth === 'session') add(401, 'UNAUTHENTICATED');
  // Locally a missing or wrong `x-agent-key`; on AWS an unsigned call (401) or another principal (403).
  if (route.auth === 'agent') {
    add(401, 'UNAUTHENTICATED');
    add(403, 'FORBIDDEN');
  }
  // On AWS the firewall's managed rules (403) and rate limits and stage throttling (429) stand
  // before every route, as do the body size limit (WAF, 413; locally the server's read limit).
  add(403, 'REQUEST_BLOCKED');
  add(413, 'PAYLOAD_TOO_LARGE');
  // Contention that outlived the retries, and API Gateway's and WAF's limits.
  add(429, 'TOO_MANY_REQUESTS');
  if (contract.usesAws || contract.idempotent) add(503, 'SERVICE_UNAVAILABLE');
  return new Map([...errors.entries()].sort(([a], [b]) => a - b).map(([status, codes]) => [status, [...codes]]));
}

/** The codes `fields[].code` can carry on a route's 400 `VALIDATION_FAILED`; empty when it has none. */
export function routeFieldCodes(route: Route): FieldCode[] {
  const contract = routeContract(route);
  const codes = new Set<FieldCode>();
  if (route.body) {
    codes.add('FIELD_REQUIRED');
    codes.add('FIELD_TYPE_INVALID');
  }
  contract.fieldCodes?.forEach((code) => codes.add(code));
  if (contract.idempotent) codes.add('IDEMPOTENCY_KEY_INVALID');
  return [...codes];
}
