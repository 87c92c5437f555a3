/**
 * Warm API against its floors, side by side: the local stack (`stack-process.ts`) runs in a
 * process of its own and serves the floors (`baselines.ts`) there too, on another port, with the
 * same DynamoDB Local and Step Functions engine; autocannon (as a library, in this process)
 * loads one, then the other, alternately, so that whatever else the machine does hits both alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import path from 'node:path';
import autocannon from 'autocannon';
import { median, quantile, round } from './stats';

const TSX = require.resolve('tsx');

/** A child process that reports one JSON line when ready. */
export interface Child<Info> {
  info: Info;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The file descriptor on which a child started by `startChild` writes its ready line. */
export const READY_FD = 3;

/**
 * Starts `tsx <file> ...args` and waits for the JSON line it writes on `READY_FD` when ready.
 * Its stdout — the local stack's log lines, one per request — goes to `logFile`, as Lambda's go
 * to CloudWatch: not through a pipe into this process, where reading them would take CPU from
 * the load generator on the same cores (and the writer would wake it on every line).
 */
export function startChild<Info>(file: string, args: string[], options: { logFile: string; env?: Record<string, string>; nodeArgs?: string[] }): Promise<Child<Info>> {
  return new Promise((resolve, reject) => {
    const log = openSync(options.logFile, 'w');
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', TSX, file, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', log, 'pipe', 'pipe'],
    });
    closeSync(log);
    const ready = child.stdio[READY_FD] as Readable;
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk) => (err = (err + chunk).slice(-4000)));
    const onData = (chunk: Buffer) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      ready.off('data', onData);
      ready.resume();
      // From now on its errors are the bench's to show.
      child.stderr!.on('data', (chunk) => process.stderr.write(`[${path.basename(file)}] ${chunk}`));
      child.once('exit', (code, signal) => {
        if (code !== 0 && signal !== 'SIGTERM') process.stderr.write(`[${path.basename(file)}] exited (${code ?? signal})\n`);
      });
      const stop = () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        });
      resolve({ info: JSON.parse(out.slice(0, newline)) as Info, process: child, stop });
    };
    ready.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${path.basename(file)} exited (${code}) before it was ready:\n${err}`)));
  });
}

/** One autocannon run's figures. */
export interface LoadRun {
  connections: number;
  seconds: number;
  requests: number;
  /** Mean requests per second. */
  rps: number;
  p50: number;
  p99: number;
  /** Answers other than the route's expected status, and socket errors/timeouts. */
  unexpected: number;
  errors: number;
}

/** A route's load: the path on each server, the bodies to send in turn, the status expected. */
export interface Scenario {
  route: string;
  path: string;
  baselinePath: string;
  expectedStatus: number;
  bodies: unknown[];
}

/** Loads `url + scenario path` with `connections` for `seconds`. */
export async function load(baseUrl: string, pathName: string, scenario: Scenario, connections: number, seconds: number): Promise<LoadRun> {
  let next = 0;
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: pathName,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify(scenario.bodies[next++ % scenario.bodies.length]) }),
      },
    ],
  });
  const counts = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const expected = counts[String(scenario.expectedStatus)]?.count ?? 0;
  const answered = Object.values(counts).reduce((sum, { count }) => sum + count, 0);
  return {
    connections,
    seconds,
    requests: answered,
    rps: round(answered / seconds, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    unexpected: answered - expected,
    errors: result.errors + result.timeouts,
  };
}

/** The side-by-side figures of one route at one connection count. */
export interface Comparison {
  route: string;
  connections: number;
  runs: { service: LoadRun[]; baseline: LoadRun[] };
  service: { rps: number; p50: number; p99: number };
  baseline: { rps: number; p50: number; p99: number };
  /** service ÷ baseline: throughput (target ≥ 0.8) and p99 (target ≤ 2). */
  throughputRatio: number;
  p99Ratio: number;
}

function summarize(runs: LoadRun[]) {
  return { rps: round(median(runs.map((r) => r.rps)), 1), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
}

/** Alternates service and baseline `rounds` times (each starting first in turn). */
export async function compare(
  urls: { service: string; baseline: string },
  scenario: Scenario,
  options: {
    connections: number;
    seconds: number;
    rounds: number;
    log?: (line: string) => void;
    /** Runs before each load run: waits until the work the previous run left behind is done. */
    settle?: () => Promise<void>;
  },
): Promise<Comparison> {
  const runs = { service: [] as LoadRun[], baseline: [] as LoadRun[] };
  for (let round = 0; round < options.rounds; round++) {
    const order: ('service' | 'baseline')[] = round % 2 === 0 ? ['service', 'baseline'] : ['baseline', 'service'];
    for (const side of order) {
      await options.settle?.();
      const run = await load(urls[side], side === 'service' ? scenario.path : scenario.baselinePath, scenario, options.connections, options.seconds);
      runs[side].push(run);
      options.log?.(`  ${scenario.route} c=${options.connections} ${side.padEnd(8)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms${run.unexpected || run.errors ? `  (${run.unexpected} unexpected, ${run.errors} errors)` : ''}`);
    }
  }
  const service = summarize(runs.service);
  const baseline = summarize(runs.baseline);
  return {
    route: scenario.route,
    connections: options.connections,
    runs,
    service,
    baseline,
    throughputRatio: round(service.rps / baseline.rps, 2),
    p99Ratio: round(service.p99 / Math.max(baseline.p99, 1), 2),
  };
}

/** Figures of calls made in this process, without any HTTP server in front. */
export interface InProcessRun {
  calls: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Calls `call` from `concurrency` loops for `seconds`. */
export async function inProcess(call: () => Promise<unknown>, concurrency: number, seconds: number): Promise<InProcessRun> {
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await call();
        samples.push(performance.now() - started);
      }
    }),
  );
  return { calls: samples.length, rps: round(samples.length / seconds, 1), p50: round(median(samples), 2), p99: round(quantile(samples, 0.99), 2) };
}
