import type { Account } from './account';
import { effectiveStatus } from './activation';
import { retryOnConflict } from './contention';
import { AccountAlreadyRegisteredError, AccountNotFoundError, AppError, ValidationError } from './errors';
import { checkEmail, checkName, emailKey } from './field-rules';
import { endRevokedWait } from './issue-activation';
import { TechnicalUserNotEligibleError } from './register-with-identity';
import type { Principal } from './sessions';
import type {
  AccountDirectory,
  ActivationStore,
  Clock,
  InvitationLogEntry,
  LoginStore,
  PeopleStore,
  Person,
  PersonRole,
  Workflow,
} from './ports';
import { newId } from './secrets';

/** User Management cannot be used to send mail at will (product spec §3 C). */
export const MAX_PEOPLE_PER_ACCOUNT = 50;
export const INVITATIONS_PER_ACCOUNT_PER_DAY = 10;
export const INVITATIONS_PER_PERSON_PER_DAY = 3;
const DAY_MS = 86_400_000;

export class HolderOnlyError extends AppError {
  override readonly name = 'HolderOnlyError';
  constructor() {
    super(403, 'HOLDER_ONLY');
  }
}

export class UserAlreadyExistsError extends AppError {
  override readonly name = 'UserAlreadyExistsError';
  constructor(cause?: unknown) {
    super(409, 'USER_ALREADY_EXISTS', { cause });
  }
}

/**
 * 429 `TOO_MANY_INVITATIONS`. With `retryAfterSeconds` (→ `Retry-After`) for the rolling 24-hour
 * invitation limits. Without it for the 50-people cap: the spec's codes for adding a user have
 * nothing closer (409 is for the person's own conflicts), and waiting does not lift the cap —
 * removing someone does — so a `Retry-After` would only make clients retry in vain.
 */
export class TooManyInvitationsError extends AppError {
  override readonly name = 'TooManyInvitationsError';
  constructor(retryAfterSeconds?: number) {
    super(429, 'TOO_MANY_INVITATIONS', {
      retryAfterSeconds,
      params: { perAccount: INVITATIONS_PER_ACCOUNT_PER_DAY, perPerson: INVITATIONS_PER_PERSON_PER_DAY, maxPeople: MAX_PEOPLE_PER_ACCOUNT },
    });
  }
}

export class UserNotFoundError extends AppError {
  override readonly name = 'UserNotFoundError';
  constructor() {
    super(404, 'USER_NOT_FOUND');
  }
}

export class CannotRemoveHolderError extends AppError {
  override readonly name = 'CannotRemoveHolderError';
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

/**
 * Admits one more invitation of `personId` at `now` under the rolling 24-hour limits (10 per
 * account, 3 per person): the log to save (entries older than 24 hours dropped, this one added),
 * or the seconds until enough counted invitations leave the window.
 */
export function admitInvitation(
  entries: InvitationLogEntry[],
  personId: string,
  now: Date,
): { allowed: true; entries: InvitationLogEntry[] } | { allowed: false; retryAfterSeconds: number } {
  const recent = recentInvitations(entries, now);
  const ofPerson = recent.filter((e) => e.personId === personId);
  // Counted entries are oldest first: the oldest leaving the window frees one invitation.
  const freedAt = [
    ...(recent.length >= INVITATIONS_PER_ACCOUNT_PER_DAY ? [recent[recent.length - INVITATIONS_PER_ACCOUNT_PER_DAY]!] : []),
    ...(ofPerson.length >= INVITATIONS_PER_PERSON_PER_DAY ? [ofPerson[ofPerson.length - INVITATIONS_PER_PERSON_PER_DAY]!] : []),
  ].map((e) => e.at.getTime() + DAY_MS);
  if (freedAt.length > 0) {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((Math.max(...freedAt) - now.getTime()) / 1000)) };
  }
  return { allowed: true, entries: [...recent, { personId, at: now }] };
}

