import * as z from 'zod/mini';
import { ValidationError } from '../domain/errors';
import {
  checkAccountNumber,
  checkEmail,
  checkName,
  checkPassword,
  checkPostalCode,
  checkUsername,
} from '../domain/field-rules';
import type { FieldCode, FieldProblem, ProblemParams } from '../domain/problems';

/**
 * Request bodies as zod schemas whose string fields run the domain's field rules, so that one
 * parse reports every problem of a request with the spec's codes.
 */

type Check = (value: string) => { code: FieldCode; params?: ProblemParams }[];

/** A required string field checked by a domain rule; an empty string counts as missing. */
function field(check?: Check) {
  return z.string().check(
    z.superRefine((value, ctx) => {
      if (value.trim() === '') {
        ctx.issues.push({ code: 'custom', input: value, message: 'FIELD_REQUIRED' });
        return;
      }
      for (const problem of check?.(value) ?? []) {
        ctx.issues.push({ code: 'custom', input: value, message: problem.code, params: problem.params });
      }
    }),
  );
}

export const usernameField = field(checkUsername);
export const passwordField = field(checkPassword);
export const postalCodeField = field(checkPostalCode);
export const accountNumberField = field(checkAccountNumber);
export const emailField = field(checkEmail);
// A token is opaque to clients; a malformed one is simply not found (404), not a field problem.
export const tokenField = field(() => []);

export const activationRequestSchema = z.object({
  accountNumber: accountNumberField,
  postalCode: postalCodeField,
});

export const verifyActivationSchema = z.object({ activationToken: tokenField });

export const tokenRegistrationSchema = z.object({
  activationToken: tokenField,
  username: usernameField,
  password: passwordField,
});

export const identityRegistrationSchema = z.object({
  accountNumber: accountNumberField,
  postalCode: postalCodeField,
  email: emailField,
  username: usernameField,
  password: passwordField,
});

const IDENTITY_FIELDS = ['accountNumber', 'postalCode', 'email'] as const;

export const signInSchema = z.object({ username: field(), password: field() });

export const passwordResetRequestSchema = z.object({ username: field() });
export const verifyPasswordResetSchema = z.object({ resetToken: tokenField });
export const completePasswordResetSchema = z.object({ resetToken: tokenField, password: passwordField });
export const usernameReminderSchema = z.object({ accountNumber: accountNumberField, email: emailField });
export const changePasswordSchema = z.object({ currentPassword: field(), newPassword: passwordField });

/** The roles a holder may add (the holder role is never added); checked with the other fields, so every problem shows at once. */
const ADDABLE_ROLES: readonly string[] = ['secondary', 'technical'];

export const addUserSchema = z.object({
  name: field(checkName),
  email: emailField,
  role: field((role) => (ADDABLE_ROLES.includes(role) ? [] : [{ code: 'ROLE_INVALID' }])),
});

/** A registration body: with an activation token (flows A and C) or with identity proof (flow B). */
export type RegistrationForm =
  | ({ form: 'token' } & z.infer<typeof tokenRegistrationSchema>)
  | ({ form: 'identity' } & z.infer<typeof identityRegistrationSchema>);

/**
 * Tells the two registration forms apart by `activationToken`; a body mixing both is refused
 * rather than guessed at.
 * @throws ValidationError
 */
export function parseRegistration(body: unknown): RegistrationForm {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  if (fields.activationToken === undefined) return { form: 'identity', ...parseRequest(identityRegistrationSchema, body) };
  const mixed = IDENTITY_FIELDS.filter((name) => fields[name] !== undefined);
  if (mixed.length > 0) {
    throw new ValidationError(mixed.map((field) => ({ field, code: 'FORM_AMBIGUOUS' as const })));
  }
  return { form: 'token', ...parseRequest(tokenRegistrationSchema, body) };
}

/** Turns zod issues into the API's field problems; `body` tells a missing field from a mistyped one. */
export function toFieldProblems(issues: readonly z.core.$ZodIssue[], body: Record<string, unknown>): FieldProblem[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join('.') || 'body';
    if (issue.code === 'custom') {
      return { field, code: issue.message as FieldCode, params: issue.params as ProblemParams | undefined };
    }
    const value = issue.path.length === 1 ? body[String(issue.path[0])] : undefined;
    if (issue.code === 'invalid_type' && (value === undefined || value === null)) return { field, code: 'FIELD_REQUIRED' };
    return { field, code: 'FIELD_TYPE_INVALID' };
  });
}

/**
 * Parses a request body with `schema`.
 * @throws ValidationError listing every problem at once.
 */
export function parseRequest<S extends z.ZodMiniType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: 'body', code: 'FIELD_TYPE_INVALID' }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new ValidationError(toFieldProblems(result.error.issues, body as Record<string, unknown>));
  return result.data;
}
