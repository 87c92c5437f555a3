import type { BusinessEvents } from './business-events';
import { maskAccountNumber, usernameKey } from './field-rules';
import { assertUsable, findUsableActivation, type Activation } from './activation';
import { CONTENTION_ATTEMPTS, patientBackoff } from './contention';
import { AccountNotFoundError, ActivationNotFoundError, ActivationRevokedError, BusyError, UsernameTakenError } from './errors';
import type {
  AccountDirectory,
  ActivationStore,
  AuditLog,
  Clock,
  Login,
  LoginStore,
  Notifier,
  PasswordHasher,
  PeopleStore,
  Workflow,
} from './ports';
import { registerWithIdentity } from './register-with-identity';
import { runFollowUpsSideBySide, type Incidents } from './follow-up';
import { hashToken, newId } from './secrets';

export interface RegistrationResult {
  username: string;
  role: Login['role'];
  accountNumberMasked: string;
}

/**
 * Flows A and C, registration with a token: creates the holder's login (activation email) or a
 * secondary user's (invitation) and consumes the token, exactly once; then resumes the workflow
 * so it sends the confirmation.
 * @throws ActivationNotFoundError, ActivationExpiredError, ActivationUsedError,
 *   ActivationRevokedError, UsernameTakenError, AccountAlreadyRegisteredError, BusyError
 */
export async function registerWithActivation(
  deps: {
    accounts: AccountDirectory;
    activations: ActivationStore;
    logins: LoginStore;
    people: PeopleStore;
    passwords: PasswordHasher;
    workflow: Workflow;
    audit: AuditLog;
    incidents: Incidents;
    clock: Clock;
    events?: BusinessEvents;
  },
  input: { activationToken: string; username: string; password: string },
): Promise<RegistrationResult> {
  // The username is read beside the activation, to save a round trip; the token's refusals still come first.
  const [activation, taken] = await Promise.all([
    findUsableActivation((id) => deps.activations.get(id), input.activationToken, deps.clock.now()),
    deps.logins.takenUsernames([usernameKey(input.username)]),
  ]);
  // An invitation registers the person it was sent to, as a secondary user.
  const [account, person] = await Promise.all([
    deps.accounts.get(activation.accountNumber),
    activation.personId ? deps.people.get(activation.accountNumber, activation.personId) : undefined,
  ]);
  // An activation outliving its account (removed from billing) can no longer register anyone.
  if (!account) throw new AccountNotFoundError();
  if (activation.purpose === 'secondary' && person?.status !== 'invited') throw new ActivationRevokedError();

  // Early answer for the common case; the transaction below is what guarantees uniqueness.
  if (taken.size > 0) throw new UsernameTakenError();

  // One attempt per token at a time: a double-clicked "submit" waits for the first attempt and
  // then reads its outcome (ACTIVATION_USED), rather than racing it into a transaction conflict.
  const claimId = newId();
  const tokenHash = hashToken(input.activationToken);
  await claimActivation(deps, activation, tokenHash, claimId);
  let login: Login;
  try {
    const passwordHash = await deps.passwords.hash(input.password);
    const now = deps.clock.now();
    login = {
      userId: newId(),
      username: input.username,
      accountNumber: account.accountNumber,
      role: activation.purpose,
      name: person?.name ?? account.holder.name,
      email: person?.email ?? account.holder.email,
      passwordHash,
      status: 'active',
      createdAt: now,
    };
    await deps.logins.createFromActivation({ activation, tokenHash, claimId, login, now });
  } catch (error) {
    // Refused (username taken meanwhile…): the token stays usable for the next attempt.
    await deps.activations.releaseClaim(activation.id, claimId);
    throw error;
  }
  const now = login.createdAt;
  deps.events?.record({ name: 'registration', path: login.role === 'holder' ? 'token-holder' : 'token-secondary' });
  // Independent of one another: side by side, each with its own retries.
  await runFollowUpsSideBySide(deps.incidents, [
    ['audit', () => deps.audit.record(account.accountNumber, { type: 'registered', at: now, activationId: activation.id, role: login.role })],
    // The workflow may not have parked its token yet; if so it finds the activation consumed and
    // resumes itself (see awaitRegistration). If it cannot be resumed now, its five-day timeout
    // finds the activation consumed and still sends the confirmation.
    [
      'resume-workflow',
      async () => {
        const consumed = await deps.activations.get(activation.id);
        if (consumed?.taskToken) await deps.workflow.completeRegistration(consumed.taskToken, { userId: login.userId });
      },
    ],
  ]);

  return { username: login.username, role: login.role, accountNumberMasked: maskAccountNumber(account.accountNumber) };
}

/**
 * Claims `activation` for this attempt; while a parallel attempt holds it, waits for its outcome
 * (`patientBackoff`: 1.8–3.7 s in all before giving up).
 * @throws ActivationUsedError once the parallel attempt consumed it (and the other 410/404
 *   refusals), BusyError when it is still held after the waits
 */
async function claimActivation(deps: { activations: ActivationStore; clock: Clock }, activation: Activation, tokenHash: string, claimId: string): Promise<void> {
  let current: Activation | undefined = activation;
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock.now();
    if (!current || !current.tokenHashes.includes(tokenHash)) throw new ActivationNotFoundError();
    assertUsable(current, now);
    // While another attempt holds it, only read: writing to an item that a transaction is
    // consuming would only conflict with it.
    const held = current.claimedUntil && current.claimedUntil > now;
    if (!held && (await deps.activations.claim(activation.id, tokenHash, claimId, now))) return;
    if (attempt >= CONTENTION_ATTEMPTS) throw new BusyError();
    await patientBackoff(attempt);
    current = await deps.activations.get(activation.id);
  }
}

/**
 * POST /v1/registrations: with a token (activation or invitation), or with identity proof.
 * @throws everything `registerWithActivation` and `registerWithIdentity` throw
 */
export async function register(
  deps: Parameters<typeof registerWithActivation>[0] & Parameters<typeof registerWithIdentity>[0],
  form:
    | { form: 'token'; activationToken: string; username: string; password: string }
    | { form: 'identity'; accountNumber: string; postalCode: string; email: string; username: string; password: string },
): Promise<RegistrationResult> {
  return form.form === 'token' ? registerWithActivation(deps, form) : registerWithIdentity(deps, form);
}

/** Flow A, last step (workflow): tells the new user that their online account was created. */
export async function sendConfirmation(
  deps: { accounts: AccountDirectory; logins: LoginStore; notifier: Notifier },
  input: { accountNumber: string; userId: string },
): Promise<{ sent: boolean }> {
  const [login, account] = await Promise.all([deps.logins.get(input.userId), deps.accounts.get(input.accountNumber)]);
  if (!login || !account) return { sent: false };
  await deps.notifier.sendConfirmation({
    to: login.email,
    language: account.language,
    recipientName: login.name,
    companyName: account.companyName,
    accountNumber: account.accountNumber,
    username: login.username,
  });
  return { sent: true };
}
