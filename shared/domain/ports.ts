import type { Account, Language } from './account';
import type { Activation } from './activation';

/**
 * What the use cases need from the outside world. Adapters in `shared/adapters` implement these
 * on AWS; unit tests pass in-memory fakes.
 */

/** The time every decision is taken at (expiry, throttles, lockouts). Never `Date.now()` in the domain. */
export interface Clock {
  now(): Date;
}

/** Accounts imported from billing. */
export interface AccountDirectory {
  /** The account with this (normalized) number, or undefined. */
  get(accountNumber: string): Promise<Account | undefined>;
}

/** An email sent to an account, remembered for the 24-hour throttle. */
export interface EmailLogEntry {
  id: string;
  at: Date;
}

/** The registration state of one account, versioned for optimistic concurrency. */
export interface AccountRegistrationState {
  accountNumber: string;
  holderUserId?: string;
  /** The activation whose email SES accepted last: the one a holder is expected to use. */
  pendingActivationId?: string;
  /** The activation issued last, delivered or not (what Customer Service looks at first). */
  latestActivationId?: string;
  emailLog: EmailLogEntry[];
  /** 0 when the account has no state yet. */
  version: number;
}

/**
 * Activations and the per-account state they change together. An activation is issued in two
 * steps around its email: `reserve` before the send (its token works, the daily email is
 * counted), then `confirmDelivered` once SES accepted it (it becomes the account's pending
 * activation and the older one is revoked) or `failDelivery` when SES refused it for good (the
 * daily email is given back, the older link keeps working).
 */
export interface ActivationStore {
  /** The activation with this id (strongly consistent read), or undefined. */
  get(id: string): Promise<Activation | undefined>;
  getAccountState(accountNumber: string): Promise<AccountRegistrationState>;
  /**
   * Saves a pending activation about to be emailed (new, or the same id with one more token) and
   * the account's email log, and makes it the account's latest — all or nothing. For an
   * invitation (`activation.personId`), saves the activation alone.
   * @throws ConcurrentUpdateError when the state changed since `expectedVersion` was read.
   */
  reserve(change: { activation: Activation; emailLog?: EmailLogEntry[]; expectedVersion?: number }): Promise<void>;
  /**
   * SES accepted the activation's email: records it, makes it the account's pending activation
   * (for an invitation: its person's invitation) and revokes `revokeId` — all or nothing.
   * @throws ConcurrentUpdateError when anything changed since read (re-read and try again)
   */
  confirmDelivered(change: { activation: Activation; deliveredAt: Date; revokeId?: string; expectedVersion?: number }): Promise<void>;
  /**
   * SES refused the activation's email for good: marks it failed and saves the email log without
   * it (`emailLog`, when given), all or nothing.
   * @throws ConcurrentUpdateError as `reserve`
   */
  failDelivery(change: { activation: Activation; emailLog?: EmailLogEntry[]; expectedVersion?: number }): Promise<void>;
  /** Remembers that a send of this activation failed in a way that leaves open whether SES accepted it. */
  markMaybeDelivered(id: string): Promise<void>;
  /**
   * Saves the account's email log alone (a notice was sent).
   * @throws ConcurrentUpdateError as `reserve`.
   */
  saveEmailLog(accountNumber: string, emailLog: EmailLogEntry[], expectedVersion: number): Promise<void>;
  /**
   * Claims a pending, unexpired activation that holds `tokenHash` for one registration attempt,
   * for `CLAIM_SECONDS`: parallel submissions of one token then wait for that attempt instead of
   * racing it. False when it is claimed already or no longer usable.
   */
  claim(id: string, tokenHash: string, claimId: string, now: Date): Promise<boolean>;
  /** Gives up claim `claimId` (the attempt failed before consuming the activation). */
  releaseClaim(id: string, claimId: string): Promise<void>;
  /** Parks the workflow's task token on a pending activation; returns the activation as it now is. */
  parkTaskToken(id: string, taskToken: string): Promise<Activation | undefined>;
  /**
   * Waits (briefly) until the workflow settled activation `id`'s email: delivered, or no longer
   * pending (failed). Returns it as it then is, or undefined if it does not exist by then.
   */
  awaitDelivery(id: string, timeoutMs: number): Promise<Activation | undefined>;
  /** Marks a pending activation expired once `now` is past its expiry; true when it changed. */
  expire(id: string, now: Date): Promise<boolean>;
}

