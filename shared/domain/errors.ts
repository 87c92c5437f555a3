import type { FieldProblem, ProblemParams } from './problems';

/** Every error code the API answers with (product spec §4). */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'TOO_MANY_REQUESTS'
  | 'TOO_MANY_ATTEMPTS'
  | 'TOO_MANY_INVITATIONS'
  | 'ACTIVATION_NOT_FOUND'
  | 'ACTIVATION_EXPIRED'
  | 'ACTIVATION_USED'
  | 'ACTIVATION_REVOKED'
  | 'RESET_NOT_FOUND'
  | 'RESET_EXPIRED'
  | 'RESET_USED'
  | 'RESET_REVOKED'
  | 'USERNAME_TAKEN'
  | 'ACCOUNT_ALREADY_REGISTERED'
  | 'ACCOUNT_NOT_FOUND'
  | 'IDENTITY_NOT_VERIFIED'
  | 'NOT_ACCOUNT_HOLDER'
  | 'TECHNICAL_USER_NOT_ELIGIBLE'
  | 'INVALID_CREDENTIALS'
  | 'UNAUTHENTICATED'
  | 'HOLDER_ONLY'
  | 'USER_ALREADY_EXISTS'
  | 'USER_NOT_FOUND'
  | 'CANNOT_REMOVE_HOLDER'
  | 'SERVICE_UNAVAILABLE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'REQUEST_IN_PROGRESS'
  | 'INTERNAL_ERROR';

interface AppErrorOptions {
  params?: ProblemParams;
  fields?: FieldProblem[];
  retryAfterSeconds?: number;
  /** Extra response headers the refusal needs (`Allow` on a 405). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error model: a code of the API's contract and the HTTP status it answers with.
 * `expose` is false only for faults of ours, whose details never reach a client.
 */
export class AppError extends Error {
  readonly params?: ProblemParams;
  readonly fields?: FieldProblem[];
  readonly retryAfterSeconds?: number;
  readonly headers?: Record<string, string>;

  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    options: AppErrorOptions = {},
    readonly expose = statusCode < 500,
  ) {
    super(code, { cause: options.cause });
    // Named explicitly, here and in each subclass: bundles are minified without keeping names.
    this.name = 'AppError';
    this.params = options.params;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers;
  }
}

/** One or more fields break their rules; every problem of the request is listed. */
export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  constructor(fields: FieldProblem[]) {
    super(400, 'VALIDATION_FAILED', { fields });
  }
}

export class ActivationNotFoundError extends AppError {
  override readonly name = 'ActivationNotFoundError';
  constructor() {
    super(404, 'ACTIVATION_NOT_FOUND');
  }
}

export class ActivationExpiredError extends AppError {
  override readonly name = 'ActivationExpiredError';
  constructor() {
    super(410, 'ACTIVATION_EXPIRED');
  }
}

export class ActivationUsedError extends AppError {
  override readonly name = 'ActivationUsedError';
  constructor() {
    super(410, 'ACTIVATION_USED');
  }
}

export class ActivationRevokedError extends AppError {
  override readonly name = 'ActivationRevokedError';
  constructor() {
    super(410, 'ACTIVATION_REVOKED');
  }
}

export class ResetNotFoundError extends AppError {
  override readonly name = 'ResetNotFoundError';
  constructor() {
    super(404, 'RESET_NOT_FOUND');
  }
}

export class ResetExpiredError extends AppError {
  override readonly name = 'ResetExpiredError';
  constructor() {
    super(410, 'RESET_EXPIRED');
  }
}

export class ResetUsedError extends AppError {
  override readonly name = 'ResetUsedError';
  constructor(cause?: unknown) {
    super(410, 'RESET_USED', { cause });
  }
}

export class ResetRevokedError extends AppError {
  override readonly name = 'ResetRevokedError';
  constructor() {
    super(410, 'RESET_REVOKED');
  }
}

export class UsernameTakenError extends AppError {
  override readonly name = 'UsernameTakenError';
  constructor(cause?: unknown) {
    super(409, 'USERNAME_TAKEN', { cause });
  }
}

export class AccountAlreadyRegisteredError extends AppError {
  override readonly name = 'AccountAlreadyRegisteredError';
  constructor(cause?: unknown) {
    super(409, 'ACCOUNT_ALREADY_REGISTERED', { cause });
  }
}

export class AccountNotFoundError extends AppError {
  override readonly name = 'AccountNotFoundError';
  constructor() {
    super(404, 'ACCOUNT_NOT_FOUND');
  }
}

/** A per-client or per-account limit was reached; `retryAfterSeconds` feeds `Retry-After`. */
export class RateLimitedError extends AppError {
  override readonly name = 'RateLimitedError';
  constructor(code: 'TOO_MANY_REQUESTS' | 'TOO_MANY_ATTEMPTS', retryAfterSeconds: number) {
    super(429, code, { retryAfterSeconds });
  }
}

/** Contention that outlived our retries: the client may simply try again. */
export class BusyError extends AppError {
  override readonly name = 'BusyError';
  constructor(cause?: unknown) {
    super(429, 'TOO_MANY_REQUESTS', { retryAfterSeconds: 1, cause });
  }
}

/** A dependency (DynamoDB, Step Functions…) refused or failed after the SDK's own retries. */
export class ServiceUnavailableError extends AppError {
  override readonly name = 'ServiceUnavailableError';
  constructor(cause?: unknown) {
    super(503, 'SERVICE_UNAVAILABLE', { retryAfterSeconds: 5, cause }, true);
  }
}

/** The record changed between read and write; the use case re-reads and tries again. */
export class ConcurrentUpdateError extends Error {
  constructor(cause?: unknown) {
    super('concurrent update', { cause });
    this.name = 'ConcurrentUpdateError';
  }
}

/**
 * SES refused for now (throttling, outage), or the send failed without telling whether SES took
 * the message (`mayHaveBeenAccepted`: a timeout, a dropped connection, a 5xx): the workflow
 * retries with backoff.
 */
export class EmailDeliveryDeferred extends Error {
  constructor(
    cause?: unknown,
    readonly mayHaveBeenAccepted = false,
  ) {
    super('email delivery deferred', { cause });
    this.name = 'EmailDeliveryDeferred';
  }
}

/** SES refused the message for good (rejected, sender not verified, sending paused…): no retry helps. */
export class EmailRejected extends Error {
  constructor(cause?: unknown) {
    super('email rejected', { cause });
    this.name = 'EmailRejected';
  }
}
