import { identityPostalCode } from './account';
import { activationExpiry, effectiveStatus, type Activation } from './activation';
import { retryOnConflict } from './contention';
import { normalizeAccountNumber, normalizePostalCode } from './field-rules';
import type {
  AccountDirectory,
  ActivationRequest,
  ActivationStore,
  AuditLog,
  Clock,
  EmailLogEntry,
  Notifier,
  PeopleStore,
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
  deps: { accounts: AccountDirectory; workflow: Workflow },
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
}

export type IssueOutcome =
  | { outcome: 'sent'; expiresAt: string }
  | { outcome: 'notice-sent' }
  | { outcome: 'throttled' }
  | { outcome: 'no-account' }
  | { outcome: 'not-verified' }
  | { outcome: 'not-invitable' };

/**
 * Flow A, step 2 (workflow): issues activation `activationId` and emails its link to the holder
 * at the address on file, revoking the account's older pending activation; when the holder has
 * a login already, emails a notice instead. Safe to retry: a retry re-issues the same id with a
 * fresh token (the earlier one was never delivered) and counts one email, not two.
 * @throws EmailDeliveryDeferred when SES refuses for now (the workflow retries with backoff).
 */
export async function issueActivation(
  deps: {
    accounts: AccountDirectory;
    activations: ActivationStore;
    notifier: Notifier;
    workflow: Workflow;
    people: PeopleStore;
    audit: AuditLog;
    clock: Clock;
  },
  input: ActivationRequest,
): Promise<IssueOutcome> {
  // A self-service request that did not prove the account ends here, sending nothing.
  if (input.identityVerified === false) return { outcome: 'not-verified' };
  const account = await deps.accounts.get(input.accountNumber);
  if (!account) return { outcome: 'no-account' };
  if (input.personId) return issueInvitation(deps, account, { ...input, personId: input.personId });

  return retryOnConflict(async () => {
    const now = deps.clock.now();
    const state = await deps.activations.getAccountState(account.accountNumber);
    const existing = await deps.activations.get(input.activationId);
    if (existing && existing.status !== 'pending') {
      // A retry after the email went out and the activation moved on: nothing left to send.
      return { outcome: 'sent', expiresAt: existing.expiresAt.toISOString() };
    }

    const recent = state.emailLog.filter((entry) => now.getTime() - entry.at.getTime() < DAY_MS);
    const counted = recent.some((entry) => entry.id === input.activationId);
    if (!counted && input.channel === 'self-service' && recent.length >= EMAILS_PER_DAY) {
      await deps.audit.record(account.accountNumber, { type: 'activation-throttled', at: now, channel: input.channel });
      return { outcome: 'throttled' };
    }
    const emailLog: EmailLogEntry[] = counted ? recent : [...recent, { id: input.activationId, at: now }];

    if (state.holderUserId) {
      await deps.activations.saveEmailLog(account.accountNumber, emailLog, state.version);
      await deps.notifier.sendAlreadyRegisteredNotice({ to: account.holder.email, language: account.language });
      await deps.audit.record(account.accountNumber, { type: 'activation-notice-sent', at: now, channel: input.channel });
      return { outcome: 'notice-sent' };
    }

    const previous =
      state.pendingActivationId && state.pendingActivationId !== input.activationId
        ? await deps.activations.get(state.pendingActivationId)
        : undefined;
    const token = newSecretToken(input.activationId);
    const activation: Activation = {
      id: input.activationId,
      accountNumber: account.accountNumber,
      purpose: 'holder',
      status: 'pending',
      tokenHash: hashToken(token),
      sentAt: now,
      expiresAt: activationExpiry(now),
    };
    const revoke = previous && effectiveStatus(previous, now) === 'pending' ? previous : undefined;
    await deps.activations.issue({ activation, revokeId: revoke?.id, emailLog, expectedVersion: state.version });
    if (revoke) await revokeWait(deps, account.accountNumber, revoke, now);

    await deps.notifier.sendActivation({
      to: account.holder.email,
      language: account.language,
      token,
      expiresAt: activation.expiresAt,
    });
    await deps.audit.record(account.accountNumber, {
      type: 'activation-sent',
      at: now,
      activationId: activation.id,
      channel: input.channel,
    });
    return { outcome: 'sent', expiresAt: activation.expiresAt.toISOString() };
  });
}

