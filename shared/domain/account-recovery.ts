import { createHash } from 'node:crypto';
import type { Language } from './account';
import { retryOnConflict } from './contention';
import { AccountNotFoundError, EmailRejected, ResetExpiredError, ResetNotFoundError, ResetRevokedError, ResetUsedError, ValidationError } from './errors';
import { checkUsername, emailKey, normalizeAccountNumber, usernameKey } from './field-rules';
import { runFollowUps, type Incidents } from './follow-up';
import type { BusinessEvents } from './business-events';
import { SIGN_IN_LOCKOUT, takeAttempt, type LockoutStore } from './lockout';
import type {
  AccountDirectory,
  ActivationStore,
  AuditLog,
  Clock,
  Login,
  LoginStore,
  PasswordHasher,
  PasswordReset,
  PasswordResetStore,
  PeopleStore,
  RateLimiter,
  RecoveryEmailRequest,
  RecoveryNotifier,
  RecoveryWorkflow,
} from './ports';
import { identityLockoutKey } from './register-with-identity';
import { hashToken, newId, newSecretToken, tokenMatches, tokenRecordId } from './secrets';
import { InvalidCredentialsError, signInLockoutKey, type Principal } from './sessions';

/**
 * Account recovery (spec §3 E): forgotten password (a one-hour, single-use link), forgotten
 * username, a signed-in password change, and the agents' view and clearing of lockouts.
 */

/** A reset link works one hour. */
export const RESET_LIFETIME_SECONDS = 3600;
/** At most three reset emails per login per rolling 24 hours. */
export const RESETS_PER_DAY = 3;
/** At most three username reminders per account per 24 hours (silently: the answer is 202 anyway). */
export const USERNAME_REMINDER_LIMIT = { limit: 3, windowSeconds: 86_400 };
const DAY_MS = 86_400_000;

/** What identifies an email address without holding it (workflow inputs, logs). */
export function emailHash(email: string): string {
  return createHash('sha256').update(`email:${emailKey(email)}`, 'utf8').digest('hex');
}

/**
 * POST /v1/password-resets: hands the request to the workflow, whatever the username — no
 * lookup here, so neither the answer nor its timing tells whether the login exists.
 */
export async function requestPasswordReset(deps: { workflow: RecoveryWorkflow }, input: { username: string }): Promise<void> {
  await deps.workflow.startRecoveryEmail({ kind: 'password-reset', requestId: newId(), username: input.username.trim() });
}

/**
 * POST /v1/username-reminders: hands the request to the workflow, whatever the pair (the email
 * travels hashed). A malformed account number ends here, as a malformed postal code does for
 * activation requests.
 */
export async function requestUsernameReminder(deps: { workflow: RecoveryWorkflow }, input: { accountNumber: string; email: string }): Promise<void> {
  const accountNumber = normalizeAccountNumber(input.accountNumber);
  if (!accountNumber) return;
  await deps.workflow.startRecoveryEmail({ kind: 'username-reminder', requestId: newId(), accountNumber, emailHash: emailHash(input.email) });
}

export type RecoveryOutcome = { outcome: 'sent' | 'no-login' | 'no-match' | 'throttled' | 'failed' | 'settled' };

type RecoveryDeps = {
  accounts: AccountDirectory;
  activations: ActivationStore;
  logins: LoginStore;
  people: PeopleStore;
  resets: PasswordResetStore;
  rateLimiter: RateLimiter;
  notifier: RecoveryNotifier;
  clock: Clock;
};

/**
 * Workflow step SendRecoveryEmail: sends the email a recovery request calls for. Safe to retry
 * (`EmailDeliveryDeferred`): a retried reset adds a fresh token to the same reset and counts once.
 * A permanent refusal (`EmailRejected`) ends as `failed`.
 */
export async function sendRecoveryEmail(deps: RecoveryDeps, input: RecoveryEmailRequest): Promise<RecoveryOutcome> {
  try {
    if (input.kind === 'password-reset') return await issuePasswordReset(deps, input);
    if (input.kind === 'username-reminder') return await remindUsernames(deps, input);
    return await notifyPasswordChanged(deps, input);
  } catch (error) {
    if (error instanceof EmailRejected) return { outcome: 'failed' };
    throw error;
  }
}

async function languageOf(deps: { accounts: AccountDirectory }, login: Login): Promise<Language> {
  return (await deps.accounts.get(login.accountNumber))?.language ?? 'fr';
}

