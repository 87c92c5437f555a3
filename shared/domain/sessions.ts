import type { BusinessEvents } from './business-events';
import { AppError } from './errors';
import { runFollowUps, type Incidents } from './follow-up';
import { checkUsername, maskAccountNumber, usernameKey } from './field-rules';
import { SIGN_IN_LOCKOUT, takeAttempt, type LockoutStore } from './lockout';
import type { Clock, Login, LoginStore, PasswordHasher } from './ports';
import { hashToken, newId, newSecretToken, tokenMatches, tokenRecordId } from './secrets';

/** A session lasts eight hours from sign-in. */
export const SESSION_LIFETIME_SECONDS = 8 * 3600;

/** A signed-in portal user's session; only the SHA-256 of its bearer token is stored. */
export interface Session {
  id: string;
  tokenHash: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  status: 'active' | 'revoked';
  /** The login's session generation at sign-in; a password change moves the login past it. 0 when absent. */
  generation?: number;
}

/** Sessions, keyed by the public id at the start of their token. */
export interface SessionStore {
  create(session: Session): Promise<void>;
  get(id: string): Promise<Session | undefined>;
  /** Revokes a session (sign-out); revoking twice is harmless. */
  revoke(id: string): Promise<void>;
}

/** Who is calling, once their bearer token checked out. */
export interface Principal {
  sessionId: string;
  userId: string;
  accountNumber: string;
  role: Login['role'];
}

export class InvalidCredentialsError extends AppError {
  override readonly name = 'InvalidCredentialsError';
  constructor() {
    super(401, 'INVALID_CREDENTIALS');
  }
}

export class UnauthenticatedError extends AppError {
  override readonly name = 'UnauthenticatedError';
  constructor() {
    super(401, 'UNAUTHENTICATED');
  }
}

/** The lockout key of sign-in for one username. */
export const signInLockoutKey = (username: string) => `sign-in:${usernameKey(username)}`;

// Verified when the username is unknown, so that an unknown user costs the same time as a
// wrong password (the same parameters as real hashes, computed once per cold start).
let dummyHash: Promise<string> | undefined;
const dummyHashOf = (passwords: PasswordHasher) => (dummyHash ??= passwords.hash(newId()));

/**
 * Signs a user in: one answer, `INVALID_CREDENTIALS`, for an unknown username, a wrong password
 * or a removed user, with the same work done in each case; five failures for one username
 * within 15 minutes lock it for 15 minutes.
 * @throws InvalidCredentialsError, RateLimitedError (TOO_MANY_ATTEMPTS)
 */
export async function signIn(
  deps: { logins: LoginStore; sessions: SessionStore; passwords: PasswordHasher; lockouts: LockoutStore; incidents: Incidents; clock: Clock; events?: BusinessEvents },
  input: { username: string; password: string },
): Promise<{ sessionToken: string; expiresAt: string; user: { username: string; role: Login['role']; accountNumberMasked: string } }> {
  // What could never be a username is never looked up (nor counted): same work, same answer.
  if (checkUsername(input.username).length > 0) {
    await deps.passwords.verify(input.password, await dummyHashOf(deps.passwords));
    throw new InvalidCredentialsError();
  }
  // Counted before the password is checked: a burst of parallel guesses gets at most five checks,
  // and the refused ones cost one write each, nothing more (the login is read once counted).
  const lockKey = signInLockoutKey(input.username);
  const { locksOnFailure } = await takeAttempt(deps, lockKey, SIGN_IN_LOCKOUT);
  const login = await deps.logins.getByUsername(usernameKey(input.username));
  const encoded = login?.passwordHash ?? (await dummyHashOf(deps.passwords));
  const passwordMatches = await deps.passwords.verify(input.password, encoded);
  if (!login || !passwordMatches || login.status !== 'active') {
    if (locksOnFailure) deps.events?.record({ name: 'lockout', kind: 'sign-in' });
    throw new InvalidCredentialsError();
  }

  const now = deps.clock.now();
  const id = newId();
  const sessionToken = newSecretToken(id);
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_SECONDS * 1000);
  // The attempts are forgotten beside the session's write, as a follow-up: once the session is
  // written, a failure to forget them must not refuse the sign-in (it only leaves them counted
  // until their window ends). Both settle before the answer, whichever fails.
  const forgetting = runFollowUps(deps.incidents, [['lockout-clear', () => deps.lockouts.clear(lockKey)]]);
  const [written] = await Promise.allSettled([
    deps.sessions.create({
      id,
      tokenHash: hashToken(sessionToken),
      userId: login.userId,
      createdAt: now,
      expiresAt,
      status: 'active',
      generation: login.sessionGeneration ?? 0,
    }),
    forgetting,
  ]);
  if (written.status === 'rejected') throw written.reason;
  return {
    sessionToken,
    expiresAt: expiresAt.toISOString(),
    user: { username: login.username, role: login.role, accountNumberMasked: maskAccountNumber(login.accountNumber) },
  };
}

/**
 * Checks an `Authorization: Bearer <token>` header: a known, unexpired, unrevoked session of a
 * login that is still active (removing a user ends their sessions at once).
 * @throws UnauthenticatedError
 */
export async function authenticate(
  deps: { sessions: SessionStore; logins: LoginStore; clock: Clock },
  authorization: string | undefined,
): Promise<Principal> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const id = token ? tokenRecordId(token) : undefined;
  const session = id ? await deps.sessions.get(id) : undefined;
  if (!token || !session || !tokenMatches(token, session.tokenHash)) throw new UnauthenticatedError();
  if (session.status !== 'active' || deps.clock.now().getTime() >= session.expiresAt.getTime()) throw new UnauthenticatedError();
  const login = await deps.logins.get(session.userId);
  if (!login || login.status !== 'active') throw new UnauthenticatedError();
  // A password change ends the sessions opened before it (but the changer's own).
  if ((session.generation ?? 0) !== (login.sessionGeneration ?? 0)) throw new UnauthenticatedError();
  return { sessionId: session.id, userId: login.userId, accountNumber: login.accountNumber, role: login.role };
}

/** Ends the caller's session. */
export async function signOut(deps: { sessions: SessionStore }, principal: Principal): Promise<void> {
  await deps.sessions.revoke(principal.sessionId);
}
