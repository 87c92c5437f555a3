import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../infra/constructs/service-function';
import { ARGON2_PARAMETERS, Argon2PasswordHasher, HashingThread } from '../../shared/adapters/argon2-password-hasher';

/**
 * The password hash's cost, as the spec states it (§ security: argon2id, m = 19 MiB, t = 2,
 * p = 1), which is OWASP's first argon2id configuration; a 16-byte random salt and a 32-byte hash,
 * stored as a PHC string that names its parameters. `npm run bench` prints the same parameters,
 * read from a hash it made.
 */

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const MIB_IN_KIB = 1024;

describe('argon2id parameters', () => {
  const hasher = new Argon2PasswordHasher();

  it('are the spec’s: 19 MiB of memory, two passes, one lane, a 32-byte hash', () => {
    expect(ARGON2_PARAMETERS).toEqual({ memorySize: 19 * MIB_IN_KIB, iterations: 2, parallelism: 1, hashLength: 32 });
  });

  it('are the ones a new hash is made with, named in the stored string with its 16-byte salt', async () => {
    const encoded = await hasher.hash('Boulang3rie');
    const [, m, t, p, salt, hash] = PHC.exec(encoded) ?? [];
    expect({ m: Number(m), t: Number(t), p: Number(p) }).toEqual({ m: 19_456, t: 2, p: 1 });
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64')).toHaveLength(32);
    // A fresh salt every time: the same password never gives the same string.
    expect(await hasher.hash('Boulang3rie')).not.toBe(encoded);
  });

  it('verify the right password only, and a hash made with other parameters by the parameters it names', async () => {
    const encoded = await hasher.hash('Boulang3rie');
    await expect(hasher.verify('Boulang3rie', encoded)).resolves.toBe(true);
    await expect(hasher.verify('Boulang3ri3', encoded)).resolves.toBe(false);

    // The constructor's type is the current parameters' literal type; older hashes had others.
    const olderParameters = { memorySize: 8_192, iterations: 1, parallelism: 1, hashLength: 32 } as unknown as typeof ARGON2_PARAMETERS;
    const older = await new Argon2PasswordHasher(olderParameters).hash('Gagnon2026');
    expect(older).toMatch(/\$m=8192,t=1,p=1\$/);
    await expect(hasher.verify('Gagnon2026', older)).resolves.toBe(true);
  });
});

describe('the hashing thread', () => {
  it('hashes off the event loop: timers keep firing while a hash runs', async () => {
    const hasher = new Argon2PasswordHasher();
    await hasher.hash('warm-up');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await hasher.hash('Boulang3rie');
    } finally {
      clearInterval(timer);
    }
    // On the event loop, the ~50–100 ms of WebAssembly would let the timer fire once at most.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('fails what it was doing when it dies, and is started anew for the next hash', async () => {
    const thread = new HashingThread();
    const hasher = new Argon2PasswordHasher(ARGON2_PARAMETERS, thread);
    const interrupted = hasher.hash('Boulang3rie');
    await thread.stop();
    await expect(interrupted).rejects.toThrow(/argon2id thread exited/);
    await expect(hasher.verify('Boulang3rie', await hasher.hash('Boulang3rie'))).resolves.toBe(true);
    await thread.stop();
  });

  it('does not keep the process alive once idle', () => {
    // A process that hashes once and has nothing left to do ends by itself (Jest would otherwise
    // wait on it, and so would the local stack's stop).
    const code = `const { Argon2PasswordHasher } = require('./shared/adapters/argon2-password-hasher.ts');
      new Argon2PasswordHasher().hash('x').then((encoded) => console.log(encoded.slice(0, 9)));`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: PROJECT_ROOT, timeout: 60_000, encoding: 'utf8' });
    expect(output.trim()).toBe('$argon2id');
  });
});
