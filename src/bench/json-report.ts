import { availableParallelism, loadavg } from 'node:os';
import type { BenchResult } from './bench-result.js';
import type { Comparison } from './comparison.js';
import type { ProfileReport } from './profile-run.js';
import type { SuiteResult } from './suites.js';

/** Identifies the JSON layout; bumped when a field changes meaning. */
export const REPORT_SCHEMA = 'wirestack-bench/1';

/** What a report holds: one run, an A/B comparison, a suite of them, or a profile. */
export type ReportBody =
  | { kind: 'run'; run: BenchResult }
  | { kind: 'comparison'; comparison: Comparison }
  | { kind: 'suite'; suite: SuiteResult }
  | { kind: 'profile'; profile: ProfileReport };

/** A benchmark report with the context needed to judge and rerun it. */
export type BenchReport = ReportBody & {
  schema: typeof REPORT_SCHEMA;
  /** The command line that produced it, to rerun. */
  command: string;
  createdAt: string;
  machine: { cpus: number; loadAverage1m: number; node: string; platform: string };
};

/**
 * Wrap a result with its command and machine context.
 *
 * @example
 * const report = makeReport({ kind: 'run', run: result }, 'wirestack bench echo --json');
 * writeFileSync('bench.json', toJson(report));
 */
export function makeReport(body: ReportBody, command: string, now = new Date()): BenchReport {
  return {
    schema: REPORT_SCHEMA,
    command,
    createdAt: now.toISOString(),
    machine: {
      cpus: availableParallelism(),
      loadAverage1m: loadavg()[0],
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    ...body,
  };
}

/** The report as pretty JSON (numbers rounded to 6 significant digits, which is all they carry). */
export function toJson(report: BenchReport): string {
  return `${JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v), 2)}\n`;
}
