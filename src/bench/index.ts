/**
 * bench: throughput and latency benchmarks for wirestack servers and their peers, with the load
 * generated on wirestack's own TCP client in separate (pinnable) processes.
 *
 * @example
 * import { runBenchmark, compareTargets, formatComparison } from 'wirestack/bench';
 * const one = await runBenchmark({ target: 'echo', connections: 16, pipeline: 1, durationMs: 3000 });
 * console.log(one.requestsPerSec, one.latencyMs.p99, one.server?.cpuUsPerRequest);
 * const ab = await compareTargets({ target: 'echo', durationMs: 3000 }, 'echo-node', 3);
 * console.log(formatComparison(ab));
 */
export * from './bench-result.js';
export * from './benchmark-runner.js';
export * from './bottleneck-verdict.js';
export * from './closed-loop-generator.js';
export * from './comparison.js';
export * from './cpu-profile-summary.js';
export * from './errors.js';
export * from './event-loop-lag.js';
export * from './histogram.js';
export * from './html-report.js';
export * from './json-report.js';
export * from './load-generator.js';
export * from './load-protocol.js';
export * from './load-recorder.js';
export * from './open-loop-generator.js';
export * from './open-loop-scheduler.js';
export * from './proc-stats.js';
export * from './profile-run.js';
export * from './strace-summary.js';
export * from './suites.js';
export * from './target-registry.js';
export * from './text-report.js';
