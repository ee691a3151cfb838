import { availableParallelism } from 'node:os';
import type { BenchResult, RunConfig, ServerFigures } from './bench-result.js';
import { CURVE_PERCENTILES } from './bench-result.js';
import { BenchError } from './errors.js';
import { Histogram } from './histogram.js';
import { type GeneratorOutcome, LoadGeneratorProcess } from './load-generator-process.js';
import { type ProcessSample, sampleProcess } from './proc-stats.js';
import { type BenchTarget, defaultTargetRegistry, type TargetRegistry } from './target-registry.js';

/** Where the run is, for a progress line. */
export interface BenchProgress {
  target: string;
  phase: 'warmup' | 'measure';
  elapsedMs: number;
  phaseMs: number;
  /** Completions per second over the last report interval. */
  requestsPerSec: number;
  errors: number;
}

export interface BenchOptions extends Partial<RunConfig> {
  /** A registered target name, HOST:PORT, or a BenchTarget. */
  target: string | BenchTarget;
  registry?: TargetRegistry;
  /** Write the server's V8 CPU profile here (see profile-run.ts). */
  cpuProfileDir?: string | null;
  /** Write the generators' V8 CPU profiles here. */
  generatorCpuProfileDir?: string | null;
  /** Run the server under `strace -c -f`, summary to this file. */
  straceOutput?: string | null;
  onProgress?: (p: BenchProgress) => void;
}

export const DEFAULT_RUN_CONFIG: RunConfig = {
  connections: 16,
  pipeline: 1,
  size: 64,
  rate: 0,
  warmupMs: 1000,
  durationMs: 5000,
  // One generator process per core the server does not need (1 on a 2-core machine).
  generators: Math.max(1, availableParallelism() - 1),
  pinned: false,
};

const PROGRESS_EVERY_MS = 500;
/** A generator process at or above this share of its core is the bottleneck. */
const GENERATOR_BOUND_AT = 0.9;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run one benchmark: start the target, warm up, measure for `durationMs`, stop everything, and
 * return what was measured. Generators run in their own processes; with `pinned`, the server runs on
 * CPU 0 and generators on the other CPUs (taskset).
 *
 * @example
 * const result = await runBenchmark({ target: 'echo', connections: 16, pipeline: 1, durationMs: 2000 });
 * console.log(result.requestsPerSec, result.latencyMs.p99, result.server?.cpuUsPerRequest);
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const config = runConfigOf(options);
  const registry = options.registry ?? defaultTargetRegistry();
  const target = typeof options.target === 'string' ? registry.resolve(options.target) : options.target;
  const cpus = availableParallelism();
  const running = await target.start({
    cpu: config.pinned ? 0 : null,
    cpuProfileDir: options.cpuProfileDir ?? null,
    straceOutput: options.straceOutput ?? null,
  });
  const generators: LoadGeneratorProcess[] = [];
  try {
    const perGenerator = splitEvenly(config.connections, config.generators);
    for (let i = 0; i < config.generators; i++) {
      const cpu = config.pinned && cpus > 1 ? 1 + (i % (cpus - 1)) : null;
      generators.push(
        new LoadGeneratorProcess(
          {
            host: running.host,
            port: running.port,
            protocol: { name: target.protocol, size: config.size },
            connections: perGenerator[i],
            pipeline: config.pipeline,
            rate: config.rate / config.generators,
          },
          cpu,
          options.generatorCpuProfileDir ?? null,
        ),
      );
    }
    await Promise.all(generators.map((g) => g.ready()));
    const progress = progressReporter(target.name, generators, options.onProgress);

    for (const g of generators) g.warmup();
    await progress.phase('warmup', config.warmupMs);

    const server = running.server;
    await server?.resetEventLoopLag();
    const before = server?.sample() ?? null;
    const generatorsBefore = generators.map((g) => sampleOrNull(g.pid));
    for (const g of generators) g.measure();
    await progress.phase('measure', config.durationMs);
    const after = server?.sample() ?? null;
    const generatorsAfter = generators.map((g) => sampleOrNull(g.pid));
    const outcomes = await Promise.all(generators.map((g) => g.stop()));
    const lag = server ? await server.eventLoopLag() : null;

    const result = summarise(target, config, outcomes);
    result.generator.runQueueWaitShare = Math.max(
      0,
      ...generatorsBefore.map((b, i) => {
        const a = generatorsAfter[i];
        return a && b ? (a.runQueueWaitMs - b.runQueueWaitMs) / result.windowMs : 0;
      }),
    );
    if (server && before && after) result.server = serverFigures(server.pid, before, after, result, lag);
    return result;
  } finally {
    await Promise.all(generators.map((g) => g.close()));
    await running.stop();
  }
}

/** Options with defaults filled in and checked. */
export function runConfigOf(options: Partial<RunConfig>): RunConfig {
  const c: RunConfig = { ...DEFAULT_RUN_CONFIG };
  for (const key of Object.keys(DEFAULT_RUN_CONFIG) as (keyof RunConfig)[]) {
    const v = options[key];
    if (v !== undefined) (c as unknown as Record<string, unknown>)[key] = v;
  }
  const positive: (keyof RunConfig)[] = ['connections', 'pipeline', 'size', 'generators', 'durationMs'];
  for (const key of positive) {
    const v = c[key] as number;
    if (!Number.isFinite(v) || v <= 0) throw new BenchError('EBADOPTION', `${key} must be > 0, got ${v}`);
  }
  if (c.generators > c.connections) {
    // The default follows the core count; only an explicit count beyond the connections is a mistake.
    if (options.generators !== undefined) {
      throw new BenchError(
        'EBADOPTION',
        `generators (${c.generators}) cannot exceed connections (${c.connections})`,
      );
    }
    c.generators = c.connections;
  }
  if (c.rate < 0 || c.warmupMs < 0) throw new BenchError('EBADOPTION', 'rate and warmup must be >= 0');
  return c;
}

