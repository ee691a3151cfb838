import type { BenchResult } from './bench-result.js';
import { type BenchOptions, runBenchmark } from './benchmark-runner.js';

/** Run-queue wait above this share of the window means other load competed for our cores. */
export const BUSY_MACHINE_WAIT_SHARE = 0.05;

/** The figures compared side by side, flattened from a BenchResult (null when not measured). */
export interface Figures {
  requestsPerSec: number | null;
  megabytesPerSec: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
  errors: number | null;
  serverCpuUsPerRequest: number | null;
  serverPeakRssMb: number | null;
  serverEventLoopLagP99Ms: number | null;
  generatorCpuUtilisation: number | null;
  /** req/s one generator core would sustain at the measured cost (the measurement's ceiling). */
  generatorCeilingRequestsPerSec: number | null;
  /** Largest share of the window the server or generator waited for a CPU (machine busy). */
  runQueueWaitShare: number | null;
}

export const FIGURE_NAMES: readonly (keyof Figures)[] = [
  'requestsPerSec',
  'megabytesPerSec',
  'p50Ms',
  'p95Ms',
  'p99Ms',
  'p999Ms',
  'maxMs',
  'errors',
  'serverCpuUsPerRequest',
  'serverPeakRssMb',
  'serverEventLoopLagP99Ms',
  'generatorCpuUtilisation',
  'generatorCeilingRequestsPerSec',
  'runQueueWaitShare',
];

/** A vs B over several alternating rounds: each figure's median per side and the ratio A/B. */
export interface Comparison {
  a: string;
  b: string;
  rounds: number;
  runs: { a: BenchResult[]; b: BenchResult[] };
  medians: { a: Figures; b: Figures };
  /** median(A) / median(B) per figure; null when B's median is 0 or either is missing. */
  ratios: Figures;
  /** True when any run of either side was generator-bound. */
  generatorBound: boolean;
  /** True when in any run a process waited for a CPU more than 5% of the window. */
  busyMachine: boolean;
}

export function figuresOf(r: BenchResult): Figures {
  return {
    requestsPerSec: r.requestsPerSec,
    megabytesPerSec: r.megabytesPerSec,
    p50Ms: r.latencyMs.p50,
    p95Ms: r.latencyMs.p95,
    p99Ms: r.latencyMs.p99,
    p999Ms: r.latencyMs.p999,
    maxMs: r.latencyMs.max,
    errors: r.errors,
    serverCpuUsPerRequest: r.server?.cpuUsPerRequest ?? null,
    serverPeakRssMb: r.server ? r.server.peakRssBytes / 2 ** 20 : null,
    serverEventLoopLagP99Ms: r.server?.eventLoopLagP99Ms ?? null,
    generatorCpuUtilisation: r.generator.cpuUtilisation,
    generatorCeilingRequestsPerSec: r.generator.ceilingRequestsPerSec,
    runQueueWaitShare: Math.max(r.server?.runQueueWaitShare ?? 0, r.generator.runQueueWaitShare),
  };
}

/** Median of the non-null values (null if none). */
export function median(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((x, y) => x - y);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Per-figure medians of several runs. */
export function medianFigures(runs: BenchResult[]): Figures {
  const figures = runs.map(figuresOf);
  const out = {} as Figures;
  for (const name of FIGURE_NAMES) out[name] = median(figures.map((f) => f[name]));
  return out;
}

/** Build a Comparison from finished runs (exported for report tests). */
export function compareRuns(a: BenchResult[], b: BenchResult[]): Comparison {
  const ma = medianFigures(a);
  const mb = medianFigures(b);
  const ratios = {} as Figures;
  for (const name of FIGURE_NAMES) {
    const x = ma[name];
    const y = mb[name];
    ratios[name] = x === null || y === null || y === 0 ? null : x / y;
  }
  return {
    a: a[0]?.target ?? 'A',
    b: b[0]?.target ?? 'B',
    rounds: Math.min(a.length, b.length),
    runs: { a, b },
    medians: { a: ma, b: mb },
    ratios,
    generatorBound: [...a, ...b].some((r) => r.generator.bound),
    busyMachine: [...a, ...b].some((r) => (figuresOf(r).runQueueWaitShare ?? 0) > BUSY_MACHINE_WAIT_SHARE),
  };
}

/**
 * Run target A and target B in turn, A B A B, `rounds` times each with the same load, so drift in
 * machine load hits both alike; report medians and A/B ratios.
 *
 * @example
 * const c = await compareTargets({ target: 'echo', connections: 16, durationMs: 3000 }, 'echo-node', 3);
 * console.log(c.ratios.requestsPerSec, c.ratios.serverCpuUsPerRequest);
 */
export async function compareTargets(
  options: BenchOptions,
  other: BenchOptions['target'],
  rounds = 3,
  onRun?: (side: 'a' | 'b', round: number, result: BenchResult) => void,
): Promise<Comparison> {
  const a: BenchResult[] = [];
  const b: BenchResult[] = [];
  for (let round = 0; round < rounds; round++) {
    const ra = await runBenchmark(options);
    a.push(ra);
    onRun?.('a', round, ra);
    const rb = await runBenchmark({ ...options, target: other });
    b.push(rb);
    onRun?.('b', round, rb);
  }
  return compareRuns(a, b);
}
