import { identityPostalCode, type Account } from './account';
import { effectiveStatus } from './activation';
import { retryOnConflict } from './contention';
import type { BusinessEvents } from './business-events';
import { AccountAlreadyRegisteredError, AppError, UsernameTakenError } from './errors';
import { emailKey, maskAccountNumber, normalizeAccountNumber, normalizePostalCode, usernameKey } from './field-rules';
import { IDENTITY_LOCKOUT, takeAttempt, type LockoutStore } from './lockout';
import type { AccountDirectory, ActivationStore, AuditLog, Clock, Login, LoginStore, PasswordHasher, PeopleStore, Person, Workflow } from './ports';
import type { RegistrationResult } from './register';
import { runFollowUpsSideBySide, type Incidents } from './follow-up';
import { endRevokedWait } from './issue-activation';
import { newId } from './secrets';

export class IdentityNotVerifiedError extends AppError {
  override readonly name = 'IdentityNotVerifiedError';
  constructor() {
    super(403, 'IDENTITY_NOT_VERIFIED');
  }
}

export class NotAccountHolderError extends AppError {
  override readonly name = 'NotAccountHolderError';
  constructor() {
    super(403, 'NOT_ACCOUNT_HOLDER');
  }
}

export class TechnicalUserNotEligibleError extends AppError {
  override readonly name = 'TechnicalUserNotEligibleError';
  constructor(statusCode = 403) {
    super(statusCode, 'TECHNICAL_USER_NOT_ELIGIBLE');
  }
}

/** The lockout key of flow B's identity checks for one account number. */
export const identityLockoutKey = (accountNumber: string) => `identity:${accountNumber}`;

/**
 * Flow B: the holder registers without an activation email by proving who they are — account
 * number, the postal code of the service address (billing address for mobility-only accounts)
 * and the holder's email on file. Pending activations of the account are revoked; the
 * confirmation email goes through the workflow. Five failed checks for one account number
 * within an hour lock this path for that account for an hour.
 * @throws IdentityNotVerifiedError (one answer for unknown account, wrong postal code, unknown
 *   email), NotAccountHolderError, TechnicalUserNotEligibleError, RateLimitedError
 *   (TOO_MANY_ATTEMPTS), AccountAlreadyRegisteredError, UsernameTakenError, BusyError
 */