/** An online login: a username and password bound to one account. */
export interface Login {
  userId: string;
  username: string;
  accountNumber: string;
  role: 'holder' | 'secondary';
  name: string;
  email: string;
  passwordHash: string;
  status: 'active' | 'disabled';
  createdAt: Date;
  /** Sessions of another generation no longer work (bumped by a password change); 0 when absent. */
  sessionGeneration?: number;
}

/** Logins and the usernames they reserve. */
export interface LoginStore {
  /** Which of these username keys (lower-cased) are taken. */
  takenUsernames(keys: string[]): Promise<Set<string>>;
  get(userId: string): Promise<Login | undefined>;
  /** The login that holds this username key (lower-cased), or undefined. */
  getByUsername(usernameKey: string): Promise<Login | undefined>;
  /**
   * Creates the holder's `login` (flow B) and revokes the account's pending activation, in one
   * transaction: exactly once per username and per account holder. The activation is revoked
   * only while still pending and unexpired at `now`. With `expectedVersion`, only while the
   * account's registration state is still at that version.
   * @throws UsernameTakenError, AccountAlreadyRegisteredError, ConcurrentUpdateError (the
   *   activation to revoke or the state changed: read again), BusyError
   */
  createForHolder(change: { login: Login; revokeActivationId?: string; expectedVersion?: number; now: Date }): Promise<void>;
  /**
   * Creates `login` and consumes `activation` (with the token of hash `tokenHash`, claimed as
   * `claimId`) in one transaction: exactly once per token, per username and per account holder.
   * @throws UsernameTakenError, AccountAlreadyRegisteredError, ActivationUsedError,
   *   ActivationRevokedError, ActivationExpiredError, BusyError
   */
  createFromActivation(change: { activation: Activation; tokenHash: string; claimId: string; login: Login; now: Date }): Promise<void>;
}

/**
 * The emails the service sends. Transient failures throw `EmailDeliveryDeferred` (retried, and
 * flagged when SES may have accepted the message); permanent refusals throw `EmailRejected`.
 */
export interface Notifier {
  sendActivation(message: EmailRecipient & { token: string; expiresAt: Date }): Promise<void>;
  sendAlreadyRegisteredNotice(message: EmailRecipient): Promise<void>;
  sendConfirmation(message: EmailRecipient & { username: string }): Promise<void>;
  sendInvitation(message: InvitationMessage): Promise<void>;
}

/** An invitation of a secondary user, from the holder. */
export interface InvitationMessage {
  to: string;
  language: Language;
  inviteeName: string;
  holderName: string;
  companyName: string;
  /** Full number: the email shows it masked. */
  accountNumber: string;
  token: string;
  expiresAt: Date;
}

/** Who an email goes to and which account it is about (the email shows the number masked). */
export interface EmailRecipient {
  to: string;
  language: Language;
  recipientName: string;
  companyName: string;
  accountNumber: string;
}

/** A password reset: a one-hour, single-use link to choose a new password. Only token hashes are stored. */
export interface PasswordReset {
  id: string;
  userId: string;
  username: string;
  /** Hashes of the tokens emailed for it (a retried send adds one, like activations). */
  tokenHashes: string[];
  status: 'pending' | 'used' | 'revoked';
  createdAt: Date;
  expiresAt: Date;
}

/** The resets emailed for one login in the last 24 hours, versioned for optimistic concurrency. */
export interface ResetLog {
  userId: string;
  entries: EmailLogEntry[];
  /** The newest reset: issuing another revokes it. */
  latestResetId?: string;
  /** 0 when the login has no log yet. */
  version: number;
}

