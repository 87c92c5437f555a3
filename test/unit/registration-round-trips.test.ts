import { ConcurrentUpdateError } from '../../shared/domain/errors';
import { awaitRegistration, issueActivation } from '../../shared/domain/issue-activation';
import { identityLockoutKey, registerWithIdentity } from '../../shared/domain/register-with-identity';
import { registerWithActivation } from '../../shared/domain/register';
import { holderAccount } from '../fixtures/accounts';
import { fakeDeps } from '../fixtures/in-memory';
import { before, tracedDeps, type Deps } from '../fixtures/traced-ports';

/**
 * Registration makes few round trips one after the other: reads that do not depend on one
 * another go out together, the lockout is cleared while the password hashes, the follow-ups run
 * side by side. What must stay in order stays in order: the attempt is taken before any identity
 * read, refusals keep their precedence, the workflow starts once the login is written.
 */
const identityForm = (overrides: Partial<Record<string, string>> = {}) => ({
  accountNumber: '123-456-789',
  postalCode: 'H2X 1Y4',
  email: 'marie.tremblay@example.com',
  username: 'marie.tremblay',
  password: 'Boulang3rie',
  ...overrides,
});

describe('registration with identity proof: round trips', () => {
  it('takes the attempt first, then reads account, people, username and state together while the password hashes', async () => {
    const { deps, log } = tracedDeps(fakeDeps([holderAccount]));
    await registerWithIdentity(deps, identityForm());
    const reads = ['accounts.get', 'people.list', 'logins.takenUsernames', 'activations.getAccountState'];
    expect(before(log, 'lockouts.take done', 'passwords.hash')).toBe(true);
    for (const read of reads) {
      expect(before(log, 'lockouts.take done', read)).toBe(true);
      // All four, and the hash, are under way before any of them has answered.
      for (const other of reads) expect(before(log, read, `${other} done`)).toBe(true);
      expect(before(log, read, 'passwords.hash done')).toBe(true);
      expect(before(log, 'passwords.hash', `${read} done`)).toBe(true);
    }
    expect(log.filter((entry) => entry === 'activations.getAccountState')).toHaveLength(1);
  });

  it('clears the attempts beside the write, once the hash is done', async () => {
    const { deps, log } = tracedDeps(fakeDeps([holderAccount]));
    await registerWithIdentity(deps, identityForm());
    expect(before(log, 'passwords.hash done', 'lockouts.clear')).toBe(true);
    expect(before(log, 'lockouts.clear', 'logins.createForHolder done')).toBe(true);
    expect(before(log, 'logins.createForHolder', 'lockouts.clear done')).toBe(true);
    expect(deps.lockouts.counters.has(identityLockoutKey('123456789'))).toBe(false);
  });

  it('revokes the pending activation in the transaction without reading it first, then ends its wait', async () => {
    const plain = fakeDeps([holderAccount]);
    const activationId = 'a'.repeat(22);
    await issueActivation(plain, { activationId, accountNumber: '123456789', channel: 'self-service' });
    await awaitRegistration(plain, { activationId, taskToken: 'task-1' });
    const { deps, log } = tracedDeps(plain);
    await registerWithIdentity(deps, identityForm());
    // Read once, after the revoking write, for the task token parked on it.
    expect(log.filter((entry) => entry === 'activations.get')).toHaveLength(1);
    expect(before(log, 'logins.createForHolder done', 'activations.get')).toBe(true);
    expect(plain.activations.activations.get(activationId)!.status).toBe('revoked');
    expect(plain.workflow.abandoned).toEqual([{ taskToken: 'task-1', reason: 'ActivationRevoked' }]);
    expect(plain.audit.events.map((e) => e.type)).toEqual(expect.arrayContaining(['activation-revoked', 'registered']));
  });

  it('leaves a pending activation that expired by the time of the write expired, not revoked', async () => {
    const plain = fakeDeps([holderAccount]);
    const activationId = 'e'.repeat(22);
    await issueActivation(plain, { activationId, accountNumber: '123456789', channel: 'self-service' });
    plain.clock.advance(5 * 86_400);
    const { deps, log } = tracedDeps(plain);
    await expect(registerWithIdentity(deps, identityForm())).resolves.toMatchObject({ role: 'holder' });
    // The first write refused to revoke it; the retry read it and left it out.
    expect(log.filter((entry) => entry === 'logins.createForHolder')).toHaveLength(2);
    expect(plain.activations.activations.get(activationId)!.status).toBe('pending');
    expect(plain.audit.events.map((e) => e.type)).not.toContain('activation-revoked');
    expect(plain.workflow.abandoned).toEqual([]);
  });

  it('starts the workflow only once the login is written, beside the audit event', async () => {
    const { deps, log } = tracedDeps(fakeDeps([holderAccount]));
    await registerWithIdentity(deps, identityForm());
    expect(before(log, 'logins.createForHolder done', 'workflow.startConfirmation')).toBe(true);
    expect(before(log, 'logins.createForHolder done', 'audit.record')).toBe(true);
    // Side by side: each starts before the other has finished.
    expect(before(log, 'workflow.startConfirmation', 'audit.record done')).toBe(true);
    expect(before(log, 'audit.record', 'workflow.startConfirmation done')).toBe(true);
  });

  it('reads the state again when the transaction met a concurrent change', async () => {
    const plain = fakeDeps([holderAccount]);
    const { deps, log } = tracedDeps(plain);
    const create = plain.logins.createForHolder.bind(plain.logins);
    let conflicts = 1;
    deps.logins.createForHolder = async (change) => {
      if (conflicts-- > 0) throw new ConcurrentUpdateError();
      return create(change);
    };
    await expect(registerWithIdentity(deps, identityForm())).resolves.toMatchObject({ role: 'holder' });
    expect(log.filter((entry) => entry === 'activations.getAccountState')).toHaveLength(2);
    expect(plain.logins.logins.size).toBe(1);
  });

  it('revokes an activation delivered while the password hashed (the state read before the hash is checked in the write)', async () => {
    const plain = fakeDeps([holderAccount]);
    const activationId = 'c'.repeat(22);
    const hash = plain.passwords.hash.bind(plain.passwords);
    plain.passwords.hash = async (password) => {
      await issueActivation(plain, { activationId, accountNumber: '123456789', channel: 'self-service' });
      return hash(password);
    };
    await expect(registerWithIdentity(plain, identityForm())).resolves.toMatchObject({ role: 'holder' });
    expect(plain.activations.activations.get(activationId)!.status).toBe('revoked');
    expect((await plain.activations.getAccountState('123456789')).pendingActivationId).toBeUndefined();
  });

  it('reports a follow-up that keeps failing and still runs the others', async () => {
    const plain = fakeDeps([holderAccount]);
    plain.workflow.startConfirmation = async () => {
      throw new Error('throttled');
    };
    await expect(registerWithIdentity(plain, identityForm())).resolves.toMatchObject({ role: 'holder' });
    expect(plain.incidents.reported.map((r) => r.step)).toEqual(['start-confirmation']);
    expect(plain.audit.events.map((e) => e.type)).toEqual(['registered']);
  });

  it('refuses a wrong identity after hashing as a registration does, without clearing or writing, whatever the username', async () => {
    const plain = fakeDeps([holderAccount]);
    await registerWithIdentity(plain, identityForm());
    const { deps, log } = tracedDeps(plain);
    await expect(registerWithIdentity(deps, identityForm({ postalCode: 'H3B 2Y5', username: 'marie.tremblay' }))).rejects.toMatchObject({
      code: 'IDENTITY_NOT_VERIFIED',
    });
    expect(log.filter((entry) => !entry.endsWith(' done'))).toEqual([
      'lockouts.take',
      'accounts.get',
      'people.list',
      'logins.takenUsernames',
      'activations.getAccountState',
      'passwords.hash',
      'audit.record',
    ]);
    expect(plain.logins.logins.size).toBe(1);
  });

  it('makes the same calls for an unknown account as for a known one with a wrong postal code', async () => {
    const calls = async (overrides: Partial<Record<string, string>>) => {
      const { deps, log } = tracedDeps(fakeDeps([holderAccount]));
      await registerWithIdentity(deps, identityForm(overrides)).catch(() => undefined);
      return log;
    };
    expect(await calls({ accountNumber: '999999999' })).toEqual(await calls({ postalCode: 'H3B 2Y5' }));
  });

  it('reads nothing about the account while it is locked', async () => {
    const plain = fakeDeps([holderAccount]);
    for (let i = 0; i < 5; i++) await registerWithIdentity(plain, identityForm({ email: 'x@example.com' })).catch(() => undefined);
    const { deps, log } = tracedDeps(plain);
    await expect(registerWithIdentity(deps, identityForm())).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(log).toEqual(['lockouts.take', 'lockouts.take done']);
  });

  it('answers USERNAME_TAKEN before ACCOUNT_ALREADY_REGISTERED, without writing, and forgets the attempts', async () => {
    const plain = fakeDeps([holderAccount]);
    await registerWithIdentity(plain, identityForm());
    await plain.lockouts.take(identityLockoutKey('123456789'), { maxFailures: 5, windowSeconds: 3600, lockSeconds: 3600 }, plain.clock.now());
    const { deps, log } = tracedDeps(plain);
    await expect(registerWithIdentity(deps, identityForm())).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    await expect(registerWithIdentity(deps, identityForm({ username: 'another.name' }))).rejects.toMatchObject({ code: 'ACCOUNT_ALREADY_REGISTERED' });
    expect(log).not.toContain('logins.createForHolder');
    expect(plain.lockouts.counters.has(identityLockoutKey('123456789'))).toBe(false);
  });
});