export async function registerWithIdentity(
  deps: {
    accounts: AccountDirectory;
    activations: ActivationStore;
    logins: LoginStore;
    people: PeopleStore;
    passwords: PasswordHasher;
    workflow: Workflow;
    lockouts: LockoutStore;
    audit: AuditLog;
    incidents: Incidents;
    clock: Clock;
    events?: BusinessEvents;
  },
  input: { accountNumber: string; postalCode: string; email: string; username: string; password: string },
): Promise<RegistrationResult> {
  const accountNumber = normalizeAccountNumber(input.accountNumber)!;
  // Counted before the identity is checked: a burst of parallel guesses gets at most five checks.
  const lockKey = identityLockoutKey(accountNumber);
  const { locksOnFailure } = await takeAttempt(deps, lockKey, IDENTITY_LOCKOUT);

  // The same lookups and writes whatever the account: a refusal's timing tells nothing about it.
  // The username and the account's registration state only matter once the identity holds, but
  // are read here with the rest, every time, so that they cost no round trip of their own.
  const reads = Promise.all([
    deps.accounts.get(accountNumber),
    deps.people.list(accountNumber),
    deps.logins.takenUsernames([usernameKey(input.username)]),
    deps.activations.getAccountState(accountNumber),
  ]);
  // Hashed while the reads are under way, on every attempt the lockout lets through, refused or
  // not: the reads then take no time of their own, and a refusal takes as long as a registration.
  // The lockout bounds the cost (five hashes per account an hour), as sign-in's hash of an unknown
  // username is bounded.
  const [passwordHash, [account, people, taken, firstState]] = await Promise.all([deps.passwords.hash(input.password), reads]);
  const refusal = account ? identityRefusal(account, people, input) : new IdentityNotVerifiedError();
  if (refusal) {
    const at = deps.clock.now();
    await Promise.all([
      deps.audit.record(accountNumber, { type: 'identity-check-failed', at, reason: refusal.code }),
      locksOnFailure ? deps.audit.record(accountNumber, { type: 'identity-locked', at }) : undefined,
    ]);
    if (locksOnFailure) deps.events?.record({ name: 'lockout', kind: 'identity' });
    throw refusal;
  }
  const holder = account!;
  // The identity held: its attempts are forgotten whatever happens next (beside the write below).
  const cleared = deps.lockouts.clear(lockKey);
  // Early answers for the common cases; the transaction below is what guarantees them.
  const early = taken.size > 0 ? new UsernameTakenError() : firstState.holderUserId ? new AccountAlreadyRegisteredError() : undefined;
  if (early) {
    await cleared;
    throw early;
  }

  const writing = retryOnConflict(async (attempt) => {
    const now = deps.clock.now();
    // A retry follows a conflicting change: read again what the first try read beside the hash.
    const state = attempt === 1 ? firstState : await deps.activations.getAccountState(accountNumber);
    if (state.holderUserId) throw new AccountAlreadyRegisteredError();
    // The first try revokes the pending activation the state names without reading it first: the
    // write holds only while it is pending and unexpired, and a retry reads it to decide.
    const revokeId = attempt === 1 ? state.pendingActivationId : await pendingActivationId(deps, state.pendingActivationId, now);
    const login: Login = {
      userId: newId(),
      username: input.username,
      accountNumber,
      role: 'holder',
      name: holder.holder.name,
      email: holder.holder.email,
      passwordHash,
      status: 'active',
      createdAt: now,
    };
    // Only while the state is as read: it was read beside the hash, and an activation delivered
    // meanwhile must be revoked too.
    await deps.logins.createForHolder({ login, revokeActivationId: revokeId, expectedVersion: state.version, now });
    return { login, revokeId, now };
  });
  const [{ login, revokeId, now }] = await Promise.all([writing, cleared]);
  deps.events?.record({ name: 'registration', path: 'identity' });
  // Independent of one another: side by side, each with its own retries.
  await runFollowUpsSideBySide(deps.incidents, [
    ['end-revoked-wait', async () => revokeId && endRevokedWait(deps, revokeId)],
    ['audit', async () => revokeId && deps.audit.record(accountNumber, { type: 'activation-revoked', at: now, activationId: revokeId })],
    ['audit', () => deps.audit.record(accountNumber, { type: 'registered', at: now, role: 'holder', channel: 'identity' })],
    // Named after the login: retrying starts it once.
    ['start-confirmation', () => deps.workflow.startConfirmation({ accountNumber, userId: login.userId })],
  ]);
  return { username: login.username, role: 'holder', accountNumberMasked: maskAccountNumber(accountNumber) };
}

/** `id` when it names an activation still pending at `now`. */
async function pendingActivationId(deps: { activations: ActivationStore }, id: string | undefined, now: Date): Promise<string | undefined> {
  const activation = id ? await deps.activations.get(id) : undefined;
  return activation && effectiveStatus(activation, now) === 'pending' ? activation.id : undefined;
}

/** Why the identity does not hold, or undefined when it does. */
function identityRefusal(account: Account, people: Person[], input: { postalCode: string; email: string }): AppError | undefined {
  if (normalizePostalCode(input.postalCode) !== identityPostalCode(account)) return new IdentityNotVerifiedError();
  const email = emailKey(input.email);
  if (emailKey(account.holder.email) === email) return undefined;
  const person = [...account.authorizedUsers, ...people.filter((p) => p.status !== 'revoked')].find((p) => emailKey(p.email) === email);
  if (person?.role === 'technical') return new TechnicalUserNotEligibleError();
  if (person?.role === 'secondary') return new NotAccountHolderError();
  return new IdentityNotVerifiedError();
}
