import { hashToken } from '../../shared/domain/secrets';
import { ACTIVATION_LIFETIME_SECONDS } from '../../shared/domain/activation';
import { awaitRegistration, expireActivation, issueActivation, recordUndelivered, requestActivation } from '../../shared/domain/issue-activation';
import { EmailDeliveryDeferred } from '../../shared/domain/errors';
import { registerWithActivation, sendConfirmation } from '../../shared/domain/register';
import { verifyActivation } from '../../shared/domain/verify-activation';
import { holderAccount, mobilityAccount } from '../fixtures/accounts';
import { fakeDeps } from '../fixtures/in-memory';

const issue = (deps: ReturnType<typeof fakeDeps>, activationId: string, channel: 'self-service' | 'agent' = 'self-service') =>
  issueActivation(deps, { activationId, accountNumber: holderAccount.accountNumber, channel });
/** Activation ids are 22 base64url characters, as `newId()` makes them. */
const id = (name: string) => name.padEnd(22, '0');
const lastToken = (deps: ReturnType<typeof fakeDeps>) => deps.notifier.sent.filter((m) => m.kind === 'activation').at(-1)!.token!;

describe('requestActivation', () => {
  it('starts the workflow when account and postal code match, whatever their formatting', async () => {
    const deps = fakeDeps([holderAccount]);
    await requestActivation(deps, { accountNumber: '123-456 789', postalCode: 'h2x 1y4' });
    expect(deps.workflow.started).toEqual([expect.objectContaining({ accountNumber: '123456789', channel: 'self-service' })]);
  });
  it('uses the billing postal code of a mobility-only account', async () => {
    const deps = fakeDeps([mobilityAccount]);
    await requestActivation(deps, { accountNumber: mobilityAccount.accountNumber, postalCode: 'G1R 4P5' });
    expect(deps.workflow.started).toHaveLength(1);
  });
  it('starts the workflow for every well-formed request, and only a proven one sends anything', async () => {
    const deps = fakeDeps([holderAccount]);
    await requestActivation(deps, { accountNumber: '999999999', postalCode: 'H2X 1Y4' });
    await requestActivation(deps, { accountNumber: holderAccount.accountNumber, postalCode: 'H3B 2Y5' });
    await requestActivation(deps, { accountNumber: holderAccount.accountNumber, postalCode: 'h2x-1y4' });
    expect(deps.workflow.started.map((r) => r.identityVerified)).toEqual([false, false, true]);
    const outcomes = [];
    for (const request of deps.workflow.started) outcomes.push((await issueActivation(deps, request)).outcome);
    expect(outcomes).toEqual(['not-verified', 'not-verified', 'sent']);
    expect(deps.notifier.sent).toHaveLength(1);
  });
});

