import type { BenchResult } from './bench-result.js';
import type { CpuProfileSummary } from './cpu-profile-summary.js';

export type Bottleneck =
  | 'contended'
  | 'generator-bound'
  | 'syscall-bound'
  | 'JS-bound'
  | 'not saturated'
  | 'unknown';

export interface Verdict {
  bottleneck: Bottleneck;
  /** One line for a person. */
  line: string;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * Name what limited a run, from the CPU split of both processes: the generator at its core's limit
 * while the server is not means the run measured the generator; otherwise a busy server is
 * syscall-bound when most of its CPU is kernel time, JS-bound when most is user time.
 *
 * @example
 * bottleneckVerdict(result, summary).line; // "syscall-bound: 78% of server CPU is kernel time, ..."
 */
export function bottleneckVerdict(
  result: BenchResult,
  profile: CpuProfileSummary | null = null,
  syscallsPerRequest: number | null = null,
): Verdict {
  const s = result.server;
  const g = result.generator;
  if (!s) {
    return g.bound
      ? {
          bottleneck: 'generator-bound',
          line: `generator-bound: the generator used ${pct(g.cpuUtilisation)} of its core`,
        }
      : { bottleneck: 'unknown', line: 'unknown: an external server has no server-side figures' };
  }
  const waited = Math.max(s.runQueueWaitShare, g.runQueueWaitShare);
  if (waited > 0.05) {
    return {
      bottleneck: 'contended',
      line: `contended: the server or generator waited ${pct(waited)} of the window for a CPU (other load on the machine); rerun on a quiet machine`,
    };
  }
  if (g.bound && s.cpuUtilisation < 0.85) {
    return {
      bottleneck: 'generator-bound',
      line: `generator-bound: generator at ${pct(g.cpuUtilisation)} of its core, server at ${pct(s.cpuUtilisation)}; compare server CPU µs/request, not req/s`,
    };
  }
  const kernel = s.cpuMs > 0 ? s.systemMs / s.cpuMs : 0;
  const sys = syscallsPerRequest === null ? '' : `, ${syscallsPerRequest.toFixed(2)} syscalls/request`;
  const topFn = profile?.top.find((f) => f.location !== 'V8');
  const top = topFn ? `; top JS function ${topFn.name} (${pct(topFn.selfShare)} of busy time)` : '';
  if (s.cpuUtilisation < 0.5 && !g.bound) {
    return {
      bottleneck: 'not saturated',
      line: `not saturated: server at ${pct(s.cpuUtilisation)}, generator at ${pct(g.cpuUtilisation)}; latency-bound, add connections or pipelining${sys}`,
    };
  }
  if (kernel >= 0.5) {
    return {
      bottleneck: 'syscall-bound',
      line: `syscall-bound: ${pct(kernel)} of server CPU is kernel time${sys}${top}`,
    };
  }
  return {
    bottleneck: 'JS-bound',
    line: `JS-bound: ${pct(1 - kernel)} of server CPU is user time${sys}${top}`,
  };
}
