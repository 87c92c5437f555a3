import { identityPostalCode, type Account } from './account';
import type { BusinessEvents } from './business-events';
import { activationExpiry, effectiveStatus, type Activation } from './activation';
import { retryOnConflict } from './contention';
import { runFollowUps, type Incidents } from './follow-up';
import { EmailDeliveryDeferred, EmailRejected } from './errors';
import { normalizeAccountNumber, normalizePostalCode } from './field-rules';
import type {
  AccountDirectory,
  ActivationRequest,
  ActivationStore,
  AuditLog,
  Clock,
  EmailLogEntry,
  EmailRecipient,
  Notifier,
  PeopleStore,
  Person,
  Workflow,
} from './ports';
import { hashToken, newId, newSecretToken } from './secrets';

/** At most three activation emails (or notices) per account per rolling 24 hours, self-service. */
export const EMAILS_PER_DAY = 3;
const DAY_MS = 86_400_000;

/**
 * Flow A, step 1 (API): a request for an activation email. Every well-formed request takes the
 * same path until the answer — one account lookup, one workflow start — whatever the account,
 * so neither the answer nor its timing tells whether the account exists or the postal code
 * matches; the workflow drops the requests that did not prove the account.
 */
export async function requestActivation(
  deps: { accounts: AccountDirectory; workflow: Workflow; events?: BusinessEvents },
  request: { accountNumber: string; postalCode: string },
): Promise<void> {
  const accountNumber = normalizeAccountNumber(request.accountNumber);
  const postalCode = normalizePostalCode(request.postalCode);
  if (!accountNumber || !postalCode) return;
  const account = await deps.accounts.get(accountNumber);
  await deps.workflow.startActivation({
    activationId: newId(),
    accountNumber,
    channel: 'self-service',
    identityVerified: account !== undefined && identityPostalCode(account) === postalCode,
  });
  deps.events?.record({ name: 'activation-email-requested', channel: 'self-service' });
}

export type IssueOutcome =
  /** `revokedActivationId`: the older activation this one replaced, whose workflow still waits (see `awaitRegistration`). */
  | { outcome: 'sent'; expiresAt: string; revokedActivationId?: string }
  | { outcome: 'notice-sent' }
  | { outcome: 'throttled' }
  | { outcome: 'failed' }
  | { outcome: 'no-account' }
  | { outcome: 'not-verified' }
  | { outcome: 'not-invitable' };

/**
 * Issuing and settling never call the workflow: the wait of the activation a delivered one
 * replaces is ended by the next state (AwaitRegistration), which keeps that id in its input
 * across retries.
 */
type IssueDeps = {
  accounts: AccountDirectory;
  activations: ActivationStore;
  notifier: Notifier;
  people: PeopleStore;
  audit: AuditLog;
  clock: Clock;
  events?: BusinessEvents;
};
/** Settling an email's outcome sends nothing. */
type SettleDeps = Omit<IssueDeps, 'notifier'>;

/**
 * Flow A, step 2 (workflow): issues activation `activationId` and emails its link to the holder
 * at the address on file; when the holder has a login already, emails a notice instead. Only
 * once SES accepted the email does the activation become the account's pending one, revoking
 * the older: a refused email leaves the holder's working link alone and gives the daily email
 * back (`failed`). Safe to retry: a retry adds a fresh token to the same activation and counts
 * one email, not two — a token whose email may have arrived keeps working.
 * @throws EmailDeliveryDeferred when SES refuses for now (the workflow retries with backoff).
 */
