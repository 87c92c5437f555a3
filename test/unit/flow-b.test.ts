import { registrationStatus, sendActivationForAgent } from '../../shared/domain/agent';
import { issueActivation, awaitRegistration } from '../../shared/domain/issue-activation';
import { IDENTITY_LOCKOUT } from '../../shared/domain/lockout';
import { register } from '../../shared/domain/register';
import { identityLockoutKey, registerWithIdentity } from '../../shared/domain/register-with-identity';
import { parseRegistration } from '../../shared/http/request-schemas';
import { holderAccount, mobilityAccount } from '../fixtures/accounts';
import { fakeDeps } from '../fixtures/in-memory';

type Deps = ReturnType<typeof fakeDeps>;
const form = (overrides: Partial<Record<string, string>> = {}) => ({
  accountNumber: '123-456-789',
  postalCode: 'h2x 1y4',
  email: 'Marie.Tremblay@Example.com',
  username: 'marie.tremblay',
  password: 'Boulang3rie',
  ...overrides,
});
const attempt = (deps: Deps, overrides: Partial<Record<string, string>> = {}) => registerWithIdentity(deps, form(overrides));

describe('registerWithIdentity', () => {
  it('registers the holder whose account, postal code and email match (case, spaces and hyphens ignored)', async () => {
    const deps = fakeDeps([holderAccount]);
    expect(await attempt(deps)).toEqual({ username: 'marie.tremblay', role: 'holder', accountNumberMasked: '••••••789' });
    const [login] = [...deps.logins.logins.values()];
    expect(deps.workflow.confirmations).toEqual([{ accountNumber: '123456789', userId: login!.userId }]);
  });
  it('checks the billing postal code of a mobility-only account', async () => {
    const deps = fakeDeps([mobilityAccount]);
    await expect(
      attempt(deps, { accountNumber: mobilityAccount.accountNumber, postalCode: 'G1R 4P5', email: 'sophie.cote@example.com' }),
    ).resolves.toMatchObject({ role: 'holder' });
  });
  it.each([
    ['an unknown account', { accountNumber: '999999999' }],
    ['a wrong postal code', { postalCode: 'H3B 2Y5' }],
    ['the billing postal code of an account with a service address', { postalCode: 'H3B2Y5' }],
    ['an unknown email', { email: 'someone@example.com' }],
  ])('answers IDENTITY_NOT_VERIFIED for %s', async (_what, overrides) => {
    const deps = fakeDeps([holderAccount]);
    await expect(attempt(deps, overrides)).rejects.toMatchObject({ code: 'IDENTITY_NOT_VERIFIED', statusCode: 403 });
  });
  it('answers NOT_ACCOUNT_HOLDER for a secondary user named with billing or added in User Management', async () => {
    const deps = fakeDeps([holderAccount]);
    await expect(attempt(deps, { email: 'luc.gagnon@example.com' })).rejects.toMatchObject({ code: 'NOT_ACCOUNT_HOLDER' });
    deps.people.people.push({
      personId: 'p1', accountNumber: '123456789', name: 'Ana', email: 'ana@example.com', role: 'secondary', status: 'invited', createdAt: new Date(),
    });
    await expect(attempt(deps, { email: 'ANA@example.com' })).rejects.toMatchObject({ code: 'NOT_ACCOUNT_HOLDER' });
  });
  it('answers TECHNICAL_USER_NOT_ELIGIBLE for a technical user', async () => {
    const deps = fakeDeps([holderAccount]);
    await expect(attempt(deps, { email: 'support@technoservices.example.com' })).rejects.toMatchObject({ code: 'TECHNICAL_USER_NOT_ELIGIBLE' });
  });
  it('answers ACCOUNT_ALREADY_REGISTERED once the holder has a login', async () => {
    const deps = fakeDeps([holderAccount]);
    await attempt(deps);
    await expect(attempt(deps, { username: 'other.name' })).rejects.toMatchObject({ code: 'ACCOUNT_ALREADY_REGISTERED', statusCode: 409 });
  });
  it('revokes the pending activation and ends its workflow wait', async () => {
    const deps = fakeDeps([holderAccount]);
    const activationId = 'a'.repeat(22);
    await issueActivation(deps, { activationId, accountNumber: '123456789', channel: 'self-service' });
    await awaitRegistration(deps, { activationId, taskToken: 'task-1' });
    await attempt(deps);
    expect(deps.activations.activations.get(activationId)!.status).toBe('revoked');
    expect(deps.workflow.abandoned).toEqual([{ taskToken: 'task-1', reason: 'ActivationRevoked' }]);
  });
  it('locks the account for an hour after five failed checks within an hour', async () => {
    const deps = fakeDeps([holderAccount]);
    for (let i = 0; i < 5; i++) await expect(attempt(deps, { email: 'x@example.com' })).rejects.toMatchObject({ code: 'IDENTITY_NOT_VERIFIED' });
    await expect(attempt(deps)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', statusCode: 429, retryAfterSeconds: 3600 });
    deps.clock.advance(3599);
    await expect(attempt(deps)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 1 });
    deps.clock.advance(1);
    await expect(attempt(deps)).resolves.toMatchObject({ role: 'holder' });
  });
  it('forgets failures older than an hour', async () => {
    const deps = fakeDeps([holderAccount]);
    for (let i = 0; i < 4; i++) await attempt(deps, { email: 'x@example.com' }).catch(() => undefined);
    deps.clock.advance(IDENTITY_LOCKOUT.windowSeconds);
    await attempt(deps, { email: 'x@example.com' }).catch(() => undefined);
    await expect(attempt(deps)).resolves.toMatchObject({ role: 'holder' });
  });
  it('locks unknown account numbers too, so that locking reveals nothing', async () => {
    const deps = fakeDeps([holderAccount]);
    for (let i = 0; i < 5; i++) await attempt(deps, { accountNumber: '999999999' }).catch(() => undefined);
    expect(await deps.lockouts.lockedUntil(identityLockoutKey('999999999'), IDENTITY_LOCKOUT, deps.clock.now())).toEqual(
      new Date(deps.clock.now().getTime() + IDENTITY_LOCKOUT.lockSeconds * 1000),
    );
    await expect(attempt(deps, { accountNumber: '999999999' })).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
  });
});