describe('registration with a token: round trips', () => {
  const lastToken = (deps: Deps) => deps.notifier.sent.filter((m) => m.kind === 'activation').at(-1)!.token!;
  async function issued() {
    const plain = fakeDeps([holderAccount]);
    const activationId = 'b'.repeat(22);
    await issueActivation(plain, { activationId, accountNumber: '123456789', channel: 'self-service' });
    await awaitRegistration(plain, { activationId, taskToken: 'task-2' });
    return { plain, token: lastToken(plain) };
  }

  it('reads the username beside the activation, then claims, hashes, writes, and resumes the workflow beside the audit', async () => {
    const { plain, token } = await issued();
    const { deps, log } = tracedDeps(plain);
    await registerWithActivation(deps, { activationToken: token, username: 'marie.tremblay', password: 'Boulang3rie' });
    expect(log.slice(0, 2)).toEqual(['activations.get', 'logins.takenUsernames']);
    expect(before(log, 'activations.claim done', 'passwords.hash')).toBe(true);
    expect(before(log, 'logins.createFromActivation done', 'workflow.completeRegistration')).toBe(true);
    expect(before(log, 'logins.createFromActivation done', 'audit.record')).toBe(true);
    expect(before(log, 'activations.get', 'audit.record done')).toBe(true);
    expect(log.lastIndexOf('activations.get')).toBeLessThan(log.indexOf('audit.record done'));
    expect(plain.workflow.completed).toEqual([{ taskToken: 'task-2', userId: [...plain.logins.logins.values()][0]!.userId }]);
  });

  /** Gives `username` to a login of another account. */
  const takeUsername = (deps: Deps, username: string) =>
    deps.logins.logins.set('someone-else', {
      userId: 'someone-else', username, accountNumber: '987654321', role: 'holder', name: 'John Smith', email: 'john.smith@example.com',
      passwordHash: 'plain$x', status: 'active', createdAt: deps.clock.now(),
    });

  it('answers the token refusal before USERNAME_TAKEN', async () => {
    const { plain, token } = await issued();
    takeUsername(plain, 'taken.name');
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await expect(registerWithActivation(plain, { activationToken: forged, username: 'taken.name', password: 'x1y2z3' })).rejects.toMatchObject({
      code: 'ACTIVATION_NOT_FOUND',
    });
    await expect(registerWithActivation(plain, { activationToken: token, username: 'taken.name', password: 'x1y2z3' })).rejects.toMatchObject({
      code: 'USERNAME_TAKEN',
    });
  });

  it('answers ACCOUNT_NOT_FOUND before USERNAME_TAKEN, and claims nothing', async () => {
    const { plain, token } = await issued();
    takeUsername(plain, 'taken.name');
    const accounts = { get: async () => undefined };
    await expect(registerWithActivation({ ...plain, accounts }, { activationToken: token, username: 'taken.name', password: 'x1y2z3' })).rejects.toMatchObject({
      code: 'ACCOUNT_NOT_FOUND',
    });
    expect(plain.activations.claims.size).toBe(0);
  });
});
