import { availableParallelism } from 'node:os';
import type { RunConfig } from './bench-result.js';
import type { BenchOptions } from './benchmark-runner.js';
import { type Comparison, compareTargets } from './comparison.js';

/** One A/B case of a suite. */
export interface SuiteCase {
  name: string;
  load: Partial<RunConfig>;
}

/** A named set of A/B comparisons run in one go (`wirestack bench <suite>`). */
export interface BenchSuite {
  name: string;
  description: string;
  a: string;
  b: string;
  cases: SuiteCase[];
  /** Per-run defaults; command-line options override them. */
  defaults: Partial<RunConfig>;
  rounds: number;
}

export interface SuiteResult {
  suite: string;
  a: string;
  b: string;
  cases: { name: string; comparison: Comparison }[];
}

const echoCases: SuiteCase[] = [];
for (const pipeline of [1, 16]) {
  for (const connections of [1, 16, 64]) {
    echoCases.push({
      name: `${connections} conn × ${pipeline === 1 ? 'req/resp' : `pipeline ${pipeline}`}, 64 B`,
      load: { connections, pipeline, size: 64 },
    });
  }
}
echoCases.push({ name: 'bulk: 4 conn × 64 KiB', load: { connections: 4, pipeline: 1, size: 64 * 1024 } });

/**
 * Our echo server against node:net: 1/16/64 connections, request/response and pipelined 16 with
 * 64-byte requests, plus a bulk 64 KiB case for MB/s. 7 cases × 2 targets × 3 rounds × (1 s warm-up
 * + 3 s) ≈ 3 minutes; --duration/--warmup/--rounds shorten it.
 */
export const ECHO_COMPARE: BenchSuite = {
  name: 'echo-compare',
  description: 'wirestack echo vs node:net echo at 1/16/64 connections, unpipelined and pipelined, plus bulk',
  a: 'echo',
  b: 'echo-node',
  cases: echoCases,
  defaults: { warmupMs: 1000, durationMs: 3000, pinned: availableParallelism() > 1 },
  rounds: 3,
};

export const SUITES: Record<string, BenchSuite> = { [ECHO_COMPARE.name]: ECHO_COMPARE };

/**
 * Run every case of a suite as an A/B comparison. `overrides` (from the command line) win over the
 * suite's defaults and the case's load, except the load's own shape (connections, pipeline, size).
 *
 * @example
 * const result = await runSuite(ECHO_COMPARE, { durationMs: 1000, warmupMs: 300 }, 1);
 */
export async function runSuite(
  suite: BenchSuite,
  overrides: Omit<BenchOptions, 'target'>,
  rounds = suite.rounds,
  onCase?: (index: number, c: SuiteCase) => void,
): Promise<SuiteResult> {
  const cases: SuiteResult['cases'] = [];
  for (const [i, c] of suite.cases.entries()) {
    onCase?.(i, c);
    const options: BenchOptions = { ...suite.defaults, ...overrides, ...c.load, target: suite.a };
    cases.push({ name: c.name, comparison: await compareTargets(options, suite.b, rounds) });
  }
  return { suite: suite.name, a: suite.a, b: suite.b, cases };
}
