/**
 * Bundles every Lambda entry (`functions/<group>/<name>.handler.ts`) with the very esbuild options
 * the CDK deploys them with (`infra/constructs/service-function.ts`) and prints each minified size.
 * Usage: `npm run bundle:report`.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT, esbuildOptionsFor } from '../constructs/service-function';

const SUFFIX = '.handler.ts';

/** `functions/api/register.handler.ts` → `api/register`, for every entry under `functions/`. */
function listEntries(): { name: string; file: string }[] {
  const root = path.join(PROJECT_ROOT, 'functions');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => ({ name: file.slice(0, -SUFFIX.length).split(path.sep).join('/'), file: path.join(root, file) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function main(): Promise<void> {
  const entries = listEntries();
  const sizes = await Promise.all(
    entries.map(async ({ name, file }) => {
      const result = await build({ ...esbuildOptionsFor(file), outfile: 'index.js', write: false, logLevel: 'warning' });
      const bytes = result.outputFiles.reduce((sum, output) => sum + output.contents.byteLength, 0);
      return { name, bytes };
    }),
  );

  const width = Math.max('function'.length, ...sizes.map((size) => size.name.length));
  const row = (name: string, bytes: string, kib: string) => `${name.padEnd(width)}  ${bytes.padStart(10)}  ${kib.padStart(9)}`;
  console.log(row('function', 'bytes', 'KiB'));
  console.log(row('-'.repeat(width), '-'.repeat(10), '-'.repeat(9)));
  for (const { name, bytes } of sizes) console.log(row(name, String(bytes), (bytes / 1024).toFixed(1)));
  const total = sizes.reduce((sum, size) => sum + size.bytes, 0);
  console.log(row('-'.repeat(width), '-'.repeat(10), '-'.repeat(9)));
  console.log(row(`total (${sizes.length})`, String(total), (total / 1024).toFixed(1)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
