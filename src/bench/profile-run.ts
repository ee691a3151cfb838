import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './bench-result.js';
import { type BenchOptions, runBenchmark } from './benchmark-runner.js';
import { bottleneckVerdict, type Verdict } from './bottleneck-verdict.js';
import { type CpuProfileSummary, summariseCpuProfileFile } from './cpu-profile-summary.js';
import { parseStraceSummary, type StraceSummary } from './strace-summary.js';

/** What `--profile` found. */
export interface ProfileReport {
  result: BenchResult;
  cpuProfile: CpuProfileSummary | null;
  /** The load generator's own profile: is the measurement limited by it, and by what? */
  generatorProfile: CpuProfileSummary | null;
  /** From a second, separate run under strace (tracing slows the server, so figures come from run 1). */
  strace: StraceSummary | null;
  syscallsPerRequest: number | null;
  verdict: Verdict;
}

/** Summary of the first .cpuprofile in `dir` (null if none was written). */
function firstProfile(dir: string): CpuProfileSummary | null {
  try {
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    return file ? summariseCpuProfileFile(join(dir, file)) : null;
  } catch {
    return null;
  }
}

/** True when `strace` can be run here. */
export function straceAvailable(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * Benchmark a target we start with its CPU profiled (`--cpu-prof`), then, if strace exists, run
 * the same load again under `strace -c -f` for syscall counts per request, and name the bottleneck.
 *
 * @example
 * const p = await profileTarget({ target: 'echo', connections: 16, durationMs: 3000 });
 * console.log(p.verdict.line);
 */
export async function profileTarget(options: BenchOptions): Promise<ProfileReport> {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-bench-profile-'));
  try {
    const serverDir = join(dir, 'server');
    const generatorDir = join(dir, 'generator');
    const result = await runBenchmark({
      ...options,
      cpuProfileDir: serverDir,
      generatorCpuProfileDir: generatorDir,
    });
    const cpuProfile = firstProfile(serverDir);
    const generatorProfile = firstProfile(generatorDir);
    let strace: StraceSummary | null = null;
    let syscallsPerRequest: number | null = null;
    if (result.server && straceAvailable()) {
      const out = join(dir, 'strace.txt');
      // No warm-up, so every traced request is in the measured count.
      const traced = await runBenchmark({
        ...options,
        warmupMs: 0,
        straceOutput: out,
        onProgress: undefined,
      });
      strace = parseStraceSummary(readFileSync(out, 'utf8'));
      // Start-up adds a few thousand calls: noise against hundreds of thousands of requests.
      syscallsPerRequest = traced.requests > 0 ? strace.totalCalls / traced.requests : null;
    }
    return {
      result,
      cpuProfile,
      generatorProfile,
      strace,
      syscallsPerRequest,
      verdict: bottleneckVerdict(result, cpuProfile, syscallsPerRequest),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
