/**
 * The bench's results (`bench/results.json`) and the table `npm run bench` prints from them.
 */
import type { ColdStartResult } from './cold-start';
import type { CostLine, JourneyCost, JourneyUsage } from './cost-model';
import type { Comparison, InProcessRun } from './warm-api';

/** Targets of issue 11, as ratios or bounds the table checks. */
export const TARGETS = {
  coldRatio: 0.5,
  bundleBytes: 300 * 1024,
  throughputRatio: 0.8,
  p99Ratio: 2,
  registrationOverheadMs: 30,
  usdPer1000: 0.4,
} as const;

export interface BenchResults {
  date: string;
  machine: { node: string; cpus: number; cpuModel: string; memoryGb: number };
  quick: boolean;
  totalSeconds?: number;
  bundles?: { name: string; bytes: number; mapBytes: number }[];
  cold?: ColdStartResult;
  warm?: {
    comparisons: Comparison[];
    /** The verify handler called in-process against a bare GetItem: both HTTP servers left out. */
    handlerAlone?: { runs: { handler: InProcessRun[]; getItem: InProcessRun[] }; throughputRatio: number; p99Ratio: number };
    tokens: number;
    users: number;
  };
  registration?: {
    samples: number;
    hashParameters: { memorySize: number; iterations: number; parallelism: number; hashLength: number };
    hashP50: number;
    hashP95: number;
    registrationP50: number;
    registrationP95: number;
    overheadP50: number;
    /** The hash each registration made, timed inside the stack's process (absent before 2 Dec 2026). */
    serviceHashP50?: number;
    overheadOverServiceHashP50?: number;
    /**
     * The floor (`baselines.ts`): the same hash and only the writes a registration cannot do
     * without, in their order, timed beside each registration (absent before 2 Dec 2026).
     */
    floorP50?: number;
    floorP95?: number;
    /** The floor's own hashes, timed where they ran (the stack's process, as the service's). */
    floorHashP50?: number;
    /**
     * floor p50 − its hash p50: those writes alone in the stack's process, with the collection
     * each hash sets off in that shared heap (docs/performance.md §3).
     */
    floorWritesP50?: number;
    /** registration p50 − floor p50: what the service adds to them. */
    overheadOverFloorP50?: number;
    /**
     * The register function alone, as Lambda runs it: its deployed bundle in a process of its own,
     * invoked directly (no HTTP in front), timed there (absent before 2 Dec 2026).
     */
    ownProcessP50?: number;
    ownProcessP95?: number;
    /** The service's hasher timed in that same process, just before each of its registrations. */
    ownProcessHashP50?: number;
    /** ownProcessP50 − ownProcessHashP50. */
    ownProcessOverheadP50?: number;
  };
  cost?: {
    shape: { functions: number; memoryMb: number[]; architectures: string[]; apiType: string; webAcls: number; stateMachineType: string; tableBillingMode: string };
    usage: JourneyUsage[];
    transitionsByPath: { journey: string; paths: { path: string; executions: number }[] }[];
    costs: JourneyCost[];
    fixedMonthly: { item: string; usdPerMonth: number }[];
    cognitoPer1000Users: { lite: number; essentials: number };
  };
}

const mark = (ok: boolean) => (ok ? 'ok ' : 'MISS');
const pad = (text: string | number, width: number) => String(text).padStart(width);

