import { effectiveStatus } from './activation';
import { AccountAlreadyRegisteredError, AccountNotFoundError, ValidationError } from './errors';
import { normalizeAccountNumber } from './field-rules';
import { identityLockoutKey } from './register-with-identity';
import type { LockoutStore } from './lockout';
import type { AccountDirectory, ActivationStore, AuditEvent, AuditLog, Clock, LoginStore, Workflow } from './ports';
import { newId } from './secrets';

/** How long an agent's request waits for the workflow to issue the activation. */
const ISSUE_WAIT_MS = 10_000;

function accountNumberOf(value: string): string {
  const accountNumber = normalizeAccountNumber(value);
  if (!accountNumber) throw new ValidationError([{ field: 'accountNumber', code: 'ACCOUNT_NUMBER_INVALID', params: { min: 9, max: 12 } }]);
  return accountNumber;
}

/**
 * A Customer Service agent sends an activation email for a caller (after the first one expired,
 * say): past the self-service daily limit, never when the holder is registered. Waits until the
 * workflow issued it, to tell the agent when it expires.
 * @throws ValidationError, AccountNotFoundError, AccountAlreadyRegisteredError
 */
export async function sendActivationForAgent(
  deps: { accounts: AccountDirectory; activations: ActivationStore; workflow: Workflow },
  input: { accountNumber: string },
): Promise<{ status: 'sent'; expiresAt: string | null }> {
  const accountNumber = accountNumberOf(input.accountNumber);
  const account = await deps.accounts.get(accountNumber);
  if (!account) throw new AccountNotFoundError();
  if ((await deps.activations.getAccountState(accountNumber)).holderUserId) throw new AccountAlreadyRegisteredError();
  const activationId = newId();
  await deps.workflow.startActivation({ activationId, accountNumber, channel: 'agent' });
  const issued = await deps.activations.awaitIssued(activationId, ISSUE_WAIT_MS);
  // null only when the workflow is still retrying (SES throttling): it will send, later.
  return { status: 'sent', expiresAt: issued ? issued.expiresAt.toISOString() : null };
}

export interface RegistrationStatus {
  accountNumber: string;
  companyName: string;
  language: string;
  holder: { registered: boolean; username?: string; registeredAt?: string };
  pendingActivation: { sentAt: string; expiresAt: string; status: string } | null;
  identityLockedUntil: string | null;
  history: (Omit<AuditEvent, 'at'> & { at: string })[];
}

/**
 * What Customer Service sees of an account's registration: holder registered or not, the
 * pending activation, a lockout, and the history (activations sent, expired, revoked;
 * registration; failed identity checks and lockouts).
 * @throws ValidationError, AccountNotFoundError
 */
export async function registrationStatus(
  deps: { accounts: AccountDirectory; activations: ActivationStore; logins: LoginStore; lockouts: LockoutStore; audit: AuditLog; clock: Clock },
  input: { accountNumber: string },
): Promise<RegistrationStatus> {
  const accountNumber = accountNumberOf(input.accountNumber);
  const account = await deps.accounts.get(accountNumber);
  if (!account) throw new AccountNotFoundError();
  const now = deps.clock.now();
  const [state, history, lockout] = await Promise.all([
    deps.activations.getAccountState(accountNumber),
    deps.audit.list(accountNumber),
    deps.lockouts.get(identityLockoutKey(accountNumber)),
  ]);
  const holderLogin = state.holderUserId ? await deps.logins.get(state.holderUserId) : undefined;
  const pending = state.pendingActivationId ? await deps.activations.get(state.pendingActivationId) : undefined;
  return {
    accountNumber,
    companyName: account.companyName,
    language: account.language,
    holder: holderLogin
      ? { registered: true, username: holderLogin.username, registeredAt: holderLogin.createdAt.toISOString() }
      : { registered: false },
    pendingActivation: pending
      ? { sentAt: pending.sentAt.toISOString(), expiresAt: pending.expiresAt.toISOString(), status: effectiveStatus(pending, now) }
      : null,
    identityLockedUntil: lockout.lockedUntil && lockout.lockedUntil > now ? lockout.lockedUntil.toISOString() : null,
    history: history.map((event) => ({ ...event, at: event.at.toISOString() })),
  };
}