export async function issueActivation(deps: IssueDeps, input: ActivationRequest): Promise<IssueOutcome> {
  // A self-service request that did not prove the account ends here, sending nothing.
  if (input.identityVerified === false) return { outcome: 'not-verified' };
  const account = await deps.accounts.get(input.accountNumber);
  if (!account) return { outcome: 'no-account' };
  if (input.personId) return issueInvitation(deps, account, { ...input, personId: input.personId });

  const reserved = await retryOnConflict(async (): Promise<IssueOutcome | Reserved> => {
    const now = deps.clock.now();
    const state = await deps.activations.getAccountState(account.accountNumber);
    const existing = await deps.activations.get(input.activationId);
    // A retry after the email was settled: nothing left to send.
    if (existing && (existing.status !== 'pending' || existing.deliveredAt)) return settledOutcome(existing);

    const recent = state.emailLog.filter((entry) => now.getTime() - entry.at.getTime() < DAY_MS);
    const counted = recent.some((entry) => entry.id === input.activationId);
    if (!counted && input.channel === 'self-service' && recent.length >= EMAILS_PER_DAY) {
      await deps.audit.record(account.accountNumber, { type: 'activation-throttled', at: now, channel: input.channel });
      return { outcome: 'throttled' };
    }
    const emailLog: EmailLogEntry[] = counted ? recent : [...recent, { id: input.activationId, at: now }];

    if (state.holderUserId) {
      await deps.activations.saveEmailLog(account.accountNumber, emailLog, state.version);
      await deps.notifier.sendAlreadyRegisteredNotice(holderRecipient(account));
      await deps.audit.record(account.accountNumber, { type: 'activation-notice-sent', at: now, channel: input.channel });
      return { outcome: 'notice-sent' };
    }
    const { activation, token } = withNewToken(existing, { id: input.activationId, accountNumber: account.accountNumber, purpose: 'holder' }, now);
    await deps.activations.reserve({ activation, emailLog, expectedVersion: state.version });
    return { activation, token };
  });
  if ('outcome' in reserved) return reserved;

  const { activation, token } = reserved;
  const send = () => deps.notifier.sendActivation({ ...holderRecipient(account), token, expiresAt: activation.expiresAt });
  const outcome = await deliver(deps, activation, send);
  if (outcome.outcome === 'sent') {
    await deps.audit.record(account.accountNumber, { type: 'activation-sent', at: activation.sentAt, activationId: activation.id, channel: input.channel, agent: input.agent });
    deps.events?.record({ name: 'activation-email-sent' });
  }
  return outcome;
}

/** An activation saved before its email, with the token that email carries. */
interface Reserved {
  activation: Activation;
  token: string;
}

/** The holder at the address on file, never one the requester gave. */
function holderRecipient(account: Account): EmailRecipient {
  return {
    to: account.holder.email,
    language: account.language,
    recipientName: account.holder.name,
    companyName: account.companyName,
    accountNumber: account.accountNumber,
  };
}

/** The activation to (re)send: a fresh token added to the ones already emailed, expiring five days from now. */
function withNewToken(existing: Activation | undefined, what: Pick<Activation, 'id' | 'accountNumber' | 'purpose' | 'personId'>, now: Date): Reserved {
  const token = newSecretToken(what.id);
  const activation: Activation = {
    ...what,
    status: 'pending',
    tokenHashes: [...(existing?.tokenHashes ?? []), hashToken(token)],
    sentAt: now,
    expiresAt: activationExpiry(now),
    maybeDelivered: existing?.maybeDelivered,
  };
  return { activation, token };
}

/** A delivered activation's outcome, naming the one it replaced, if any. */
function sentOutcome(activation: Activation, revokedActivationId: string | undefined): IssueOutcome {
  return { outcome: 'sent', expiresAt: activation.expiresAt.toISOString(), ...(revokedActivationId ? { revokedActivationId } : {}) };
}

/** What a retry answers for an activation whose email was already settled. */
function settledOutcome(activation: Activation): IssueOutcome {
  return activation.status === 'failed' ? { outcome: 'failed' } : { outcome: 'sent', expiresAt: activation.expiresAt.toISOString() };
}

/**
 * Sends a reserved activation's email and settles it: delivered (it replaces the older one), or
 * refused for good (recorded as failed).
 * @throws EmailDeliveryDeferred (the workflow retries), remembering when SES may have taken it
 */
async function deliver(deps: IssueDeps, activation: Activation, send: () => Promise<void>): Promise<IssueOutcome> {
  try {
    await send();
  } catch (error) {
    if (error instanceof EmailDeliveryDeferred && error.mayHaveBeenAccepted) await deps.activations.markMaybeDelivered(activation.id);
    if (error instanceof EmailRejected) return recordUndelivered(deps, { activationId: activation.id });
    throw error;
  }
  return sentOutcome(activation, await confirmDelivery(deps, activation));
}

