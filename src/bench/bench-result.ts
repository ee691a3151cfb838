/** Latency percentiles of one run, in milliseconds. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  min: number;
}

/** Server-side figures of a run; null for an external target we did not start. */
export interface ServerFigures {
  pid: number;
  /** CPU time the server used in the measurement window (user + system), ms; 10 ms resolution. */
  cpuMs: number;
  userMs: number;
  systemMs: number;
  /** Server CPU time per completed request, µs: comparable even when the generator caps req/s. */
  cpuUsPerRequest: number;
  /** Server CPU over wall time in the window; 1 = one core busy. */
  cpuUtilisation: number;
  peakRssBytes: number;
  /**
   * Share of the window the server was runnable but waiting for a CPU (other processes had it).
   * Above ~5% the machine was busy and every figure is suspect.
   */
  runQueueWaitShare: number;
  /** p99 event-loop delay in the window from the preloaded probe, ms (null if it did not answer). */
  eventLoopLagP99Ms: number | null;
  eventLoopLagMaxMs: number | null;
}

/** The load generator's own cost: every figure above is capped by what it can send. */
export interface GeneratorFigures {
  processes: number;
  cpuMs: number;
  /** Busiest generator process's CPU over wall time; near 1 means it ran out of CPU. */
  cpuUtilisation: number;
  /** req/s one fully busy generator core would sustain at this cost: the measurement's ceiling. */
  ceilingRequestsPerSec: number;
  /** True when a generator used >= 90% of its core: req/s measures the generator, not the server. */
  bound: boolean;
  /** Share of the window the busiest generator waited for a CPU (see ServerFigures). */
  runQueueWaitShare: number;
}

/** The load a run applied. */
export interface RunConfig {
  connections: number;
  pipeline: number;
  size: number;
  /** Requests per second for open loop; 0 = closed loop. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  generators: number;
  pinned: boolean;
}

/** Everything one benchmark run measured. */
export interface BenchResult {
  target: string;
  protocol: string;
  config: RunConfig;
  /** Measured window, ms (close to config.durationMs). */
  windowMs: number;
  requests: number;
  requestsPerSec: number;
  /** Response payload received per second, MB/s (10^6 bytes). */
  megabytesPerSec: number;
  latencyMs: LatencySummary;
  /** [percentile, ms] points for the percentile plot. */
  percentileCurve: [number, number][];
  /** req/s in each second of the window. */
  timeline: number[];
  errors: number;
  errorMessages: string[];
  server: ServerFigures | null;
  generator: GeneratorFigures;
}

/** Percentiles drawn in the percentile plot: spaced evenly in "nines". */
export const CURVE_PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];