/** Password resets and the passwords they change. */
export interface PasswordResetStore {
  /** The reset with this id (strongly consistent read), or undefined. */
  get(id: string): Promise<PasswordReset | undefined>;
  getLog(userId: string): Promise<ResetLog>;
  /**
   * Saves `reset` (new, or the same id with one more token), the login's log, and revokes
   * `revokeId` if still pending — all or nothing.
   * @throws ConcurrentUpdateError when the log changed since `expectedVersion` was read
   */
  reserve(change: { reset: PasswordReset; entries: EmailLogEntry[]; latestResetId: string; expectedVersion: number; revokeId?: string }): Promise<void>;
  /**
   * Consumes the pending, unexpired reset that holds `tokenHash` and sets its login's password,
   * ending every session of the login — one conditional transaction: exactly once per reset.
   * @throws ResetUsedError, ResetRevokedError, ResetExpiredError, ResetNotFoundError, BusyError
   */
  complete(change: { reset: PasswordReset; tokenHash: string; passwordHash: string; now: Date }): Promise<void>;
  /**
   * Sets a login's password and ends its sessions but `keepSessionId` (the caller's).
   * @throws ConcurrentUpdateError when the login's sessions changed since `expectedGeneration` was read
   */
  changePassword(change: { userId: string; passwordHash: string; expectedGeneration: number; keepSessionId?: string }): Promise<void>;
}

/** The account-recovery emails (same failure contract as `Notifier`). */
export interface RecoveryNotifier {
  sendPasswordReset(message: { to: string; language: Language; username: string; token: string; expiresAt: Date }): Promise<void>;
  sendPasswordChanged(message: { to: string; language: Language; username: string }): Promise<void>;
  sendUsernameReminder(message: { to: string; language: Language; usernames: string[] }): Promise<void>;
}

/**
 * What starts an account-recovery email in the workflow; `requestId` names the execution. No
 * email address travels in it: a reminder carries the hash of the address asked about.
 */
export type RecoveryEmailRequest =
  | { kind: 'password-reset'; requestId: string; username: string }
  | { kind: 'password-changed'; requestId: string; userId: string }
  | { kind: 'username-reminder'; requestId: string; accountNumber: string; emailHash: string };

/** Starts recovery emails on the workflow (sent and retried asynchronously). */
export interface RecoveryWorkflow {
  startRecoveryEmail(input: RecoveryEmailRequest): Promise<void>;
}

/** Who asked for an activation: the holder themself, an agent, or the holder inviting a person. */
export type Channel = 'self-service' | 'agent' | 'holder';

/** What starts the activation workflow; `personId` makes it an invitation of that person. */
export interface ActivationRequest {
  activationId: string;
  accountNumber: string;
  channel: Channel;
  personId?: string;
  /**
   * Self-service only: whether the request proved the account (it exists and the postal code
   * matches). Every well-formed request starts the workflow, so that none answers faster.
   */
  identityVerified?: boolean;
  /** Agent channel: who sent it (the IAM principal), for the audit trail. */
  agent?: string;
}

/** The orchestrating workflow (Step Functions). */
export interface Workflow {
  /** Starts the activation workflow; `activationId` names the execution (idempotent). */
  startActivation(input: ActivationRequest): Promise<void>;
  /** Starts a workflow that only sends the confirmation email of a registration (flow B). */
  startConfirmation(input: { accountNumber: string; userId: string }): Promise<void>;
  /** Resumes a workflow waiting for this registration. A task that no longer waits is ignored. */
  completeRegistration(taskToken: string, output: { userId: string }): Promise<void>;
  /** Ends a wait for a registration that can no longer happen. A task that no longer waits is ignored. */
  abandon(taskToken: string, reason: 'ActivationRevoked' | 'ActivationExpired'): Promise<void>;
}

/** Why an address gets no more email: it bounced for good, or its owner reported our email as spam. */
export type SuppressionReason = 'bounced' | 'complained';

/**
 * Addresses the service no longer writes to (SES feedback). Stores a hash of each address, never
 * the address itself.
 */
export interface SuppressionList {
  /** Whether email to this address (compared case-insensitively) is suppressed now. */
  isSuppressed(email: string): Promise<boolean>;
  /** Suppresses email to this address from `at` on (for a year; a later event renews it). */
  suppress(email: string, reason: SuppressionReason, at: Date): Promise<void>;
}

