/**
 * Names for the generated types of the HTTP API v1 (./openapi-types, from docs/openapi.json),
 * for the portal's client: the bodies of each route, and what a route can answer by status.
 */
import type { components, operations, paths } from './openapi-types';

export type { components, operations, paths };

type Schemas = components['schemas'];

/** Every `error.code` the API answers. */
export type ErrorCode = Schemas['ErrorCode'];
/** Every `fields[].code` of a 400 `VALIDATION_FAILED`. */
export type FieldCode = Schemas['FieldCode'];
export type FieldProblem = Schemas['FieldProblem'];
/** The error body, any code. */
export type ErrorBody = Schemas['ErrorResponse'];

export type VerifyActivationRequest = Schemas['VerifyActivationRequest'];
export type VerifyActivationResponse = Schemas['VerifyActivationResponse'];
export type ActivationRequest = Schemas['RequestActivationRequest'];
export type AcceptedResponse = Schemas['RequestActivationResponse'];
export type AvailabilityResponse = Schemas['UsernameAvailabilityResponse'];
export type RegistrationRequest = Schemas['RegisterRequest'];
export type RegistrationResponse = Schemas['RegisterResponse'];
export type SignInRequest = Schemas['SignInRequest'];
export type SessionResponse = Schemas['SignInResponse'];
export type ChangePasswordRequest = Schemas['ChangePasswordRequest'];
export type PasswordResetRequest = Schemas['RequestPasswordResetRequest'];
export type VerifyResetRequest = Schemas['VerifyPasswordResetRequest'];
export type VerifyResetResponse = Schemas['VerifyPasswordResetResponse'];
export type CompleteResetRequest = Schemas['CompletePasswordResetRequest'];
export type UsernameReminderRequest = Schemas['RequestUsernameReminderRequest'];
export type AccountUsersResponse = Schemas['ListAccountUsersResponse'];
export type AccountUser = AccountUsersResponse['users'][number];
export type UserStatus = AccountUser['status'];
export type UserRole = AccountUser['role'];
export type AddUserRequest = Schemas['AddAccountUserRequest'];
export type AddUserResponse = Schemas['AddAccountUserResponse'];

type Method = 'get' | 'post' | 'put' | 'delete';
/** The operation of `method path`. */
export type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The JSON body `method path` answers with `status` (never for a status without a body). */
export type ResponseBody<P extends keyof paths, M extends Method, S extends number> = Operation<P, M> extends { responses: infer R }
  ? S extends keyof R
    ? R[S] extends { content: { 'application/json': infer B } }
      ? B
      : never
    : never
  : never;

/** The JSON body `method path` takes. */
export type RequestBody<P extends keyof paths, M extends Method> = Operation<P, M> extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The statuses `method path` can answer. */
export type ResponseStatus<P extends keyof paths, M extends Method> = Operation<P, M> extends { responses: infer R } ? keyof R : never;