describe('parseRegistration', () => {
  it('tells the token form from the identity form', () => {
    expect(parseRegistration({ activationToken: 't', username: 'abcdefgh', password: 'abc123' }).form).toBe('token');
    expect(parseRegistration(form()).form).toBe('identity');
  });
  it('refuses a body that mixes both forms', () => {
    expect(() => parseRegistration({ activationToken: 't', ...form() })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', fields: expect.arrayContaining([expect.objectContaining({ code: 'FORM_AMBIGUOUS' })]) }),
    );
  });
  it('lists every missing identity field', () => {
    expect(() => parseRegistration({ username: 'abcdefgh' })).toThrow(
      expect.objectContaining({
        fields: [
          { field: 'accountNumber', code: 'FIELD_REQUIRED' },
          { field: 'postalCode', code: 'FIELD_REQUIRED' },
          { field: 'email', code: 'FIELD_REQUIRED' },
          { field: 'password', code: 'FIELD_REQUIRED' },
        ],
      }),
    );
  });
  it('is what register dispatches on', async () => {
    const deps = fakeDeps([holderAccount]);
    await expect(register(deps, parseRegistration(form()))).resolves.toMatchObject({ role: 'holder' });
  });
});

describe('agent routes', () => {
  it('sends an activation email for an account and tells when it expires', async () => {
    const deps = fakeDeps([holderAccount]);
    // The fake workflow does not run: issue as the workflow would, when it is started.
    const start = deps.workflow.startActivation.bind(deps.workflow);
    deps.workflow.startActivation = async (input) => {
      await start(input);
      await issueActivation(deps, input);
    };
    const result = await sendActivationForAgent(deps, { accountNumber: '123 456 789' });
    expect(result).toEqual({ status: 'sent', expiresAt: new Date(deps.clock.now().getTime() + 432_000_000).toISOString() });
    expect(deps.workflow.started[0]).toMatchObject({ channel: 'agent' });
  });
  it('answers ACCOUNT_NOT_FOUND, ACCOUNT_ALREADY_REGISTERED and ACCOUNT_NUMBER_INVALID', async () => {
    const deps = fakeDeps([holderAccount]);
    await expect(sendActivationForAgent(deps, { accountNumber: '999999999' })).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND', statusCode: 404 });
    await expect(sendActivationForAgent(deps, { accountNumber: '12' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await attempt(deps);
    await expect(sendActivationForAgent(deps, { accountNumber: '123456789' })).rejects.toMatchObject({ code: 'ACCOUNT_ALREADY_REGISTERED', statusCode: 409 });
  });
  it('shows the registration, the pending activation, a lockout and the history', async () => {
    const deps = fakeDeps([holderAccount]);
    await issueActivation(deps, { activationId: 'a'.repeat(22), accountNumber: '123456789', channel: 'self-service' });
    let status = await registrationStatus(deps, { accountNumber: '123456789' });
    expect(status).toMatchObject({ holder: { registered: false }, pendingActivation: { status: 'pending' }, identityLockedUntil: null });
    for (let i = 0; i < 5; i++) await attempt(deps, { email: 'x@example.com' }).catch(() => undefined);
    status = await registrationStatus(deps, { accountNumber: '123456789' });
    expect(status.identityLockedUntil).not.toBeNull();
    expect(status.history.map((e) => e.type)).toEqual(['identity-locked', ...Array(5).fill('identity-check-failed'), 'activation-sent']);
    deps.clock.advance(3600);
    await attempt(deps);
    status = await registrationStatus(deps, { accountNumber: '123456789' });
    expect(status.holder).toMatchObject({ registered: true, username: 'marie.tremblay' });
    expect(status.pendingActivation).toBeNull();
    expect(status.history.slice(0, 2).map((e) => e.type)).toEqual(['registered', 'activation-revoked']);
  });
});
