import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { signIn, signInLockoutKey } from '../../shared/domain/sessions';
import { holderAccount } from '../fixtures/accounts';
import { fakeDeps } from '../fixtures/in-memory';
import { before, tracedDeps, type Deps } from '../fixtures/traced-ports';

/**
 * Sign-in's round trips: the attempt is counted first (a refused one costs nothing more), then the
 * login is read and the password hashed; the session is written while the attempts are forgotten.
 */
const credentials = { username: 'marie.tremblay', password: 'Boulang3rie' };

async function registered(): Promise<Deps> {
  const deps = fakeDeps([holderAccount]);
  await registerWithIdentity(deps, { accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', ...credentials });
  return deps;
}

describe('sign-in: round trips', () => {
  it('reads the login once the attempt is counted, and hashes once it is read', async () => {
    const { deps, log } = tracedDeps(await registered());
    await signIn(deps, credentials);
    expect(before(log, 'lockouts.take done', 'logins.getByUsername')).toBe(true);
    expect(before(log, 'logins.getByUsername done', 'passwords.verify')).toBe(true);
  });

  it('writes the session while the attempts are forgotten, once the password matched', async () => {
    const plain = await registered();
    await signIn(plain, { ...credentials, password: 'wrong12' }).catch(() => undefined);
    const { deps, log } = tracedDeps(plain);
    await signIn(deps, credentials);
    expect(before(log, 'passwords.verify done', 'sessions.create')).toBe(true);
    expect(before(log, 'passwords.verify done', 'lockouts.clear')).toBe(true);
    expect(before(log, 'sessions.create', 'lockouts.clear done')).toBe(true);
    expect(before(log, 'lockouts.clear', 'sessions.create done')).toBe(true);
    expect(plain.lockouts.counters.has(signInLockoutKey(credentials.username))).toBe(false);
  });

  it('signs in when the attempts cannot be forgotten, and reports it', async () => {
    const deps = await registered();
    deps.lockouts.clear = async () => {
      throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
    };
    await expect(signIn(deps, credentials)).resolves.toMatchObject({ user: { username: 'marie.tremblay' } });
    expect(deps.sessions.sessions.size).toBe(1);
    expect(deps.incidents.reported.map((incident) => incident.step)).toEqual(['lockout-clear']);
  });

  it('answers the failure of the session write itself, once the attempts are forgotten', async () => {
    const deps = await registered();
    const unavailable = Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
    deps.sessions.create = async () => {
      throw unavailable;
    };
    await expect(signIn(deps, credentials)).rejects.toBe(unavailable);
    expect(deps.lockouts.counters.has(signInLockoutKey(credentials.username))).toBe(false);
    expect(deps.incidents.reported).toEqual([]);
  });

  it('neither reads, hashes nor writes while the username is locked', async () => {
    const plain = await registered();
    for (let i = 0; i < 5; i++) await signIn(plain, { ...credentials, password: 'wrong12' }).catch(() => undefined);
    const { deps, log } = tracedDeps(plain);
    await expect(signIn(deps, credentials)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    // A refused attempt costs its count and nothing else, even in a burst of thousands.
    expect(log).toEqual(['lockouts.take', 'lockouts.take done']);
  });
});