/**
 * SES accepted the email: the activation becomes the account's pending one (an invitation, its
 * person's), and the one it replaces is revoked — only now, so that a refused email never voids
 * a working link. Returns the revoked activation's id: its workflow's wait is the caller's to end.
 */
async function confirmDelivery(deps: SettleDeps, activation: Activation): Promise<string | undefined> {
  return retryOnConflict(async () => {
    const now = deps.clock.now();
    let previousId: string | undefined;
    let expectedVersion: number | undefined;
    if (activation.personId) {
      const person = await deps.people.get(activation.accountNumber, activation.personId);
      if (person?.status !== 'invited') return; // removed, or registered with an older link
      previousId = person.invitationId;
    } else {
      const state = await deps.activations.getAccountState(activation.accountNumber);
      if (state.holderUserId) return; // registered meanwhile, with an older link
      previousId = state.pendingActivationId;
      expectedVersion = state.version;
    }
    const previous = previousId && previousId !== activation.id ? await deps.activations.get(previousId) : undefined;
    const revoke = previous && effectiveStatus(previous, now) === 'pending' ? previous : undefined;
    await deps.activations.confirmDelivered({ activation, deliveredAt: now, revokeId: revoke?.id, expectedVersion });
    if (!revoke) return undefined;
    await deps.audit.record(activation.accountNumber, { type: 'activation-revoked', at: now, activationId: revoke.id });
    return revoke.id;
  });
}

/**
 * Settles an activation whose email could not be delivered — refused for good, or still failing
 * when the workflow's retries ran out (state RecordFailure): marked `failed` (Customer Service sees
 * it), the daily email given back, the older link left working. If an earlier send may have
 * reached the customer, that link is kept usable instead, as if delivered (`sent`, naming the
 * activation it replaced: the workflow then waits for it and ends the replaced one's wait).
 */
export async function recordUndelivered(deps: SettleDeps, input: { activationId: string }): Promise<IssueOutcome> {
  const activation = await deps.activations.get(input.activationId);
  if (!activation) return { outcome: 'failed' };
  if (activation.status !== 'pending' || activation.deliveredAt) return settledOutcome(activation);
  if (activation.maybeDelivered) {
    return sentOutcome(activation, await confirmDelivery(deps, activation));
  }
  await retryOnConflict(async () => {
    if (activation.personId) return deps.activations.failDelivery({ activation });
    const state = await deps.activations.getAccountState(activation.accountNumber);
    const emailLog = state.emailLog.filter((entry) => entry.id !== activation.id);
    await deps.activations.failDelivery({ activation, emailLog, expectedVersion: state.version });
  });
  await deps.audit.record(activation.accountNumber, { type: 'activation-failed', at: deps.clock.now(), activationId: activation.id });
  deps.events?.record({ name: 'activation-email-failed' });
  return { outcome: 'failed' };
}

/**
 * Flow C: issues an invitation for a secondary user the holder added and emails its link to
 * them; once SES accepted it, it replaces their older one. Safe to retry, like an activation.
 */
async function issueInvitation(deps: IssueDeps, account: Account, input: ActivationRequest & { personId: string }): Promise<IssueOutcome> {
  const reserved = await retryOnConflict(async (): Promise<IssueOutcome | (Reserved & { person: Person })> => {
    const now = deps.clock.now();
    const person = await deps.people.get(account.accountNumber, input.personId);
    if (!person || person.role !== 'secondary' || person.status !== 'invited') return { outcome: 'not-invitable' };
    const existing = await deps.activations.get(input.activationId);
    if (existing && (existing.status !== 'pending' || existing.deliveredAt)) return settledOutcome(existing);
    const fresh = withNewToken(existing, { id: input.activationId, accountNumber: account.accountNumber, purpose: 'secondary', personId: person.personId }, now);
    await deps.activations.reserve({ activation: fresh.activation });
    return { ...fresh, person };
  });
  if ('outcome' in reserved) return reserved;

  const { activation, token, person } = reserved;
  const send = () =>
    deps.notifier.sendInvitation({
      to: person.email,
      language: account.language,
      inviteeName: person.name,
      holderName: account.holder.name,
      companyName: account.companyName,
      accountNumber: account.accountNumber,
      token,
      expiresAt: activation.expiresAt,
    });
  const outcome = await deliver(deps, activation, send);
  if (outcome.outcome === 'sent') {
    await deps.audit.record(account.accountNumber, { type: 'invitation-sent', at: activation.sentAt, activationId: activation.id, channel: input.channel });
    deps.events?.record({ name: 'invitation-sent' });
  }
  return outcome;
}

