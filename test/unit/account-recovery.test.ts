import {
  changePassword,
  clearAccountLockouts,
  completePasswordReset,
  emailHash,
  requestPasswordReset,
  requestUsernameReminder,
  RESET_LIFETIME_SECONDS,
  sendRecoveryEmail,
  verifyPasswordReset,
} from '../../shared/domain/account-recovery';
import { registrationStatus } from '../../shared/domain/agent';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { authenticate, signIn, signInLockoutKey } from '../../shared/domain/sessions';
import { SIGN_IN_LOCKOUT } from '../../shared/domain/lockout';
import { holderAccount } from '../fixtures/accounts';
import { fakeDeps } from '../fixtures/in-memory';

type Deps = ReturnType<typeof fakeDeps>;

async function registeredHolder(deps: Deps) {
  await registerWithIdentity(deps, {
    accountNumber: '123456789', postalCode: 'H2X1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
  });
}

/** Runs the recovery workflow's step for each request started, as Step Functions does. */
async function runWorkflow(deps: Deps) {
  const recovery = { ...deps, notifier: deps.recoveryNotifier };
  const outcomes = [];
  for (const request of deps.recoveryWorkflow.started.splice(0)) outcomes.push(await sendRecoveryEmail(recovery, request));
  return outcomes;
}

async function resetToken(deps: Deps, username = 'marie.tremblay') {
  await requestPasswordReset({ workflow: deps.recoveryWorkflow }, { username });
  await runWorkflow(deps);
  return deps.recoveryNotifier.sent.filter((m) => m.kind === 'password-reset').at(-1)?.token;
}

const completeDeps = (deps: Deps) => ({ ...deps, workflow: deps.recoveryWorkflow });

