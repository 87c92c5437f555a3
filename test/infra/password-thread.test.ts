import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { PASSWORD_THREAD_FILE } from '../../shared/adapters/argon2-password-hasher';
import { PROJECT_ROOT, bundleAsDeployed, esbuildOptionsFor, functionEntry } from '../../infra/constructs/service-function';

/**
 * The password hashing thread as deployed: `cdk synth`'s afterBundling command puts it beside the
 * code of the functions that hash passwords, and only theirs, and it runs there on its own — no
 * `node_modules` on Lambda — found through `LAMBDA_TASK_ROOT` as the runtime sets it.
 */
describe('the password hashing thread, deployed', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'password-thread-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is bundled beside the functions that hash passwords, and only those', async () => {
    const register = path.join(work, 'register');
    const verify = path.join(work, 'verify-activation');
    await Promise.all([bundleAsDeployed(functionEntry('api', 'register'), register), bundleAsDeployed(functionEntry('api', 'verify-activation'), verify)]);
    expect(existsSync(path.join(register, 'index.mjs'))).toBe(true);
    expect(existsSync(path.join(register, PASSWORD_THREAD_FILE))).toBe(true);
    expect(existsSync(path.join(verify, 'index.mjs'))).toBe(true);
    expect(existsSync(path.join(verify, PASSWORD_THREAD_FILE))).toBe(false);
  });

  it('hashes and verifies from the function’s folder, with no node_modules to lean on', async () => {
    const task = path.join(work, 'sign-in');
    await bundleAsDeployed(functionEntry('api', 'sign-in'), task);
    // The hasher as the function's bundle holds it (the same options), run from the task folder.
    await build({ ...esbuildOptionsFor(path.join(PROJECT_ROOT, 'shared/adapters/argon2-password-hasher.ts')), outfile: path.join(task, 'hasher.mjs'), logLevel: 'warning' });
    const code = `
      const { Argon2PasswordHasher } = await import('./hasher.mjs');
      const hasher = new Argon2PasswordHasher();
      const encoded = await hasher.hash('Boulang3rie');
      console.log(JSON.stringify({ encoded, right: await hasher.verify('Boulang3rie', encoded), wrong: await hasher.verify('Boulang3ri3', encoded) }));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: task,
      env: { PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: task },
      timeout: 60_000,
      encoding: 'utf8',
    });
    const result = JSON.parse(output);
    expect(result.encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect({ right: result.right, wrong: result.wrong }).toEqual({ right: true, wrong: false });
  });
});
