import { effectiveStatus, type Activation, type ActivationStatus } from './activation';
import type { BusinessEvents } from './business-events';
import { AccountAlreadyRegisteredError, AccountNotFoundError, ValidationError } from './errors';
import { normalizeAccountNumber } from './field-rules';
import { identityLockoutKey } from './register-with-identity';
import { IDENTITY_LOCKOUT, type LockoutStore } from './lockout';
import { signInLockouts } from './account-recovery';
import type { AccountDirectory, ActivationStore, AuditEvent, AuditLog, Clock, LoginStore, PeopleStore, SuppressionList, Workflow } from './ports';
import { newId } from './secrets';

/** How long an agent's request waits for the workflow to issue the activation. */
const ISSUE_WAIT_MS = 10_000;
/** History events per page of the registration status. */
export const HISTORY_PAGE_SIZE = 50;

function accountNumberOf(value: string): string {
  const accountNumber = normalizeAccountNumber(value);
  if (!accountNumber) throw new ValidationError([{ field: 'accountNumber', code: 'ACCOUNT_NUMBER_INVALID', params: { min: 9, max: 12 } }]);
  return accountNumber;
}

/**
 * A Customer Service agent sends an activation email for a caller (after the first one expired,
 * say): past the self-service daily limit, never when the holder is registered. Waits (briefly)
 * until SES accepted the email, to tell the agent when it expires; `queued` when it has not yet.
 * @throws ValidationError, AccountNotFoundError, AccountAlreadyRegisteredError
 */
export async function sendActivationForAgent(
  deps: { accounts: AccountDirectory; activations: ActivationStore; workflow: Workflow; events?: BusinessEvents },
  input: { accountNumber: string; agent?: string },
): Promise<{ status: 'sent'; expiresAt: string } | { status: 'queued'; expiresAt: null }> {
  const accountNumber = accountNumberOf(input.accountNumber);
  const account = await deps.accounts.get(accountNumber);
  if (!account) throw new AccountNotFoundError();
  if ((await deps.activations.getAccountState(accountNumber)).holderUserId) throw new AccountAlreadyRegisteredError();
  const activationId = newId();
  await deps.workflow.startActivation({ activationId, accountNumber, channel: 'agent', agent: input.agent });
  deps.events?.record({ name: 'activation-email-requested', channel: 'agent' });
  const settled = await deps.activations.awaitDelivery(activationId, ISSUE_WAIT_MS);
  // "sent" only once SES accepted the email; otherwise the workflow is still at it, and the
  // status route tells what became of it (failed included).
  if (settled?.deliveredAt && settled.status === 'pending') return { status: 'sent', expiresAt: settled.expiresAt.toISOString() };
  return { status: 'queued', expiresAt: null };
}

/** An activation as Customer Service sees it. */
export interface ActivationView {
  sentAt: string;
  expiresAt: string;
  status: ActivationStatus | 'queued';
}

function activationView(activation: Activation, now: Date): ActivationView {
  const status = effectiveStatus(activation, now);
  return {
    sentAt: activation.sentAt.toISOString(),
    expiresAt: activation.expiresAt.toISOString(),
    status: status === 'pending' && !activation.deliveredAt ? 'queued' : status,
  };
}

export interface RegistrationStatus {
  accountNumber: string;
  companyName: string;
  language: string;
  holder: { registered: boolean; username?: string; registeredAt?: string };
  pendingActivation: ActivationView | null;
  /** The activation issued last, when it is not the pending one: `queued` while its email is being retried, or `failed`. */
  latestActivation: ActivationView | null;
  identityLockedUntil: string | null;
  /**
   * The account holder's address bounced for good or its owner reported our email as spam: the
   * service sends it nothing more (activations fail), until billing has a new address.
   */
  holderEmailSuppressed: boolean;
  /** The account's logins whose sign-in is locked now, and until when. */
  signInLockouts: { username: string; lockedUntil: string }[];
  /** Newest first, one page of `HISTORY_PAGE_SIZE`. */
  history: (Omit<AuditEvent, 'at'> & { at: string })[];
  /** Gives the next page of the history; null on the last page. */
  nextCursor: string | null;
}

/**
 * What Customer Service sees of an account's registration: holder registered or not, the
 * pending activation, a lockout, and a page of the history, newest first (activations sent,
 * expired, revoked; registration; failed identity checks and lockouts; emails bounced or
 * reported as spam), and whether the holder's address gets email at all. `cursor` is the
 * `nextCursor` of the previous page.
 * @throws ValidationError (account number; `cursor` malformed or another account's), AccountNotFoundError
 */
export async function registrationStatus(
  deps: {
    accounts: AccountDirectory;
    activations: ActivationStore;
    logins: LoginStore;
    people: PeopleStore;
    lockouts: LockoutStore;
    audit: AuditLog;
    suppressions: SuppressionList;
    clock: Clock;
  },
  input: { accountNumber: string; cursor?: string },
): Promise<RegistrationStatus> {
  const accountNumber = accountNumberOf(input.accountNumber);
  const account = await deps.accounts.get(accountNumber);
  if (!account) throw new AccountNotFoundError();
  const now = deps.clock.now();
  const [state, history, lockedUntil, signInLocks, holderEmailSuppressed] = await Promise.all([
    deps.activations.getAccountState(accountNumber),
    deps.audit.listPage(accountNumber, { limit: HISTORY_PAGE_SIZE, cursor: input.cursor }),
    deps.lockouts.lockedUntil(identityLockoutKey(accountNumber), IDENTITY_LOCKOUT, now),
    signInLockouts(deps, accountNumber),
    deps.suppressions.isSuppressed(account.holder.email),
  ]);
  const holderLogin = state.holderUserId ? await deps.logins.get(state.holderUserId) : undefined;
  const pending = state.pendingActivationId ? await deps.activations.get(state.pendingActivationId) : undefined;
  const latest =
    state.latestActivationId && state.latestActivationId !== state.pendingActivationId ? await deps.activations.get(state.latestActivationId) : undefined;
  return {
    accountNumber,
    companyName: account.companyName,
    language: account.language,
    holder: holderLogin
      ? { registered: true, username: holderLogin.username, registeredAt: holderLogin.createdAt.toISOString() }
      : { registered: false },
    pendingActivation: pending ? activationView(pending, now) : null,
    latestActivation: latest ? activationView(latest, now) : null,
    identityLockedUntil: lockedUntil && lockedUntil > now ? lockedUntil.toISOString() : null,
    holderEmailSuppressed,
    signInLockouts: signInLocks,
    history: history.events.map((event) => ({ ...event, at: event.at.toISOString() })),
    nextCursor: history.nextCursor ?? null,
  };
}