/**
 * Flow C: issues an invitation for a secondary user the holder added, revoking their older one,
 * and emails its link to them. Safe to retry, like an activation.
 */
async function issueInvitation(
  deps: Parameters<typeof issueActivation>[0],
  account: NonNullable<Awaited<ReturnType<AccountDirectory['get']>>>,
  input: ActivationRequest & { personId: string },
): Promise<IssueOutcome> {
  return retryOnConflict(async () => {
    const now = deps.clock.now();
    const person = await deps.people.get(account.accountNumber, input.personId);
    if (!person || person.role !== 'secondary' || person.status !== 'invited') return { outcome: 'not-invitable' };
    const existing = await deps.activations.get(input.activationId);
    if (existing && existing.status !== 'pending') return { outcome: 'sent', expiresAt: existing.expiresAt.toISOString() };
    const previous =
      person.invitationId && person.invitationId !== input.activationId ? await deps.activations.get(person.invitationId) : undefined;
    const revoke = previous && effectiveStatus(previous, now) === 'pending' ? previous : undefined;
    const token = newSecretToken(input.activationId);
    const activation: Activation = {
      id: input.activationId,
      accountNumber: account.accountNumber,
      purpose: 'secondary',
      personId: person.personId,
      status: 'pending',
      tokenHash: hashToken(token),
      sentAt: now,
      expiresAt: activationExpiry(now),
    };
    await deps.activations.issueInvitation({ activation, revokeId: revoke?.id });
    if (revoke) await revokeWait(deps, account.accountNumber, revoke, now);
    await deps.notifier.sendInvitation({
      to: person.email,
      language: account.language,
      inviteeName: person.name,
      holderName: account.holder.name,
      companyName: account.companyName,
      token,
      expiresAt: activation.expiresAt,
    });
    await deps.audit.record(account.accountNumber, { type: 'invitation-sent', at: now, activationId: activation.id, channel: input.channel });
    return { outcome: 'sent', expiresAt: activation.expiresAt.toISOString() };
  });
}

/** Ends the workflow that was waiting on a revoked activation, and records the revocation. */
async function revokeWait(
  deps: { workflow: Workflow; audit: AuditLog },
  accountNumber: string,
  revoked: Activation,
  now: Date,
): Promise<void> {
  if (revoked.taskToken) await deps.workflow.abandon(revoked.taskToken, 'ActivationRevoked');
  await deps.audit.record(accountNumber, { type: 'activation-revoked', at: now, activationId: revoked.id });
}

/**
 * Flow A, step 3 (workflow): parks the workflow's task token on the activation. When the
 * registration already happened (it can beat this step), resumes the workflow at once; when the
 * activation can no longer be used, ends the wait.
 */
export async function awaitRegistration(
  deps: { activations: ActivationStore; workflow: Workflow; clock: Clock },
  input: { activationId: string; taskToken: string },
): Promise<void> {
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
      return deps.workflow.abandon(input.taskToken, 'ActivationRevoked');
  }
}

/** Flow A, after five days (workflow): marks the activation expired if nobody used it. */
export async function expireActivation(
  deps: { activations: ActivationStore; audit: AuditLog; clock: Clock },
  input: { activationId: string },
): Promise<{ expired: boolean }> {
  const now = deps.clock.now();
  const activation = await deps.activations.get(input.activationId);
  if (!activation) return { expired: false };
  const expired = await deps.activations.expire(activation.id, now);
  if (expired) {
    await deps.audit.record(activation.accountNumber, { type: 'activation-expired', at: now, activationId: activation.id });
  }
  return { expired };
}