describe('password reset', () => {
  it('emails a one-hour link at the login’s email, in the account language, and answers the same for an unknown username', async () => {
    const deps = fakeDeps([holderAccount]);
    await registeredHolder(deps);
    await requestPasswordReset({ workflow: deps.recoveryWorkflow }, { username: 'nobody.here' });
    await requestPasswordReset({ workflow: deps.recoveryWorkflow }, { username: 'Marie.Tremblay' });
    expect(deps.recoveryWorkflow.started).toHaveLength(2);
    expect(await runWorkflow(deps)).toEqual([{ outcome: 'no-login' }, { outcome: 'sent' }]);
    const [email] = deps.recoveryNotifier.sent;
    expect(email).toMatchObject({ kind: 'password-reset', to: 'marie.tremblay@example.com', language: 'fr', username: 'marie.tremblay' });
    const verified = await verifyPasswordReset(deps, { resetToken: email!.token! });
    expect(verified).toEqual({
      status: 'valid',
      username: 'marie.tremblay',
      expiresAt: new Date(deps.clock.now().getTime() + RESET_LIFETIME_SECONDS * 1000).toISOString(),
    });
  });

  it('never consumes on verify, expires after an hour, and refuses an unknown token', async () => {
    const deps = fakeDeps([holderAccount]);
    await registeredHolder(deps);
    const token = (await resetToken(deps))!;
    await verifyPasswordReset(deps, { resetToken: token });
    await verifyPasswordReset(deps, { resetToken: token });
    await expect(verifyPasswordReset(deps, { resetToken: token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') })).rejects.toMatchObject({ code: 'RESET_NOT_FOUND' });
    await expect(verifyPasswordReset(deps, { resetToken: 'nope' })).rejects.toMatchObject({ code: 'RESET_NOT_FOUND', statusCode: 404 });
    deps.clock.advance(RESET_LIFETIME_SECONDS);
    await expect(verifyPasswordReset(deps, { resetToken: token })).rejects.toMatchObject({ code: 'RESET_EXPIRED', statusCode: 410 });
    await expect(completePasswordReset(completeDeps(deps), { resetToken: token, password: 'Nouveau123' })).rejects.toMatchObject({ code: 'RESET_EXPIRED' });
  });

  it('revokes the older link when a newer one is issued, and sends at most 3 a day per login', async () => {
    const deps = fakeDeps([holderAccount]);
    await registeredHolder(deps);
    const first = (await resetToken(deps))!;
    const second = (await resetToken(deps))!;
    await expect(verifyPasswordReset(deps, { resetToken: first })).rejects.toMatchObject({ code: 'RESET_REVOKED' });
    await verifyPasswordReset(deps, { resetToken: second });
    await resetToken(deps);
    await requestPasswordReset({ workflow: deps.recoveryWorkflow }, { username: 'marie.tremblay' });
    expect(await runWorkflow(deps)).toEqual([{ outcome: 'throttled' }]);
    expect(deps.recoveryNotifier.sent).toHaveLength(3);
    deps.clock.advance(86_400);
    await resetToken(deps);
    expect(deps.recoveryNotifier.sent).toHaveLength(4);
  });

  it('sets the new password once, ends every session, clears the sign-in lockout and notifies', async () => {
    const deps = fakeDeps([holderAccount]);
    await registeredHolder(deps);
    const { sessionToken } = await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' });
    for (let i = 0; i < 5; i++) await signIn(deps, { username: 'marie.tremblay', password: 'Wrong1234' }).catch(() => undefined);
    await expect(signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    const token = (await resetToken(deps))!;

    await completePasswordReset(completeDeps(deps), { resetToken: token, password: 'Nouveau123' });

    await expect(authenticate(deps, `Bearer ${sessionToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(completePasswordReset(completeDeps(deps), { resetToken: token, password: 'Autre1234' })).rejects.toMatchObject({ code: 'RESET_USED', statusCode: 410 });
    await expect(signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await signIn(deps, { username: 'marie.tremblay', password: 'Nouveau123' });
    expect(deps.recoveryWorkflow.started).toEqual([expect.objectContaining({ kind: 'password-changed' })]);
    await runWorkflow(deps);
    expect(deps.recoveryNotifier.sent.at(-1)).toMatchObject({ kind: 'password-changed', to: 'marie.tremblay@example.com', username: 'marie.tremblay' });
  });
});

describe('username reminder', () => {
  it('emails the usernames registered with that email on that account, and nothing for another pair', async () => {
    const deps = fakeDeps([holderAccount]);
    await registeredHolder(deps);
    const workflow = { workflow: deps.recoveryWorkflow };
    await requestUsernameReminder(workflow, { accountNumber: '123 456 789', email: 'Marie.Tremblay@example.com' });
    await requestUsernameReminder(workflow, { accountNumber: '123456789', email: 'someone@example.com' });
    await requestUsernameReminder(workflow, { accountNumber: '999999999', email: 'marie.tremblay@example.com' });
    expect(JSON.stringify(deps.recoveryWorkflow.started)).not.toContain('@');
    expect(await runWorkflow(deps)).toEqual([{ outcome: 'sent' }, { outcome: 'no-match' }, { outcome: 'no-match' }]);
    expect(deps.recoveryNotifier.sent).toEqual([
      { kind: 'username-reminder', to: 'marie.tremblay@example.com', language: 'fr', usernames: ['marie.tremblay'] },
    ]);
    expect(emailHash(' MARIE.tremblay@example.com')).toBe(emailHash('marie.tremblay@example.com'));
  });

  it('sends at most 3 a day per account, silently', async () => {
    const deps = fakeDeps([holderAccount]);
    await registeredHolder(deps);
    for (let i = 0; i < 4; i++) await requestUsernameReminder({ workflow: deps.recoveryWorkflow }, { accountNumber: '123456789', email: 'marie.tremblay@example.com' });
    expect((await runWorkflow(deps)).map((o) => o.outcome)).toEqual(['sent', 'sent', 'sent', 'throttled']);
  });
});

describe('changePassword', () => {
  async function twoSessions(deps: Deps) {
    await registeredHolder(deps);
    const a = await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' });
    const b = await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' });
    return { current: await authenticate(deps, `Bearer ${a.sessionToken}`), a: a.sessionToken, b: b.sessionToken };
  }

  it('changes the password with the current one, keeps the caller’s session and ends the others', async () => {
    const deps = fakeDeps([holderAccount]);
    const { current, a, b } = await twoSessions(deps);
    await changePassword(completeDeps(deps), current, { currentPassword: 'Boulang3rie', newPassword: 'Nouveau123' });
    await authenticate(deps, `Bearer ${a}`);
    await expect(authenticate(deps, `Bearer ${b}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await signIn(deps, { username: 'marie.tremblay', password: 'Nouveau123' });
    expect(deps.recoveryWorkflow.started).toEqual([expect.objectContaining({ kind: 'password-changed' })]);
  });

  it('counts a wrong current password toward the sign-in lockout: 401 five times, then 429', async () => {
    const deps = fakeDeps([holderAccount]);
    const { current } = await twoSessions(deps);
    for (let i = 0; i < 5; i++) {
      await expect(changePassword(completeDeps(deps), current, { currentPassword: 'Wrong1234', newPassword: 'Nouveau123' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    await expect(changePassword(completeDeps(deps), current, { currentPassword: 'Boulang3rie', newPassword: 'Nouveau123' })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    await expect(signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
  });
});

describe('agents and lockouts', () => {
  it('shows sign-in lockouts in the status and clears them, audited with the agent', async () => {
    const deps = fakeDeps([holderAccount]);
    await registeredHolder(deps);
    for (let i = 0; i < 5; i++) await signIn(deps, { username: 'marie.tremblay', password: 'Wrong1234' }).catch(() => undefined);
    const before = await registrationStatus(deps, { accountNumber: '123456789' });
    expect(before.signInLockouts).toEqual([{ username: 'marie.tremblay', lockedUntil: expect.any(String) }]);

    await clearAccountLockouts(deps, { accountNumber: '123456789', agent: 'arn:aws:sts::1:assumed-role/Agent/jdoe' });

    expect(await deps.lockouts.lockedUntil(signInLockoutKey('marie.tremblay'), SIGN_IN_LOCKOUT, deps.clock.now())).toBeUndefined();
    const after = await registrationStatus(deps, { accountNumber: '123456789' });
    expect(after.signInLockouts).toEqual([]);
    expect(after.history[0]).toMatchObject({ type: 'lockouts-cleared', agent: 'arn:aws:sts::1:assumed-role/Agent/jdoe' });
    await signIn(deps, { username: 'marie.tremblay', password: 'Boulang3rie' });
    await expect(clearAccountLockouts(deps, { accountNumber: '999999999' })).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
  });
});
