/**
 * Bundles every Lambda entry (`functions/<group>/<name>.handler.ts`) with the very esbuild options
 * the CDK deploys them with (`infra/constructs/service-function.ts`) and prints each minified size
 * (the code Lambda loads; the source map beside it is printed apart), marking those over the
 * budget. Exits non-zero when a bundle still calls `require`: an ES module bundle would then need
 * a `createRequire` banner. Usage: `npm run bundle:report`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { PASSWORD_THREAD_FILE } from '../../shared/adapters/argon2-password-hasher';
import { PROJECT_ROOT, esbuildOptionsFor, passwordThreadBuildCommand } from '../constructs/service-function';

const SUFFIX = '.handler.ts';
/** The most a function's code may weigh (docs/performance.md: cold start grows with it). */
export const BUNDLE_BUDGET_BYTES = 300 * 1024;
// esbuild's helper for `require` calls it could not resolve at build time; in ESM output it throws when called.
const DYNAMIC_REQUIRE = 'Dynamic require of';

/** `functions/api/register.handler.ts` → `api/register`, for every entry under `functions/`. */
function listEntries(): { name: string; file: string }[] {
  const root = path.join(PROJECT_ROOT, 'functions');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => ({ name: file.slice(0, -SUFFIX.length).split(path.sep).join('/'), file: path.join(root, file) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface BundleSize {
  name: string;
  /** The code Lambda loads. */
  bytes: number;
  /** Its source map, kept beside it. */
  mapBytes: number;
  /** Whether the code still calls `require` at run time. */
  requires: boolean;
  /** The password hashing thread bundled beside it (loaded in its own thread at the first hash), if any. */
  threadBytes?: number;
}

/** The hashing thread's code as deployed: built by the very command `cdk synth` runs. */
function threadBytes(): number {
  const work = mkdtempSync(path.join(tmpdir(), 'password-thread-'));
  try {
    execFileSync('bash', ['-c', passwordThreadBuildCommand(PROJECT_ROOT, work)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    return statSync(path.join(work, PASSWORD_THREAD_FILE)).size;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every function's bundle, built as deployed. */
export async function bundleSizes(): Promise<BundleSize[]> {
  const thread = threadBytes();
  return Promise.all(
    listEntries().map(async ({ name, file }) => {
      const result = await build({ ...esbuildOptionsFor(file), outfile: 'index.mjs', write: false, logLevel: 'warning' });
      const code = result.outputFiles.find((output) => !output.path.endsWith('.map'))!;
      const map = result.outputFiles.find((output) => output.path.endsWith('.map'));
      // The same test as the afterBundling command's: the bundle names the thread's file.
      const hashes = code.text.includes(PASSWORD_THREAD_FILE);
      return {
        name,
        bytes: code.contents.byteLength,
        mapBytes: map?.contents.byteLength ?? 0,
        requires: code.text.includes(DYNAMIC_REQUIRE),
        ...(hashes ? { threadBytes: thread } : {}),
      };
    }),
  );
}

async function main(): Promise<void> {
  const sizes = await bundleSizes();
  const width = Math.max('function'.length, ...sizes.map((size) => size.name.length));
  const row = (name: string, bytes: string, kib: string, map: string, thread: string, note = '') =>
    `${name.padEnd(width)}  ${bytes.padStart(10)}  ${kib.padStart(9)}  ${map.padStart(9)}  ${thread.padStart(10)}  ${note}`;
  console.log(row('function', 'bytes', 'KiB', 'map KiB', 'thread KiB'));
  console.log(row('-'.repeat(width), '-'.repeat(10), '-'.repeat(9), '-'.repeat(9), '-'.repeat(10)));
  for (const { name, bytes, mapBytes, requires, threadBytes } of sizes) {
    const notes = [bytes > BUNDLE_BUDGET_BYTES ? `over ${BUNDLE_BUDGET_BYTES / 1024} KiB` : '', requires ? 'calls require()' : ''].filter(Boolean).join(', ');
    const thread = threadBytes === undefined ? '' : (threadBytes / 1024).toFixed(1);
    console.log(row(name, String(bytes), (bytes / 1024).toFixed(1), (mapBytes / 1024).toFixed(1), thread, notes));
  }
  const total = sizes.reduce((sum, size) => sum + size.bytes, 0);
  console.log(row('-'.repeat(width), '-'.repeat(10), '-'.repeat(9), '-'.repeat(9), '-'.repeat(10)));
  console.log(row(`total (${sizes.length})`, String(total), (total / 1024).toFixed(1), '', ''));
  console.log(`\nthread KiB: argon2id, bundled beside the functions that hash passwords and loaded in a thread of its own at their first hash (not at start).`);
  const over = sizes.filter((size) => size.bytes > BUNDLE_BUDGET_BYTES);
  if (over.length > 0) console.log(`\n${over.length} of ${sizes.length} over the ${BUNDLE_BUDGET_BYTES / 1024} KiB budget (docs/performance.md, cold start).`);
  const requiring = sizes.filter((size) => size.requires);
  if (requiring.length > 0) {
    console.error(`\nStill calling require() once bundled as ES modules: ${requiring.map((size) => size.name).join(', ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
