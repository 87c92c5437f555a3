import * as z from 'zod/mini';
import type { Language } from '../domain/account';
import type { VerifiedActivation } from '../domain/verify-activation';
import type { RegistrationResult } from '../domain/register';
import type { AccountUser } from '../domain/user-management';
import type { RegistrationStatus } from '../domain/agent';
import type { AuditEventType } from '../domain/ports';
import type { ErrorCode } from '../domain/errors';
import { fieldCodes, type FieldCode } from '../domain/problems';
import type { errorBody } from './error-body';

/**
 * The success bodies of every route and the error body, as zod schemas: what `npm run openapi`
 * turns into the OpenAPI description (shared/http/openapi.ts) and what the handlers' bodies are
 * checked against at compile time (`satisfies …Response` in functions/api, and the type
 * equalities at the end of this file), so that the description cannot drift from the code.
 * Objects are strict: a field the code adds without describing it fails the conformance test.
 */

/** An instant as `Date.toISOString()` writes it. */
const instant = z.iso.datetime();
/** An account number with all but its last three digits hidden (`••••••789`). */
const maskedAccountNumber = z.string().check(z.regex(/^•*\d{3}$/));
const loginRole = z.enum(['holder', 'secondary']);

export const healthResponseSchema = z.strictObject({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** 202 of the routes that answer the same whatever the input (no enumeration), and of a resent invitation. */
export const acceptedResponseSchema = z.strictObject({ status: z.literal('accepted') });
export type AcceptedResponse = z.infer<typeof acceptedResponseSchema>;

export const verifyActivationResponseSchema = z.strictObject({
  status: z.literal('valid'),
  purpose: loginRole,
  expiresAt: instant,
  account: z.strictObject({ accountNumberMasked: maskedAccountNumber }),
});
export type VerifyActivationResponse = z.infer<typeof verifyActivationResponseSchema>;

/** The problems an availability check can list (field rules of a username, or taken). */
export const usernameProblemCodes = ['USERNAME_TOO_SHORT', 'USERNAME_TOO_LONG', 'USERNAME_INVALID_CHARACTERS', 'USERNAME_TAKEN'] as const;

export const usernameAvailabilityResponseSchema = z.strictObject({
  username: z.string(),
  valid: z.boolean(),
  available: z.boolean(),
  problems: z.array(z.strictObject({ code: z.enum(usernameProblemCodes), message: z.string() })),
  /** Valid and available usernames derived from the one checked, best first. */
  suggestions: z.array(z.string()).check(z.maxLength(3)),
});
export type UsernameAvailabilityResponse = z.infer<typeof usernameAvailabilityResponseSchema>;

export const registrationResponseSchema = z.strictObject({
  username: z.string(),
  role: loginRole,
  accountNumberMasked: maskedAccountNumber,
});
export type RegistrationResponse = z.infer<typeof registrationResponseSchema>;

export const signInResponseSchema = z.strictObject({
  sessionToken: z.string(),
  expiresAt: instant,
  user: registrationResponseSchema,
});
export type SignInResponse = z.infer<typeof signInResponseSchema>;

export const verifyPasswordResetResponseSchema = z.strictObject({
  status: z.literal('valid'),
  username: z.string(),
  expiresAt: instant,
});
export type VerifyPasswordResetResponse = z.infer<typeof verifyPasswordResetResponseSchema>;

const accountUserStatus = z.enum(['active', 'invited', 'invitation_expired', 'no_online_access', 'revoked']);

export const accountUsersResponseSchema = z.strictObject({
  users: z.array(
    z.strictObject({
      userId: z.string(),
      name: z.string(),
      email: z.string(),
      role: z.enum(['holder', 'secondary', 'technical']),
      status: accountUserStatus,
    }),
  ),
});
export type AccountUsersResponse = z.infer<typeof accountUsersResponseSchema>;

export const addAccountUserResponseSchema = z.strictObject({ userId: z.string(), status: accountUserStatus });
export type AddAccountUserResponse = z.infer<typeof addAccountUserResponseSchema>;

/** `sent` once SES accepted the email; `queued` while the workflow still retries it. */
export const agentSendActivationResponseSchema = z.union([
  z.strictObject({ status: z.literal('sent'), expiresAt: instant }),
  z.strictObject({ status: z.literal('queued'), expiresAt: z.null() }),
]);
export type AgentSendActivationResponse = z.infer<typeof agentSendActivationResponseSchema>;

const auditEventTypes = [
  'activation-sent',
  'activation-notice-sent',
  'activation-throttled',
  'activation-revoked',
  'activation-expired',
  'activation-failed',
  'registered',
  'identity-check-failed',
  'identity-locked',
  'invitation-sent',
  'lockouts-cleared',
  'email-bounced',
  'email-complained',
] as const satisfies readonly AuditEventType[];

const activationView = z.strictObject({
  sentAt: instant,
  expiresAt: instant,
  status: z.enum(['pending', 'consumed', 'revoked', 'expired', 'failed', 'queued']),
});

export const registrationStatusResponseSchema = z.strictObject({
  accountNumber: z.string(),
  companyName: z.string(),
  language: z.enum(['fr', 'en']),
  holder: z.strictObject({ registered: z.boolean(), username: z.optional(z.string()), registeredAt: z.optional(instant) }),
  pendingActivation: z.nullable(activationView),
  latestActivation: z.nullable(activationView),
  identityLockedUntil: z.nullable(instant),
  holderEmailSuppressed: z.boolean(),
  signInLockouts: z.array(z.strictObject({ username: z.string(), lockedUntil: instant })),
  /** Newest first, 50 a page. */
  history: z.array(
    z.strictObject({
      type: z.enum(auditEventTypes),
      at: instant,
      activationId: z.optional(z.string()),
      channel: z.optional(z.string()),
      agent: z.optional(z.string()),
      role: z.optional(z.string()),
      reason: z.optional(z.string()),
    }),
  ),
  /** The `cursor` of the next page; null on the last page. */
  nextCursor: z.nullable(z.string()),
});
export type RegistrationStatusResponse = z.infer<typeof registrationStatusResponseSchema>;

/**
 * Codes that API Gateway and WAF answer on AWS before any function runs (infra/constructs/api.ts
 * `GATEWAY_ANSWERS`): a signed call from another principal than the agents' role, a request
 * the firewall's managed rules block.
 */
export type GatewayErrorCode = 'FORBIDDEN' | 'REQUEST_BLOCKED';
/** Every `error.code` a client can read. */
export type ApiErrorCode = ErrorCode | GatewayErrorCode;

/** One problem of one field; `codes` restricts its code (by default, any field code). */
export function fieldProblemSchema(codes: readonly FieldCode[] = fieldCodes) {
  return z.strictObject({
    /** The body field, `Idempotency-Key`, or the path or query parameter that is wrong; `body` for the body as a whole. */
    field: z.string(),
    code: z.enum(codes as [FieldCode, ...FieldCode[]]),
    message: z.string(),
  });
}

/**
 * The error body restricted to `codes` (the codes one status of one route can answer), and
 * `fields[].code` to `fieldCodesOf` on `VALIDATION_FAILED`, the only code with `fields`.
 */
export function errorResponseSchema(codes: readonly ApiErrorCode[], fieldCodesOf: readonly FieldCode[] = fieldCodes) {
  const others = codes.filter((code) => code !== 'VALIDATION_FAILED');
  const variants = [
    ...(codes.includes('VALIDATION_FAILED')
      ? [z.strictObject({ code: z.literal('VALIDATION_FAILED'), message: z.string(), fields: z.array(fieldProblemSchema(fieldCodesOf)) })]
      : []),
    ...(others.length > 0 ? [z.strictObject({ code: z.enum(others as [ApiErrorCode, ...ApiErrorCode[]]), message: z.string() })] : []),
  ];
  if (variants.length === 0) throw new Error('an error response needs at least one code');
  return z.strictObject({ error: variants.length === 1 ? variants[0]! : z.union(variants) });
}

/** The error body with any code. */
export const anyErrorResponseSchema = z.strictObject({
  error: z.union([
    z.strictObject({ code: z.literal('VALIDATION_FAILED'), message: z.string(), fields: z.array(fieldProblemSchema()) }),
    z.strictObject({ code: z.string(), message: z.string() }),
  ]),
});
export type ErrorResponse = z.infer<typeof anyErrorResponseSchema>;

// Compile-time checks that the domain's results are exactly what the schemas describe (both
// ways): a field added to one side only fails `npm run typecheck`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ResponseSchemaChecks = [
  Assert<Same<VerifyActivationResponse, VerifiedActivation>>,
  Assert<Same<RegistrationResponse, RegistrationResult>>,
  Assert<Same<AccountUsersResponse, { users: AccountUser[] }>>,
  Assert<Same<AddAccountUserResponse, { userId: string; status: AccountUser['status'] }>>,
  Assert<Same<RegistrationStatusResponse, Omit<RegistrationStatus, 'language' | 'history'> & { language: Language; history: RegistrationStatusResponse['history'] }>>,
  Assert<Same<RegistrationStatusResponse['history'][number], Omit<RegistrationStatus['history'][number], 'type'> & { type: AuditEventType }>>,
  Assert<Same<(typeof auditEventTypes)[number], AuditEventType>>,
  Assert<ReturnType<typeof errorBody> extends ErrorResponse ? true : false>,
];
