/**
 * Cold start, per function: each bundle loaded in a fresh `node` process, as Lambda's INIT phase
 * loads it (the runtime's own bootstrap is the same for every variant and is left out). Three
 * builds of every function, measured in alternation so that load on the machine hits each alike:
 *
 * - `bundled`: as deployed (`esbuildOptionsFor`), the SDK clients inside the bundle;
 * - `sdk-external`: the same, but `@aws-sdk/*` left to the runtime's copy (resolved from
 *   `node_modules`, as the Lambda runtime's is), which is what we deployed before;
 * - `naive`: `naive/handler.ts` (SDK clients, Middy, classic zod) in one minified CommonJS file.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { PROJECT_ROOT, esbuildOptionsFor } from '../../infra/constructs/service-function';
import { median } from './stats';

export type ColdVariant = 'bundled' | 'sdk-external' | 'naive';
export const COLD_VARIANTS: readonly ColdVariant[] = ['bundled', 'sdk-external', 'naive'];

/** What a function's handler module needs in its environment at cold start (values are dummies). */
export const FUNCTION_ENVIRONMENT: Record<string, string> = {
  AWS_REGION: 'ca-central-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TABLE_NAME: 'registration',
  STATE_MACHINE_ARN: 'arn:aws:states:ca-central-1:000000000000:stateMachine:registration',
  PORTAL_URL: 'https://portal.example.com',
  SENDER_EMAIL: 'no-reply@example.com',
  CUSTOMER_SERVICE_PHONE: '1 800 555-0100',
  POWERTOOLS_SERVICE_NAME: 'registration',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

export interface ColdStartRow {
  function: string;
  /** Minified size of the deployed bundle (without its separate source map). */
  bytes: Record<ColdVariant, number>;
  /** Median module load, wall ms, per variant. */
  loadMs: Record<ColdVariant, number>;
  /** Median CPU time of the load, ms, per variant. */
  cpuMs: Record<ColdVariant, number>;
  /** bundled ÷ naive, sdk-external ÷ naive (wall). */
  ratio: { bundled: number; sdkExternal: number };
  /** The same ratios on CPU time. */
  cpuRatio: { bundled: number; sdkExternal: number };
}

export interface ColdStartResult {
  rounds: number;
  rows: ColdStartRow[];
  /** The naive build, measured once per round (it is the same for every function). */
  naive: { bytes: number; loadMs: number; cpuMs: number };
}

const SUFFIX = '.handler.ts';

/** Every Lambda entry, `api/register` → its file. */
export function lambdaEntries(): { name: string; file: string }[] {
  const root = path.join(PROJECT_ROOT, 'functions');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => ({ name: file.slice(0, -SUFFIX.length).split(path.sep).join('/'), file: path.join(root, file) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function outFile(options: BuildOptions, dir: string): string {
  return path.join(dir, options.format === 'esm' ? 'index.mjs' : 'index.cjs');
}

async function buildTo(options: BuildOptions, dir: string): Promise<{ file: string; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const file = outFile(options, dir);
  await build({ ...options, outfile: file, write: true, logLevel: 'error' });
  return { file, bytes: statSync(file).size };
}

/** The naive build's options: minified, but esbuild's defaults for Node otherwise (every package's CommonJS build, SDK inside). */
export function naiveBuildOptions(): BuildOptions {
  return {
    entryPoints: [path.join(__dirname, 'naive', 'handler.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    absWorkingDir: PROJECT_ROOT,
  };
}

// Wall time, and CPU time (user + system) of the import: the CPU figure is what other processes
// on a shared machine disturb least.
const LOADER = `
const cpu = process.cpuUsage();
const started = performance.now();
const module = await import(process.env.BENCH_MODULE_URL);
const loaded = performance.now();
const used = process.cpuUsage(cpu);
const handler = module.handler ?? module.default?.handler;
if (typeof handler !== 'function') throw new Error('no handler exported');
process.stdout.write(JSON.stringify({ ms: loaded - started, cpuMs: (used.user + used.system) / 1000 }));
`;

/** One load of a module in a fresh process: wall and CPU milliseconds. */
export interface LoadSample {
  ms: number;
  cpuMs: number;
}

/** Loads `file` in a fresh `node` process and answers how long the import took. */
export function loadTime(file: string): Promise<LoadSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', LOADER], {
      env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENVIRONMENT, BENCH_MODULE_URL: `file://${file}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`loading ${file} failed (${code}): ${err.slice(0, 2000)}`));
      resolve(JSON.parse(out) as LoadSample);
    });
  });
}

/**
 * Builds the three variants of every function (or of `only`) and loads each `rounds` times,
 * alternating variants within a round.
 */
export async function measureColdStarts(options: { rounds: number; only?: string[]; log?: (line: string) => void }): Promise<ColdStartResult> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(path.join(tmpdir(), 'bench-cold-'));
  // Bare `@aws-sdk/*` imports of the sdk-external builds resolve here, as on Lambda from the runtime's folder.
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  try {
    const entries = lambdaEntries().filter((entry) => !options.only || options.only.includes(entry.name));
    const naive = await buildTo(naiveBuildOptions(), path.join(work, 'naive'));
    const builds = await Promise.all(
      entries.map(async ({ name, file }) => {
        const dir = path.join(work, name.replace('/', '__'));
        const [bundled, external] = await Promise.all([
          buildTo(esbuildOptionsFor(file), path.join(dir, 'bundled')),
          buildTo(esbuildOptionsFor(file, { awsSdk: 'external' }), path.join(dir, 'sdk-external')),
        ]);
        return { name, bundled, external };
      }),
    );
    log(`cold start: ${builds.length} functions built in 3 variants; ${options.rounds} rounds`);

    const naiveSamples: LoadSample[] = [];
    const samples = new Map(builds.map((b) => [b.name, { bundled: [] as LoadSample[], external: [] as LoadSample[], naive: [] as LoadSample[] }]));
    for (let round = 0; round < options.rounds; round++) {
      for (const b of builds) {
        const s = samples.get(b.name)!;
        // Rotating the order each round: no variant always runs first (or right after another).
        const steps: [LoadSample[], string][] = [
          [s.bundled, b.bundled.file],
          [s.external, b.external.file],
          [s.naive, naive.file],
        ];
        for (let i = 0; i < steps.length; i++) {
          const [into, file] = steps[(i + round) % steps.length]!;
          into.push(await loadTime(file));
        }
        naiveSamples.push(s.naive.at(-1)!);
      }
      log(`  round ${round + 1}/${options.rounds} done`);
    }

    const wall = (list: LoadSample[]) => median(list.map((sample) => sample.ms));
    const cpu = (list: LoadSample[]) => median(list.map((sample) => sample.cpuMs));
    const rows = builds.map((b): ColdStartRow => {
      const s = samples.get(b.name)!;
      const loadMs = { bundled: wall(s.bundled), 'sdk-external': wall(s.external), naive: wall(s.naive) };
      const cpuMs = { bundled: cpu(s.bundled), 'sdk-external': cpu(s.external), naive: cpu(s.naive) };
      return {
        function: b.name,
        bytes: { bundled: b.bundled.bytes, 'sdk-external': b.external.bytes, naive: naive.bytes },
        loadMs,
        cpuMs,
        ratio: { bundled: loadMs.bundled / loadMs.naive, sdkExternal: loadMs['sdk-external'] / loadMs.naive },
        cpuRatio: { bundled: cpuMs.bundled / cpuMs.naive, sdkExternal: cpuMs['sdk-external'] / cpuMs.naive },
      };
    });
    return { rounds: options.rounds, rows, naive: { bytes: naive.bytes, loadMs: wall(naiveSamples), cpuMs: cpu(naiveSamples) } };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