async function issuePasswordReset(deps: RecoveryDeps, input: { requestId: string; username: string }): Promise<RecoveryOutcome> {
  if (checkUsername(input.username).length > 0) return { outcome: 'no-login' };
  const login = await deps.logins.getByUsername(usernameKey(input.username));
  if (!login || login.status !== 'active') return { outcome: 'no-login' };

  const reserved = await retryOnConflict(async (): Promise<RecoveryOutcome | { reset: PasswordReset; token: string }> => {
    const now = deps.clock.now();
    const [log, existing] = await Promise.all([deps.resets.getLog(login.userId), deps.resets.get(input.requestId)]);
    if (existing && existing.status !== 'pending') return { outcome: 'settled' };
    const recent = log.entries.filter((entry) => now.getTime() - entry.at.getTime() < DAY_MS);
    const counted = recent.some((entry) => entry.id === input.requestId);
    if (!counted && recent.length >= RESETS_PER_DAY) return { outcome: 'throttled' };
    const token = newSecretToken(input.requestId);
    const reset: PasswordReset = {
      id: input.requestId,
      userId: login.userId,
      username: login.username,
      tokenHashes: [...(existing?.tokenHashes ?? []), hashToken(token)],
      status: 'pending',
      createdAt: existing?.createdAt ?? now,
      expiresAt: new Date(now.getTime() + RESET_LIFETIME_SECONDS * 1000),
    };
    const revokeId = log.latestResetId && log.latestResetId !== input.requestId ? log.latestResetId : undefined;
    await deps.resets.reserve({
      reset,
      entries: counted ? recent : [...recent, { id: input.requestId, at: now }],
      latestResetId: input.requestId,
      expectedVersion: log.version,
      revokeId,
    });
    return { reset, token };
  });
  if ('outcome' in reserved) return reserved;
  await deps.notifier.sendPasswordReset({
    to: login.email,
    language: await languageOf(deps, login),
    username: login.username,
    token: reserved.token,
    expiresAt: reserved.reset.expiresAt,
  });
  return { outcome: 'sent' };
}

/** The active logins of an account: the holder's and those of the people added with User Management. */
export async function accountLogins(deps: { activations: ActivationStore; people: PeopleStore; logins: LoginStore }, accountNumber: string): Promise<Login[]> {
  const [state, people] = await Promise.all([deps.activations.getAccountState(accountNumber), deps.people.list(accountNumber)]);
  const userIds = [state.holderUserId, ...people.map((person) => person.userId)].filter((id): id is string => Boolean(id));
  const logins = await Promise.all([...new Set(userIds)].map((id) => deps.logins.get(id)));
  return logins.filter((login): login is Login => login !== undefined && login.status === 'active');
}

async function remindUsernames(deps: RecoveryDeps, input: { accountNumber: string; emailHash: string }): Promise<RecoveryOutcome> {
  const account = await deps.accounts.get(input.accountNumber);
  if (!account) return { outcome: 'no-match' };
  const matching = (await accountLogins(deps, input.accountNumber)).filter((login) => emailHash(login.email) === input.emailHash);
  if (matching.length === 0) return { outcome: 'no-match' };
  const hit = await deps.rateLimiter.hit(`username-reminder:${input.accountNumber}`, USERNAME_REMINDER_LIMIT, deps.clock.now());
  if (!hit.allowed) return { outcome: 'throttled' };
  await deps.notifier.sendUsernameReminder({
    to: matching[0]!.email,
    language: account.language,
    usernames: matching.map((login) => login.username).sort(),
  });
  return { outcome: 'sent' };
}

async function notifyPasswordChanged(deps: RecoveryDeps, input: { userId: string }): Promise<RecoveryOutcome> {
  const login = await deps.logins.get(input.userId);
  if (!login) return { outcome: 'no-login' };
  await deps.notifier.sendPasswordChanged({ to: login.email, language: await languageOf(deps, login), username: login.username });
  return { outcome: 'sent' };
}

/** Why a reset cannot be used at `now`, if it cannot. */
export function assertResetUsable(reset: PasswordReset, now: Date): void {
  if (reset.status === 'used') throw new ResetUsedError();
  if (reset.status === 'revoked') throw new ResetRevokedError();
  if (now.getTime() >= reset.expiresAt.getTime()) throw new ResetExpiredError();
}

/** The reset a token points at, checked (hash in constant time, status, expiry). */
async function usableReset(deps: { resets: PasswordResetStore; clock: Clock }, token: string): Promise<{ reset: PasswordReset; tokenHash: string }> {
  const id = tokenRecordId(token);
  const reset = id ? await deps.resets.get(id) : undefined;
  if (!reset || !reset.tokenHashes.some((hash) => tokenMatches(token, hash))) throw new ResetNotFoundError();
  assertResetUsable(reset, deps.clock.now());
  return { reset, tokenHash: hashToken(token) };
}

/**
 * POST /v1/password-resets/verify: whether a reset link works; never consumes it.
 * @throws ResetNotFoundError, ResetExpiredError, ResetUsedError, ResetRevokedError
 */
export async function verifyPasswordReset(
  deps: { resets: PasswordResetStore; clock: Clock },
  input: { resetToken: string },
): Promise<{ status: 'valid'; username: string; expiresAt: string }> {
  const { reset } = await usableReset(deps, input.resetToken);
  return { status: 'valid', username: reset.username, expiresAt: reset.expiresAt.toISOString() };
}