/** Password hashing in a self-describing format; verification in constant time. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, encoded: string): Promise<boolean>;
}

/** Counts hits on a key over a fixed window. */
export interface RateLimiter {
  /** Records one hit; refuses it when the key already had `limit` hits in the current window. */
  hit(
    key: string,
    rule: { limit: number; windowSeconds: number },
    now: Date,
  ): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

/** What happened to an account's registration, for Customer Service. Never personal data. */
export type AuditEventType =
  | 'activation-sent'
  | 'activation-notice-sent'
  | 'activation-throttled'
  | 'activation-revoked'
  | 'activation-expired'
  | 'activation-failed'
  | 'registered'
  | 'identity-check-failed'
  | 'identity-locked'
  | 'invitation-sent'
  | 'lockouts-cleared'
  | 'email-bounced'
  | 'email-complained';

export interface AuditEvent {
  type: AuditEventType;
  at: Date;
  activationId?: string;
  channel?: string;
  /** The Customer Service agent who acted (their IAM principal), on agent actions. */
  agent?: string;
  role?: string;
  /** The refusal code of a failed identity check; SES's bounce subtype of an email that bounced. */
  reason?: string;
}

export interface AuditLog {
  /** Appends an event to the account's history. */
  record(accountNumber: string, event: AuditEvent): Promise<void>;
  /**
   * Up to `limit` events of the account, newest first, from after `cursor` (a `nextCursor` this
   * method returned for the same account) or from the newest; `nextCursor` is absent on the last page.
   * @throws ValidationError (field `cursor`) when the cursor is malformed or not this account's
   */
  listPage(accountNumber: string, page: { limit: number; cursor?: string }): Promise<{ events: AuditEvent[]; nextCursor?: string }>;
}

export type PersonRole = 'secondary' | 'technical';
/** Stored statuses; `invitation_expired` is derived from the invitation's expiry. */
export type PersonStatus = 'invited' | 'active' | 'no_online_access' | 'revoked';

/** Someone the holder added with User Management. */
export interface Person {
  personId: string;
  accountNumber: string;
  name: string;
  email: string;
  role: PersonRole;
  status: PersonStatus;
  /** Their login, once they registered. */
  userId?: string;
  /** Their latest invitation (an activation of purpose `secondary`). */
  invitationId?: string;
  invitationExpiresAt?: Date;
  createdAt: Date;
  /** When the holder removed them (status `revoked`); the record is deleted 90 days later. */
  removedAt?: Date;
}

/** One invitation (new or resent) counted toward User Management's 24-hour limits. */
export interface InvitationLogEntry {
  personId: string;
  at: Date;
}

/**
 * The invitations an account sent in the last 24 hours, versioned for optimistic concurrency:
 * every add (technical ones too) and every resend bumps the version, so that they serialize.
 */
export interface InvitationLog {
  accountNumber: string;
  entries: InvitationLogEntry[];
  /** 0 when the account has no log yet. */
  version: number;
}

/** The people of each account added with User Management. */
export interface PeopleStore {
  list(accountNumber: string): Promise<Person[]>;
  get(accountNumber: string, personId: string): Promise<Person | undefined>;
  /** The account's invitation log (strongly consistent read); version 0 when there is none yet. */
  getInvitationLog(accountNumber: string): Promise<InvitationLog>;
  /**
   * Adds a person and saves the account's invitation log as `log.entries`, all or nothing; an
   * email is listed once per account among people not removed.
   * @throws UserAlreadyExistsError (even when the log changed too), ConcurrentUpdateError when
   *   the log changed since `log.expectedVersion` was read (read again), BusyError
   */
  add(person: Person, log: { entries: InvitationLogEntry[]; expectedVersion: number }): Promise<void>;
  /**
   * Saves the account's invitation log as `log.entries` for a new invitation of `person`, while
   * that person is still invited.
   * @throws ConcurrentUpdateError when the log or the person changed since read, BusyError
   */
  recordInvitation(person: Person, log: { entries: InvitationLogEntry[]; expectedVersion: number }): Promise<void>;
  /**
   * Removes a person at `now`: marks them revoked (deleted 90 days later), disables their login,
   * revokes invitation `revokeInvitationId`, frees their email — all or nothing.
   * @throws ConcurrentUpdateError when any of these changed since read, BusyError
   */
  remove(person: Person, now: Date, revokeInvitationId?: string): Promise<void>;
}