function table(title: string, header: string[], rows: (string | number)[][], widths: number[]): string[] {
  const line = (cells: (string | number)[]) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[0]!) : pad(cell, widths[i]!))).join('  ');
  return [``, title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** Prints every part present in `results`. */
export function printReport(results: BenchResults, { written = true } = {}): void {
  const out: string[] = [];
  if (results.cold) {
    const { rows, naive, rounds } = results.cold;
    out.push(
      ...table(
        `Cold start: module load in a fresh node process, median of ${rounds} (ms; naive build ${(naive.bytes / 1024).toFixed(0)} KiB: ${naive.loadMs.toFixed(0)} ms, CPU ${naive.cpuMs.toFixed(0)} ms)`,
        ['function', 'KiB', 'bundled', 'sdk-ext', 'naive', 'ratio', 'cpu', 'sdk-ext', 'naive', 'cpu ratio', 'ext ratio', ''],
        rows.map((r) => [
          r.function,
          (r.bytes.bundled / 1024).toFixed(0),
          r.loadMs.bundled.toFixed(1),
          r.loadMs['sdk-external'].toFixed(1),
          r.loadMs.naive.toFixed(1),
          r.ratio.bundled.toFixed(2),
          r.cpuMs.bundled.toFixed(1),
          r.cpuMs['sdk-external'].toFixed(1),
          r.cpuMs.naive.toFixed(1),
          r.cpuRatio.bundled.toFixed(2),
          r.cpuRatio.sdkExternal.toFixed(2),
          `${mark(r.cpuRatio.bundled <= TARGETS.coldRatio)}${r.bytes.bundled > TARGETS.bundleBytes ? ' >300KiB' : ''}`,
        ]),
        [30, 5, 8, 8, 8, 6, 7, 8, 7, 9, 9, 12],
      ),
    );
  }
  if (results.warm) {
    out.push(
      ...table(
        'Warm API against its baseline (autocannon; req/s and ms; 10 connections: median of the alternating rounds)',
        ['route', 'conns', 'svc req/s', 'base req/s', 'ratio', 'svc p50', 'svc p99', 'base p50', 'base p99', 'p99 ratio', ''],
        results.warm.comparisons.map((c) => [
          c.route,
          c.connections,
          c.service.rps.toFixed(0),
          c.baseline.rps.toFixed(0),
          c.throughputRatio.toFixed(2),
          c.service.p50,
          c.service.p99,
          c.baseline.p50,
          c.baseline.p99,
          c.p99Ratio.toFixed(2),
          c.connections === 10 ? mark(c.throughputRatio >= TARGETS.throughputRatio && c.p99Ratio <= TARGETS.p99Ratio) : '',
        ]),
        [20, 5, 9, 10, 6, 7, 7, 8, 8, 9, 4],
      ),
    );
  }
  if (results.warm?.handlerAlone) {
    const h = results.warm.handlerAlone;
    const med = (runs: InProcessRun[], key: 'rps' | 'p50' | 'p99') => [...runs.map((r) => r[key])].sort((a, b) => a - b)[Math.floor((runs.length - 1) / 2)];
    out.push(
      '',
      `Verify handler alone (in-process, 10 at a time, no HTTP server) against one bare GetItem: ${med(h.runs.handler, 'rps')} vs ${med(h.runs.getItem, 'rps')} calls/s = ${h.throughputRatio.toFixed(2)}×; p99 ${med(h.runs.handler, 'p99')} vs ${med(h.runs.getItem, 'p99')} ms = ${h.p99Ratio.toFixed(2)}×`,
    );
  }
  if (results.registration) {
    const r = results.registration;
    const p = r.hashParameters;
    out.push(
      '',
      `Registration (identity proof), one at a time, n=${r.samples}: p50 ${r.registrationP50} ms, p95 ${r.registrationP95} ms`,
      `argon2id hash (m=${p.memorySize} KiB, t=${p.iterations}, p=${p.parallelism}, ${p.hashLength}-byte hash): p50 ${r.hashP50} ms, p95 ${r.hashP95} ms`,
      `registration p50 − hash p50 = ${r.overheadP50} ms (target ≤ ${TARGETS.registrationOverheadMs} ms) ${mark(r.overheadP50 <= TARGETS.registrationOverheadMs)}`,
    );
    if (r.serviceHashP50 !== undefined) {
      out.push(
        `the same hashes timed inside the service, where registrations make them: p50 ${r.serviceHashP50} ms; registration p50 − that = ${r.overheadOverServiceHashP50} ms`,
      );
    }
    if (r.floorP50 !== undefined) {
      out.push(
        `its floor (the same hash, then only the writes it cannot do without: count → transaction → audit ∥ StartExecution): p50 ${r.floorP50} ms, p95 ${r.floorP95} ms`,
        `floor p50 − its own hash p50 (${r.floorHashP50} ms) = ${r.floorWritesP50} ms: those writes alone in the stack's process, the hash's garbage collection in its heap included; registration p50 − floor p50 = ${r.overheadOverFloorP50} ms: what the service adds`,
      );
    }
    if (r.ownProcessP50 !== undefined) {
      out.push(
        `the register function alone, as on Lambda (its bundle in a process of its own, invoked directly): p50 ${r.ownProcessP50} ms, p95 ${r.ownProcessP95} ms; − the hash p50 in that process (${r.ownProcessHashP50} ms) = ${r.ownProcessOverheadP50} ms ${mark(r.ownProcessOverheadP50! <= TARGETS.registrationOverheadMs)}`,
      );
    }
  }
  if (results.cost) {
    const c = results.cost;
    out.push(
      '',
      `Cost per 1,000 registrations (USD; template: ${c.shape.functions} functions, ${c.shape.memoryMb.join('/')} MB, ${c.shape.architectures.join('/')}, ${c.shape.apiType} API, ${c.shape.webAcls} web ACL, ${c.shape.stateMachineType} workflow, DynamoDB ${c.shape.tableBillingMode})`,
    );
    for (const cost of c.costs) {
      out.push(
        ...table(
          `${cost.journey}: $${cost.totalUsdPer1000.toFixed(4)} per 1,000 (goal ≤ $${TARGETS.usdPer1000.toFixed(2)}) ${mark(cost.totalUsdPer1000 <= TARGETS.usdPer1000)}`,
          ['item', 'per 1,000', 'unit', 'USD'],
          cost.lines.map((line: CostLine) => [line.item, line.quantityPer1000, line.unit, line.usdPer1000.toFixed(4)]),
          [44, 10, 12, 8],
        ),
      );
    }
    for (const journey of c.transitionsByPath) {
      out.push('', `State transitions counted (${journey.journey}):`, ...journey.paths.map((p) => `  ${p.executions} × ${p.path}`));
    }
    for (const fixed of c.fixedMonthly) out.push(`Fixed, not per registration: ${fixed.item} = $${fixed.usdPerMonth.toFixed(2)} per month`);
    out.push(`Amazon Cognito for the same 1,000 users (each a monthly active user): Lite $${c.cognitoPer1000Users.lite.toFixed(2)}, Essentials $${c.cognitoPer1000Users.essentials.toFixed(2)} (beyond the free tier)`);
  }
  out.push(
    '',
    `${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGb} GiB, Node ${results.machine.node}; ${results.date}${results.quick ? ' (--quick)' : ''}; ${results.totalSeconds ?? '?'} s. ${written ? `Written: bench/results.json${results.warm ? ', bench/latency.svg' : ''}.` : 'A probe: nothing written.'}`,
  );
  console.log(out.join('\n'));
}