/**
 * POST /v1/password-resets/complete: sets the new password and consumes the reset, exactly once
 * (a conditional write), ending every session of the login; then clears its sign-in lockout and
 * sends the "password changed" notice (follow-ups: reported, never failing what worked).
 * @throws as `verifyPasswordReset`
 */
export async function completePasswordReset(
  deps: { resets: PasswordResetStore; passwords: PasswordHasher; lockouts: LockoutStore; workflow: RecoveryWorkflow; incidents: Incidents; clock: Clock },
  input: { resetToken: string; password: string },
): Promise<void> {
  const { reset, tokenHash } = await usableReset(deps, input.resetToken);
  const passwordHash = await deps.passwords.hash(input.password);
  await deps.resets.complete({ reset, tokenHash, passwordHash, now: deps.clock.now() });
  await runFollowUps(deps.incidents, [
    ['clear sign-in lockout', () => deps.lockouts.clear(signInLockoutKey(reset.username))],
    ['password-changed notice', () => deps.workflow.startRecoveryEmail({ kind: 'password-changed', requestId: newId(), userId: reset.userId })],
  ]);
}

/**
 * PUT /v1/sessions/current/password: a signed-in user changes their password with the current
 * one. The attempt counts toward the sign-in lockout before the check, as sign-in does; other
 * sessions of the login end, the caller's stays.
 * @throws InvalidCredentialsError, RateLimitedError (TOO_MANY_ATTEMPTS)
 */
export async function changePassword(
  deps: {
    logins: LoginStore;
    resets: PasswordResetStore;
    passwords: PasswordHasher;
    lockouts: LockoutStore;
    workflow: RecoveryWorkflow;
    incidents: Incidents;
    clock: Clock;
    events?: BusinessEvents;
  },
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const login = await deps.logins.get(principal.userId);
  if (!login) throw new InvalidCredentialsError();
  const lockKey = signInLockoutKey(login.username);
  const { locksOnFailure } = await takeAttempt(deps, lockKey, SIGN_IN_LOCKOUT);
  if (!(await deps.passwords.verify(input.currentPassword, login.passwordHash))) {
    // A wrong current password counts toward the sign-in lockout, and may set it.
    if (locksOnFailure) deps.events?.record({ name: 'lockout', kind: 'sign-in' });
    throw new InvalidCredentialsError();
  }
  await deps.lockouts.clear(lockKey);
  const passwordHash = await deps.passwords.hash(input.newPassword);
  await retryOnConflict(async (attempt) => {
    const current = attempt === 1 ? login : await deps.logins.get(principal.userId);
    if (!current) throw new InvalidCredentialsError();
    await deps.resets.changePassword({
      userId: current.userId,
      passwordHash,
      expectedGeneration: current.sessionGeneration ?? 0,
      keepSessionId: principal.sessionId,
    });
  });
  await runFollowUps(deps.incidents, [
    ['password-changed notice', () => deps.workflow.startRecoveryEmail({ kind: 'password-changed', requestId: newId(), userId: login.userId })],
  ]);
}

/** The sign-in lockouts of an account's logins, for Customer Service. */
export async function signInLockouts(
  deps: { activations: ActivationStore; people: PeopleStore; logins: LoginStore; lockouts: LockoutStore; clock: Clock },
  accountNumber: string,
): Promise<{ username: string; lockedUntil: string }[]> {
  const now = deps.clock.now();
  const logins = await accountLogins(deps, accountNumber);
  const locks = await Promise.all(
    logins.map(async (login) => ({ username: login.username, until: await deps.lockouts.lockedUntil(signInLockoutKey(login.username), SIGN_IN_LOCKOUT, now) })),
  );
  return locks.filter((lock) => lock.until && lock.until > now).map((lock) => ({ username: lock.username, lockedUntil: lock.until!.toISOString() }));
}

/**
 * DELETE /v1/agent/accounts/{accountNumber}/lockouts: clears the account's identity lockout
 * (flow B) and the sign-in lockouts of its logins; audited with the agent.
 * @throws ValidationError, AccountNotFoundError
 */
export async function clearAccountLockouts(
  deps: { accounts: AccountDirectory; activations: ActivationStore; people: PeopleStore; logins: LoginStore; lockouts: LockoutStore; audit: AuditLog; clock: Clock },
  input: { accountNumber: string; agent?: string },
): Promise<void> {
  const accountNumber = normalizeAccountNumber(input.accountNumber);
  if (!accountNumber) throw new ValidationError([{ field: 'accountNumber', code: 'ACCOUNT_NUMBER_INVALID', params: { min: 9, max: 12 } }]);
  if (!(await deps.accounts.get(accountNumber))) throw new AccountNotFoundError();
  const logins = await accountLogins(deps, accountNumber);
  await Promise.all([
    deps.lockouts.clear(identityLockoutKey(accountNumber)),
    ...logins.map((login) => deps.lockouts.clear(signInLockoutKey(login.username))),
  ]);
  await deps.audit.record(accountNumber, { type: 'lockouts-cleared', at: deps.clock.now(), agent: input.agent });
}