/**
 * Ends the wait of the workflow parked on an activation just revoked. Reads it again after the
 * revoking write: a task token parked before that write is seen here, and a workflow parking
 * after it finds the activation revoked and ends its own wait (`awaitRegistration`). The copy
 * read before the write may predate a token parked in between, which would leave that workflow
 * waiting out its five days.
 */
export async function endRevokedWait(deps: { activations: ActivationStore; workflow: Workflow }, activationId: string): Promise<void> {
  const revoked = await deps.activations.get(activationId);
  if (revoked?.taskToken) await deps.workflow.abandon(revoked.taskToken, 'ActivationRevoked');
}

/**
 * Flow A, step 3 (workflow): parks the workflow's task token on the activation. When the
 * registration already happened (it can beat this step), resumes the workflow at once; when the
 * activation can no longer be used, ends the wait. Beside it, ends the wait of the activation
 * this one replaced (`revokedActivationId`, from IssueActivation's outcome): after the revoking
 * write by construction, and again on every retry of this step. Failing that is reported, not
 * thrown: the replaced workflow then waits out its five days and expires nothing (it is revoked).
 */
export async function awaitRegistration(
  deps: { activations: ActivationStore; workflow: Workflow; clock: Clock; incidents: Incidents },
  input: { activationId: string; taskToken: string; revokedActivationId?: string },
): Promise<void> {
  const { revokedActivationId } = input;
  await Promise.all([
    parkTaskToken(deps, input),
    revokedActivationId && runFollowUps(deps.incidents, [['end-revoked-wait', () => endRevokedWait(deps, revokedActivationId)]]),
  ]);
}

/** Parks the task token, or answers the task at once when the activation is no longer pending. */
async function parkTaskToken(deps: { activations: ActivationStore; workflow: Workflow; clock: Clock }, input: { activationId: string; taskToken: string }): Promise<void> {
  const activation = await deps.activations.parkTaskToken(input.activationId, input.taskToken);
  if (!activation) return deps.workflow.abandon(input.taskToken, 'ActivationRevoked');
  switch (effectiveStatus(activation, deps.clock.now())) {
    case 'pending':
      return;
    case 'consumed':
      return deps.workflow.completeRegistration(input.taskToken, { userId: activation.registeredUserId! });
    case 'expired':
      return deps.workflow.abandon(input.taskToken, 'ActivationExpired');
    case 'revoked':
    case 'failed':
      return deps.workflow.abandon(input.taskToken, 'ActivationRevoked');
  }
}

/**
 * Flow A, after five days (workflow): marks the activation expired if nobody used it. When it was
 * used but the registration could not resume the workflow (Step Functions failing after the
 * login was created), returns the new login so that the workflow still sends its confirmation.
 */
export async function expireActivation(
  deps: { activations: ActivationStore; audit: AuditLog; clock: Clock; events?: BusinessEvents },
  input: { activationId: string },
): Promise<{ expired: boolean; registeredUserId?: string }> {
  const now = deps.clock.now();
  const activation = await deps.activations.get(input.activationId);
  if (!activation) return { expired: false };
  if (activation.status === 'consumed') return { expired: false, registeredUserId: activation.registeredUserId };
  const expired = await deps.activations.expire(activation.id, now);
  if (expired) {
    await deps.audit.record(activation.accountNumber, { type: 'activation-expired', at: now, activationId: activation.id });
    deps.events?.record({ name: 'activation-expired' });
  }
  return { expired };
}