describe('issueActivation', () => {
  it('emails the holder at the address on file, in the account language, valid five days', async () => {
    const deps = fakeDeps([holderAccount]);
    const result = await issue(deps, id('a1'));
    expect(result).toEqual({ outcome: 'sent', expiresAt: new Date(deps.clock.now().getTime() + 432_000_000).toISOString() });
    expect(deps.notifier.sent).toEqual([expect.objectContaining({ kind: 'activation', to: 'marie.tremblay@example.com', language: 'fr' })]);
    const stored = deps.activations.activations.get(id('a1'))!;
    expect(stored.tokenHashes).toEqual([hashToken(lastToken(deps))]);
    expect(lastToken(deps).startsWith(id('a1'))).toBe(true);
  });
  it('revokes the older pending activation and names it, for the next state to end its wait', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, id('a1'));
    await awaitRegistration(deps, { activationId: id('a1'), taskToken: 'task-1' });
    const second = await issue(deps, id('a2'));
    expect(second).toEqual({ outcome: 'sent', expiresAt: expect.any(String), revokedActivationId: id('a1') });
    expect(deps.activations.activations.get(id('a1'))!.status).toBe('revoked');
    // Issuing calls no workflow API: AwaitRegistration of the new activation ends the old wait.
    expect(deps.workflow.abandoned).toEqual([]);
    await awaitRegistration(deps, { activationId: id('a2'), taskToken: 'task-2', revokedActivationId: second.outcome === 'sent' ? second.revokedActivationId : undefined });
    expect(deps.workflow.abandoned).toEqual([{ taskToken: 'task-1', reason: 'ActivationRevoked' }]);
    expect(deps.activations.activations.get(id('a2'))!.taskToken).toBe('task-2');
    expect(deps.audit.events.map((e) => e.type)).toEqual(['activation-sent', 'activation-revoked', 'activation-sent']);
  });
  it('names no activation replaced when there was none pending, nor on a retry after the email was settled', async () => {
    const deps = fakeDeps([holderAccount]);
    expect(await issue(deps, id('a1'))).not.toHaveProperty('revokedActivationId');
    expect(await issue(deps, id('a1'))).not.toHaveProperty('revokedActivationId');
  });
  it('ends the wait of a workflow that parked its token after the older activation was read', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, id('a1'));
    // The older activation's workflow parks its token between the read of a1 and the revoking
    // write: the copy read before the write has no token.
    const confirmDelivered = deps.activations.confirmDelivered.bind(deps.activations);
    deps.activations.confirmDelivered = async (change) => {
      await awaitRegistration(deps, { activationId: id('a1'), taskToken: 'task-1' });
      return confirmDelivered(change);
    };
    const second = await issue(deps, id('a2'));
    expect(deps.activations.activations.get(id('a1'))!.status).toBe('revoked');
    await awaitRegistration(deps, { activationId: id('a2'), taskToken: 'task-2', revokedActivationId: id('a1') });
    expect(second).toMatchObject({ revokedActivationId: id('a1') });
    expect(deps.workflow.abandoned).toEqual([{ taskToken: 'task-1', reason: 'ActivationRevoked' }]);
  });
  it('parks its own token even when the older wait cannot be ended, and reports that as an incident', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, id('a1'));
    await awaitRegistration(deps, { activationId: id('a1'), taskToken: 'task-1' });
    await issue(deps, id('a2'));
    deps.workflow.abandon = async () => {
      throw Object.assign(new Error('Step Functions unavailable'), { name: 'ServiceUnavailable' });
    };
    await awaitRegistration(deps, { activationId: id('a2'), taskToken: 'task-2', revokedActivationId: id('a1') });
    expect(deps.activations.activations.get(id('a2'))!.taskToken).toBe('task-2');
    expect(deps.incidents.reported.map((incident) => incident.step)).toEqual(['end-revoked-wait']);
  });
  it('settles an email that may have arrived as delivered when retries ran out, naming the activation it replaced', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, id('a1'));
    await awaitRegistration(deps, { activationId: id('a1'), taskToken: 'task-1' });
    // SES timed out after it may have taken the email, and the workflow's retries ran out.
    deps.notifier.failures.push(new EmailDeliveryDeferred(new Error('timeout'), true));
    await expect(issue(deps, id('a2'))).rejects.toBeInstanceOf(EmailDeliveryDeferred);
    expect(deps.activations.activations.get(id('a1'))!.status).toBe('pending');
    // RecordFailure keeps the link usable; its outcome goes to AwaitRegistration, as IssueActivation's would.
    expect(await recordUndelivered(deps, { activationId: id('a2') })).toMatchObject({ outcome: 'sent', revokedActivationId: id('a1') });
    expect(deps.activations.activations.get(id('a1'))!.status).toBe('revoked');
    expect(deps.workflow.abandoned).toEqual([]);
    await awaitRegistration(deps, { activationId: id('a2'), taskToken: 'task-2', revokedActivationId: id('a1') });
    expect(deps.workflow.abandoned).toEqual([{ taskToken: 'task-1', reason: 'ActivationRevoked' }]);
  });
  it('sends at most three emails per account per rolling 24 hours from self-service', async () => {
    const deps = fakeDeps([holderAccount]);
    for (const name of ['a1', 'a2', 'a3']) expect((await issue(deps, id(name))).outcome).toBe('sent');
    expect((await issue(deps, id('a4'))).outcome).toBe('throttled');
    deps.clock.advance(86_399);
    expect((await issue(deps, id('a5'))).outcome).toBe('throttled');
    deps.clock.advance(1);
    expect((await issue(deps, id('a6'))).outcome).toBe('sent');
    expect(deps.notifier.sent).toHaveLength(4);
  });
  it('lets an agent send past the self-service limit', async () => {
    const deps = fakeDeps([holderAccount]);
    for (const name of ['a1', 'a2', 'a3']) await issue(deps, id(name));
    expect((await issue(deps, id('a4'), 'agent')).outcome).toBe('sent');
  });
  it('sends a notice without a token when the holder already has a login', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, id('a1'));
    await registerWithActivation(deps, { activationToken: lastToken(deps), username: 'marie.tremblay', password: 'abc123' });
    expect(await issue(deps, id('a2'))).toEqual({ outcome: 'notice-sent' });
    expect(deps.notifier.sent.at(-1)).toEqual({ kind: 'notice', to: 'marie.tremblay@example.com', language: 'fr', recipientName: 'Marie Tremblay', companyName: 'Boulangerie Tremblay inc.', accountNumber: '123456789' });
  });
  it('retries after SES refused: same activation, fresh token, one email counted', async () => {
    const deps = fakeDeps([holderAccount]);
    deps.notifier.failures.push(new EmailDeliveryDeferred());
    await expect(issue(deps, id('a1'))).rejects.toBeInstanceOf(EmailDeliveryDeferred);
    expect((await issue(deps, id('a1'))).outcome).toBe('sent');
    expect(deps.activations.states.get(holderAccount.accountNumber)!.emailLog).toHaveLength(1);
    await expect(verifyActivation(deps, { activationToken: lastToken(deps) })).resolves.toMatchObject({ status: 'valid' });
  });
  it('does nothing for an account that no longer exists', async () => {
    const deps = fakeDeps([]);
    expect(await issue(deps, id('a1'))).toEqual({ outcome: 'no-account' });
  });
});

