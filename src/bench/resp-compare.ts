import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TcpServer } from '../tcp/server.js';
import { BenchError } from './errors.js';
import { runExternalTool } from './external-tool.js';
import { sampleProcess } from './proc-stats.js';
import { ServerProcess } from './server-process.js';

const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Ops/s per redis-benchmark test (`PING_INLINE`, `SET`, ...) from its `-q` output. */
export function parseRedisBenchmarkOutput(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split(/[\r\n]+/)) {
    const m = /^\s*([A-Z_]+): ([\d.]+) requests per second/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  if (Object.keys(out).length === 0) {
    throw new BenchError(
      'EREDISBENCHOUTPUT',
      `could not read redis-benchmark's output:\n${text.slice(-2000)}`,
    );
  }
  return out;
}

interface RespServerUnderTest {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = new TcpServer({ idleTimeoutMs: 0 });
  const { port } = await probe.listen({ port: 0 });
  await probe.close({ drainTimeoutMs: 0 });
  return port;
}

async function startRedisServer(pin: boolean): Promise<RespServerUnderTest> {
  const port = await freePort();
  const argv = [
    'redis-server',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--bind',
    '127.0.0.1',
  ];
  const child: ChildProcess = spawn(pin ? 'taskset' : argv[0], pin ? ['-c', '0', ...argv] : argv.slice(1), {
    stdio: 'ignore',
  });
  const failed = new Promise<never>((_, reject) =>
    child.on('error', (e) =>
      reject(
        new BenchError(
          'ETOOLMISSING',
          `cannot run redis-server: ${e.message} (apt-get install -y redis-server)`,
        ),
      ),
    ),
  );
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        await runExternalTool(['redis-cli', '-p', String(port), 'ping'], 'redis-tools');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new BenchError('ESERVERSTART', `redis-server did not answer on port ${port}`);
  })();
  await Promise.race([ready, failed]);
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startOurs(pin: boolean): Promise<RespServerUnderTest> {
  const proc = await ServerProcess.start('resp', CLI_MAIN, ['resp', '--port', '0'], {
    cpu: pin ? 0 : null,
    cpuProfileDir: null,
    straceOutput: null,
  });
  return { port: proc.port, pid: proc.pid, stop: () => proc.stop() };
}

export interface RespCaseResult {
  server: 'wirestack' | 'redis-server';
  pipeline: number;
  opsPerSec: Record<string, number>;
  /** Server CPU per operation over the whole redis-benchmark run, microseconds. */
  serverCpuUsPerOp: number;
}

/** One redis-benchmark run (`-t ping,set,get -c 50 -q`, optionally `-P`) against one fresh server. */
export async function runRespCase(
  server: 'wirestack' | 'redis-server',
  pipeline: number,
  requests: number,
  pin: boolean,
): Promise<RespCaseResult> {
  const s = server === 'wirestack' ? await startOurs(pin) : await startRedisServer(pin);
  try {
    const tool = pin ? ['taskset', '-c', '1', 'redis-benchmark'] : ['redis-benchmark'];
    const args = ['-p', String(s.port), '-t', 'ping,set,get', '-n', String(requests), '-c', '50', '-q'];
    if (pipeline > 1) args.push('-P', String(pipeline));
    const before = sampleProcess(s.pid).cpuMs;
    const out = await runExternalTool([...tool, ...args], 'redis-tools');
    const cpuMs = sampleProcess(s.pid).cpuMs - before;
    const opsPerSec = parseRedisBenchmarkOutput(out);
    const ops = requests * Object.keys(opsPerSec).length;
    return { server, pipeline, opsPerSec, serverCpuUsPerOp: (cpuMs * 1000) / ops };
  } finally {
    await s.stop();
  }
}

export interface RespCompareRow {
  pipeline: number;
  ours: RespCaseResult[];
  redis: RespCaseResult[];
}

/**
 * redis-benchmark against `wirestack resp` and a real redis-server, each pinned to CPU 0 with the
 * benchmark on CPU 1, without pipelining and with `-P 16`, A B A B for `rounds` rounds.
 *
 * @example
 * console.log(formatRespCompare(await runRespCompare({ requests: 200_000, rounds: 3, pin: true })));
 */
export async function runRespCompare(options: {
  requests: number;
  rounds: number;
  pin: boolean;
  onCase?: (label: string) => void;
}): Promise<RespCompareRow[]> {
  const rows: RespCompareRow[] = [];
  for (const pipeline of [1, 16]) {
    options.onCase?.(`redis-benchmark -P ${pipeline}`);
    const row: RespCompareRow = { pipeline, ours: [], redis: [] };
    for (let r = 0; r < options.rounds; r++) {
      row.ours.push(await runRespCase('wirestack', pipeline, options.requests, options.pin));
      row.redis.push(await runRespCase('redis-server', pipeline, options.requests, options.pin));
    }
    rows.push(row);
  }
  return rows;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Medians per test with ratios wirestack / redis-server. */
export function formatRespCompare(rows: RespCompareRow[]): string {
  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const lines = [
    '| pipeline | test | wirestack ops/s | redis-server ops/s | ratio | wirestack CPU µs/op | redis-server CPU µs/op |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const cpuOurs = median(row.ours.map((r) => r.serverCpuUsPerOp));
    const cpuRedis = median(row.redis.map((r) => r.serverCpuUsPerOp));
    for (const test of Object.keys(row.ours[0]?.opsPerSec ?? {})) {
      const o = median(row.ours.map((r) => r.opsPerSec[test] ?? 0));
      const n = median(row.redis.map((r) => r.opsPerSec[test] ?? 0));
      lines.push(
        `| ${row.pipeline} | ${test} | ${fmt(o)} | ${fmt(n)} | ${fmt(n ? o / n : 0, 2)}x | ${fmt(cpuOurs, 2)} | ${fmt(cpuRedis, 2)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
