import { effectiveStatus } from './activation';
import { AccountAlreadyRegisteredError, AccountNotFoundError, AppError, ConcurrentUpdateError, ValidationError } from './errors';
import { checkEmail, emailKey } from './field-rules';
import { TechnicalUserNotEligibleError } from './register-with-identity';
import type { Principal } from './sessions';
import type {
  AccountDirectory,
  ActivationStore,
  Clock,
  LoginStore,
  PeopleStore,
  Person,
  PersonRole,
  Workflow,
} from './ports';
import { newId } from './secrets';

export class HolderOnlyError extends AppError {
  constructor() {
    super(403, 'HOLDER_ONLY');
  }
}

export class UserAlreadyExistsError extends AppError {
  constructor() {
    super(409, 'USER_ALREADY_EXISTS');
  }
}

export class UserNotFoundError extends AppError {
  constructor() {
    super(404, 'USER_NOT_FOUND');
  }
}

export class CannotRemoveHolderError extends AppError {
  constructor() {
    super(409, 'CANNOT_REMOVE_HOLDER');
  }
}

/** A user as User Management lists them. */
export interface AccountUser {
  userId: string;
  name: string;
  email: string;
  role: 'holder' | PersonRole;
  status: 'active' | 'invited' | 'invitation_expired' | 'no_online_access' | 'revoked';
}

/** Only the account holder may use User Management. @throws HolderOnlyError */
function assertHolder(principal: Principal): void {
  if (principal.role !== 'holder') throw new HolderOnlyError();
}

/** The status shown for a person: an invitation past its expiry shows as expired. */
export function displayedStatus(person: Person, now: Date): AccountUser['status'] {
  if (person.role === 'technical') return person.status === 'revoked' ? 'revoked' : 'no_online_access';
  if (person.status === 'invited' && person.invitationExpiresAt && now >= person.invitationExpiresAt) return 'invitation_expired';
  return person.status;
}

/**
 * The people of the caller's account: the holder, then the users added with User Management.
 * @throws HolderOnlyError
 */
export async function listUsers(
  deps: { accounts: AccountDirectory; logins: LoginStore; people: PeopleStore; clock: Clock },
  principal: Principal,
): Promise<{ users: AccountUser[] }> {
  assertHolder(principal);
  const [holder, people] = await Promise.all([deps.logins.get(principal.userId), deps.people.list(principal.accountNumber)]);
  const now = deps.clock.now();
  const users: AccountUser[] = [];
  if (holder) users.push({ userId: holder.userId, name: holder.name, email: holder.email, role: 'holder', status: 'active' });
  for (const person of people.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    users.push({ userId: person.personId, name: person.name, email: person.email, role: person.role, status: displayedStatus(person, now) });
  }
  return { users };
}

/**
 * Adds a secondary user (invited by email with a five-day single-use link, through the
 * workflow) or a technical user (recorded, never invited, never able to register).
 * @throws HolderOnlyError, ValidationError, UserAlreadyExistsError
 */
export async function addUser(
  deps: { accounts: AccountDirectory; people: PeopleStore; workflow: Workflow; clock: Clock },
  principal: Principal,
  input: { name: string; email: string; role: string },
): Promise<{ userId: string; status: AccountUser['status'] }> {
  assertHolder(principal);
  const problems = [
    ...(input.name.trim().length > 200 ? [{ field: 'name', code: 'NAME_INVALID' as const }] : []),
    ...checkEmail(input.email).map((p) => ({ field: 'email', ...p })),
    ...(input.role === 'secondary' || input.role === 'technical' ? [] : [{ field: 'role', code: 'ROLE_INVALID' as const }]),
  ];
  if (problems.length > 0) throw new ValidationError(problems);
  const account = await deps.accounts.get(principal.accountNumber);
  if (!account) throw new AccountNotFoundError();
  if (emailKey(account.holder.email) === emailKey(input.email)) throw new UserAlreadyExistsError();

  const role = input.role as PersonRole;
  const person: Person = {
    personId: newId(),
    accountNumber: principal.accountNumber,
    name: input.name.trim(),
    email: input.email.trim(),
    role,
    status: role === 'technical' ? 'no_online_access' : 'invited',
    createdAt: deps.clock.now(),
  };
  await deps.people.add(person); // throws UserAlreadyExistsError for an email already listed
  if (role === 'secondary') await startInvitation(deps, person);
  return { userId: person.personId, status: displayedStatus(person, deps.clock.now()) };
}

/**
 * Sends a new invitation (the older one is revoked when it is issued).
 * @throws HolderOnlyError, UserNotFoundError, TechnicalUserNotEligibleError (409),
 *   AccountAlreadyRegisteredError
 */
export async function resendInvitation(
  deps: { people: PeopleStore; workflow: Workflow },
  principal: Principal,
  input: { userId: string },
): Promise<void> {
  assertHolder(principal);
  const person = await findPerson(deps, principal, input.userId);
  if (person.role === 'technical') throw new TechnicalUserNotEligibleError(409);
  if (person.status === 'active') throw new AccountAlreadyRegisteredError();
  await startInvitation(deps, person);
}

/** A person of the caller's account who was not removed. @throws UserNotFoundError */
async function findPerson(deps: { people: PeopleStore }, principal: Principal, userId: string): Promise<Person> {
  // Ids are ours (22 base64url characters): anything else names nobody, and is not looked up.
  const person = /^[A-Za-z0-9_-]{22}$/.test(userId) ? await deps.people.get(principal.accountNumber, userId) : undefined;
  if (!person || person.status === 'revoked') throw new UserNotFoundError();
  return person;
}

function startInvitation(deps: { workflow: Workflow }, person: Person): Promise<void> {
  return deps.workflow.startActivation({
    activationId: newId(),
    accountNumber: person.accountNumber,
    channel: 'holder',
    personId: person.personId,
  });
}

const MAX_ATTEMPTS = 5;

/**
 * Removes a user: their login is disabled (which ends their sessions), their invitation is
 * revoked (and its workflow ends); the holder cannot be removed.
 * @throws HolderOnlyError, CannotRemoveHolderError, UserNotFoundError
 */
export async function removeUser(
  deps: { people: PeopleStore; activations: ActivationStore; workflow: Workflow; clock: Clock },
  principal: Principal,
  input: { userId: string },
): Promise<void> {
  assertHolder(principal);
  if (input.userId === principal.userId) throw new CannotRemoveHolderError();
  for (let attempt = 1; ; attempt++) {
    const person = await findPerson(deps, principal, input.userId);
    const invitation = person.invitationId ? await deps.activations.get(person.invitationId) : undefined;
    const revokeInvitation = invitation && effectiveStatus(invitation, deps.clock.now()) === 'pending' ? invitation : undefined;
    try {
      await deps.people.remove(person, revokeInvitation?.id);
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
    if (revokeInvitation?.taskToken) await deps.workflow.abandon(revokeInvitation.taskToken, 'ActivationRevoked');
    return;
  }
}