function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

function progressReporter(
  name: string,
  generators: LoadGeneratorProcess[],
  onProgress: ((p: BenchProgress) => void) | undefined,
) {
  return {
    async phase(phase: 'warmup' | 'measure', phaseMs: number) {
      const start = performance.now();
      let lastCount = generators.reduce((n, g) => n + g.completedTotal, 0);
      let lastAt = start;
      for (;;) {
        const left = phaseMs - (performance.now() - start);
        if (left <= 0) return;
        await sleep(Math.min(left, PROGRESS_EVERY_MS));
        const now = performance.now();
        if (!onProgress || now - lastAt < 100) continue;
        const count = generators.reduce((n, g) => n + g.completedTotal, 0);
        onProgress({
          target: name,
          phase,
          elapsedMs: Math.min(phaseMs, now - start),
          phaseMs,
          requestsPerSec: ((count - lastCount) * 1000) / Math.max(1, now - lastAt),
          errors: generators.reduce((n, g) => n + g.errors, 0),
        });
        lastCount = count;
        lastAt = now;
      }
    },
  };
}

const ns = (v: number) => v / 1e6;

function sampleOrNull(pid: number | undefined): ProcessSample | null {
  try {
    return pid === undefined ? null : sampleProcess(pid);
  } catch {
    return null;
  }
}

function summarise(target: BenchTarget, config: RunConfig, outcomes: GeneratorOutcome[]): BenchResult {
  const histogram = new Histogram();
  const counts: number[] = [];
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  let windowMs = 0;
  let generatorCpuMs = 0;
  let busiest = 0;
  const errorMessages = new Set<string>();
  for (const { recording: r, cpu } of outcomes) {
    histogram.merge(Histogram.fromSnapshot(r.histogram));
    r.timeline.forEach((n, i) => {
      counts[i] = (counts[i] ?? 0) + n;
    });
    requests += r.completed;
    errors += r.errors;
    bytes += r.bytesReceived;
    for (const m of r.errorMessages) errorMessages.add(m);
    windowMs = Math.max(windowMs, cpu.windowMs);
    generatorCpuMs += cpu.userMs + cpu.systemMs;
    busiest = Math.max(busiest, (cpu.userMs + cpu.systemMs) / cpu.windowMs);
  }
  const seconds = windowMs / 1000;
  const requestsPerSec = requests / seconds;
  // The last second may be partial: scale it to a rate over the part that was measured.
  const timeline = counts.map((n, i) => n / Math.max(0.001, Math.min(1, seconds - i)));
  const generatorCores = generatorCpuMs / windowMs;
  return {
    target: target.name,
    protocol: target.protocol,
    config,
    windowMs,
    requests,
    requestsPerSec,
    megabytesPerSec: bytes / seconds / 1e6,
    latencyMs: {
      p50: ns(histogram.valueAtPercentile(50)),
      p95: ns(histogram.valueAtPercentile(95)),
      p99: ns(histogram.valueAtPercentile(99)),
      p999: ns(histogram.valueAtPercentile(99.9)),
      max: ns(histogram.max),
      mean: ns(histogram.mean),
      min: ns(histogram.min),
    },
    percentileCurve: CURVE_PERCENTILES.map((p) => [p, ns(histogram.valueAtPercentile(p))]),
    timeline,
    errors,
    errorMessages: [...errorMessages],
    server: null,
    generator: {
      processes: outcomes.length,
      cpuMs: generatorCpuMs,
      cpuUtilisation: busiest,
      ceilingRequestsPerSec: generatorCores > 0 ? requestsPerSec / generatorCores : 0,
      // An open-loop generator spin-waits between sends, so its CPU says nothing: it is the
      // bottleneck when it could not keep the asked rate.
      bound: config.rate > 0 ? requestsPerSec < config.rate * 0.95 : busiest >= GENERATOR_BOUND_AT,
      runQueueWaitShare: 0,
    },
  };
}

function serverFigures(
  pid: number,
  before: ProcessSample,
  after: ProcessSample,
  result: BenchResult,
  lag: { p99Ms: number; maxMs: number } | null,
): ServerFigures {
  const cpuMs = after.cpuMs - before.cpuMs;
  return {
    pid,
    cpuMs,
    userMs: after.userMs - before.userMs,
    systemMs: after.systemMs - before.systemMs,
    cpuUsPerRequest: result.requests > 0 ? (cpuMs * 1000) / result.requests : 0,
    cpuUtilisation: cpuMs / result.windowMs,
    peakRssBytes: after.peakRssBytes,
    runQueueWaitShare: (after.runQueueWaitMs - before.runQueueWaitMs) / result.windowMs,
    eventLoopLagP99Ms: lag?.p99Ms ?? null,
    eventLoopLagMaxMs: lag?.maxMs ?? null,
  };
}