describe('verifyActivation', () => {
  it('describes a valid token without consuming it', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    const token = lastToken(deps);
    const first = await verifyActivation(deps, { activationToken: token });
    const second = await verifyActivation(deps, { activationToken: token });
    expect(first).toEqual(second);
    expect(first).toMatchObject({ status: 'valid', purpose: 'holder', account: { accountNumberMasked: '••••••789' } });
  });
  it('is valid until 432,000 s after sending, expired from then on', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    deps.clock.advance(ACTIVATION_LIFETIME_SECONDS - 1);
    await expect(verifyActivation(deps, { activationToken: lastToken(deps) })).resolves.toBeDefined();
    deps.clock.advance(1);
    await expect(verifyActivation(deps, { activationToken: lastToken(deps) })).rejects.toMatchObject({ code: 'ACTIVATION_EXPIRED', statusCode: 410 });
  });
  it('gives 404 for a malformed, unknown or tampered token', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    const token = lastToken(deps);
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const activationToken of ['nope', 'y'.repeat(65), tampered]) {
      await expect(verifyActivation(deps, { activationToken })).rejects.toMatchObject({ code: 'ACTIVATION_NOT_FOUND', statusCode: 404 });
    }
  });
  it('gives 410 ACTIVATION_REVOKED for a replaced token', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    const old = lastToken(deps);
    await issue(deps, 'z'.repeat(22));
    await expect(verifyActivation(deps, { activationToken: old })).rejects.toMatchObject({ code: 'ACTIVATION_REVOKED' });
  });
});

describe('registerWithActivation', () => {
  const register = (deps: ReturnType<typeof fakeDeps>, username = 'marie.tremblay') =>
    registerWithActivation(deps, { activationToken: lastToken(deps), username, password: 'Boulang3rie' });

  it('creates the holder login, consumes the token and resumes the waiting workflow', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    await awaitRegistration(deps, { activationId: 'x'.repeat(22), taskToken: 'task-1' });
    const result = await register(deps);
    expect(result).toEqual({ username: 'marie.tremblay', role: 'holder', accountNumberMasked: '••••••789' });
    const [login] = [...deps.logins.logins.values()];
    expect(login).toMatchObject({ role: 'holder', email: 'marie.tremblay@example.com', passwordHash: 'plain$Boulang3rie' });
    expect(deps.workflow.completed).toEqual([{ taskToken: 'task-1', userId: login!.userId }]);
    await expect(register(deps, 'autre.nom.1')).rejects.toMatchObject({ code: 'ACTIVATION_USED', statusCode: 410 });
  });
  it('lets the workflow resume itself when registration came before it parked its token', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    await register(deps);
    await awaitRegistration(deps, { activationId: 'x'.repeat(22), taskToken: 'task-late' });
    expect(deps.workflow.completed).toEqual([{ taskToken: 'task-late', userId: expect.any(String) }]);
  });
  it('refuses a username taken in another case', async () => {
    const deps = fakeDeps([holderAccount, { ...mobilityAccount }]);
    await issueActivation(deps, { activationId: 'm'.repeat(22), accountNumber: mobilityAccount.accountNumber, channel: 'agent' });
    await register(deps, 'Sophie.Cote');
    await issue(deps, 'x'.repeat(22));
    await expect(register(deps, 'sophie.cote')).rejects.toMatchObject({ code: 'USERNAME_TAKEN', statusCode: 409 });
  });
  it('refuses an expired token with ACTIVATION_EXPIRED even before the workflow marked it', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    deps.clock.advance(ACTIVATION_LIFETIME_SECONDS);
    await expect(register(deps)).rejects.toMatchObject({ code: 'ACTIVATION_EXPIRED' });
  });
});

describe('expireActivation and sendConfirmation', () => {
  it('marks an unused activation expired after five days, once', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, id('a1'));
    expect(await expireActivation(deps, { activationId: id('a1') })).toEqual({ expired: false });
    deps.clock.advance(ACTIVATION_LIFETIME_SECONDS);
    expect(await expireActivation(deps, { activationId: id('a1') })).toEqual({ expired: true });
    expect(await expireActivation(deps, { activationId: id('a1') })).toEqual({ expired: false });
    expect(deps.audit.events.map((e) => e.type)).toContain('activation-expired');
  });
  it('confirms to the new user in the account language', async () => {
    const deps = fakeDeps([holderAccount]);
    await issue(deps, 'x'.repeat(22));
    await registerWithActivation(deps, { activationToken: lastToken(deps), username: 'marie.tremblay', password: 'abc123' });
    const [login] = [...deps.logins.logins.values()];
    expect(await sendConfirmation(deps, { accountNumber: holderAccount.accountNumber, userId: login!.userId })).toEqual({ sent: true });
    expect(deps.notifier.sent.at(-1)).toEqual({
      kind: 'confirmation',
      to: 'marie.tremblay@example.com',
      language: 'fr',
      username: 'marie.tremblay',
      recipientName: 'Marie Tremblay', companyName: 'Boulangerie Tremblay inc.', accountNumber: '123456789',
    });
  });
});
