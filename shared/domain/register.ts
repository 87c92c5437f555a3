import { maskAccountNumber, usernameKey } from './field-rules';
import { findUsableActivation } from './activation';
import { AccountNotFoundError, ActivationRevokedError, UsernameTakenError } from './errors';
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
import { newId } from './secrets';

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
    clock: Clock;
  },
  input: { activationToken: string; username: string; password: string },
): Promise<RegistrationResult> {
  const activation = await findUsableActivation((id) => deps.activations.get(id), input.activationToken, deps.clock.now());
  const account = await deps.accounts.get(activation.accountNumber);
  // An activation outliving its account (removed from billing) can no longer register anyone.
  if (!account) throw new AccountNotFoundError();
  // An invitation registers the person it was sent to, as a secondary user.
  const person = activation.personId ? await deps.people.get(account.accountNumber, activation.personId) : undefined;
  if (activation.purpose === 'secondary' && person?.status !== 'invited') throw new ActivationRevokedError();

  // Early answer for the common case; the transaction below is what guarantees uniqueness.
  const taken = await deps.logins.takenUsernames([usernameKey(input.username)]);
  if (taken.size > 0) throw new UsernameTakenError();

  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock.now();
  const login: Login = {
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
  await deps.logins.createFromActivation({ activation, login, now });
  await deps.audit.record(account.accountNumber, { type: 'registered', at: now, activationId: activation.id, role: login.role });

  // The workflow may not have parked its token yet; if so it finds the activation consumed and
  // resumes itself (see awaitRegistration).
  const consumed = await deps.activations.get(activation.id);
  if (consumed?.taskToken) await deps.workflow.completeRegistration(consumed.taskToken, { userId: login.userId });

  return { username: login.username, role: login.role, accountNumberMasked: maskAccountNumber(account.accountNumber) };
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
  await deps.notifier.sendConfirmation({ to: login.email, language: account.language, username: login.username });
  return { sent: true };
}