/** The invitations of the last 24 hours before `now`, oldest first. */
function recentInvitations(entries: InvitationLogEntry[], now: Date): InvitationLogEntry[] {
  return entries.filter((e) => now.getTime() - e.at.getTime() < DAY_MS).sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The entries to save with an invitation, or TooManyInvitationsError (with `Retry-After`). */
function invitationEntries(entries: InvitationLogEntry[], personId: string, now: Date): InvitationLogEntry[] {
  const admitted = admitInvitation(entries, personId, now);
  if (!admitted.allowed) throw new TooManyInvitationsError(admitted.retryAfterSeconds);
  return admitted.entries;
}

/**
 * A technical user's address: on file with billing as `technical`, or recorded as technical in
 * User Management (not removed). Such an address never gets a login, hence no invitation.
 */
function isTechnicalAddress(account: Account, people: Person[], email: string): boolean {
  const key = emailKey(email);
  return (
    account.authorizedUsers.some((u) => u.role === 'technical' && emailKey(u.email) === key) ||
    people.some((p) => p.role === 'technical' && p.status !== 'revoked' && emailKey(p.email) === key)
  );
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
 * workflow) or a technical user (recorded, never invited, never able to register). At most 50
 * people per account; a secondary user's invitation counts toward the 24-hour limits.
 * @throws HolderOnlyError, ValidationError, TechnicalUserNotEligibleError (409),
 *   UserAlreadyExistsError, TooManyInvitationsError, BusyError
 */
export async function addUser(
  deps: { accounts: AccountDirectory; people: PeopleStore; workflow: Workflow; clock: Clock },
  principal: Principal,
  input: { name: string; email: string; role: string },
): Promise<{ userId: string; status: AccountUser['status'] }> {
  assertHolder(principal);
  const problems = [
    ...checkName(input.name).map((p) => ({ field: 'name', ...p })),
    ...checkEmail(input.email).map((p) => ({ field: 'email', ...p })),
    ...(input.role === 'secondary' || input.role === 'technical' ? [] : [{ field: 'role', code: 'ROLE_INVALID' as const }]),
  ];
  if (problems.length > 0) throw new ValidationError(problems);
  const account = await deps.accounts.get(principal.accountNumber);
  if (!account) throw new AccountNotFoundError();
  if (emailKey(account.holder.email) === emailKey(input.email)) throw new UserAlreadyExistsError();
  const role = input.role as PersonRole;

  const person = await retryOnConflict(async () => {
    // The log first, then the people: an add that commits after the log was read changes its
    // version and fails ours, so the people read here are all there are when ours commits.
    const log = await deps.people.getInvitationLog(account.accountNumber);
    const current = (await deps.people.list(account.accountNumber)).filter((p) => p.status !== 'revoked');
    // A technical address stays technical: checked before the duplicate, which it may also be.
    if (role === 'secondary' && isTechnicalAddress(account, current, input.email)) throw new TechnicalUserNotEligibleError(409);
    if (current.some((p) => emailKey(p.email) === emailKey(input.email))) throw new UserAlreadyExistsError();
    if (current.length >= MAX_PEOPLE_PER_ACCOUNT) throw new TooManyInvitationsError();
    const now = deps.clock.now();
    const added: Person = {
      personId: newId(),
      accountNumber: account.accountNumber,
      name: input.name.trim(),
      email: input.email.trim(),
      role,
      status: role === 'technical' ? 'no_online_access' : 'invited',
      createdAt: now,
    };
    // A technical user is never invited: their add counts no invitation, only toward the 50.
    const entries = role === 'secondary' ? invitationEntries(log.entries, added.personId, now) : recentInvitations(log.entries, now);
    await deps.people.add(added, { entries, expectedVersion: log.version }); // UserAlreadyExistsError for an email taken meanwhile
    return added;
  });
  if (role === 'secondary') await startInvitation(deps, person);
  return { userId: person.personId, status: displayedStatus(person, deps.clock.now()) };
}

/**
 * Sends a new invitation (the older one is revoked when it is issued); it counts toward the
 * 24-hour limits, recorded before the workflow starts.
 * @throws HolderOnlyError, UserNotFoundError, TechnicalUserNotEligibleError (409),
 *   AccountAlreadyRegisteredError, TooManyInvitationsError, BusyError
 */
export async function resendInvitation(
  deps: { accounts: AccountDirectory; people: PeopleStore; workflow: Workflow; clock: Clock },
  principal: Principal,
  input: { userId: string },
): Promise<void> {
  assertHolder(principal);
  const account = await deps.accounts.get(principal.accountNumber);
  if (!account) throw new AccountNotFoundError();
  const person = await retryOnConflict(async () => {
    const log = await deps.people.getInvitationLog(account.accountNumber);
    const found = await findPerson(deps, principal, input.userId);
    if (found.role === 'technical' || isTechnicalAddress(account, [], found.email)) throw new TechnicalUserNotEligibleError(409);
    if (found.status === 'active') throw new AccountAlreadyRegisteredError();
    const entries = invitationEntries(log.entries, found.personId, deps.clock.now());
    await deps.people.recordInvitation(found, { entries, expectedVersion: log.version });
    return found;
  });
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

/**
 * Removes a user: their login is disabled (which ends their sessions), their invitation is
 * revoked (and its workflow ends); the holder cannot be removed. The record is deleted 90 days
 * after the removal.
 * @throws HolderOnlyError, CannotRemoveHolderError, UserNotFoundError, BusyError
 */
export async function removeUser(
  deps: { people: PeopleStore; activations: ActivationStore; workflow: Workflow; clock: Clock },
  principal: Principal,
  input: { userId: string },
): Promise<void> {
  assertHolder(principal);
  if (input.userId === principal.userId) throw new CannotRemoveHolderError();
  const revokeInvitation = await retryOnConflict(async () => {
    const person = await findPerson(deps, principal, input.userId);
    const now = deps.clock.now();
    const invitation = person.invitationId ? await deps.activations.get(person.invitationId) : undefined;
    const revoke = invitation && effectiveStatus(invitation, now) === 'pending' ? invitation : undefined;
    await deps.people.remove(person, now, revoke?.id);
    return revoke;
  });
  if (revokeInvitation) await endRevokedWait(deps, revokeInvitation.id);
}
