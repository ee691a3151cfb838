import { fileURLToPath } from 'node:url';
import { ServerProcess } from './server-process.js';
import { runWrk, type WrkFigures } from './wrk.js';

const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const NODE_HTTP = fileURLToPath(new URL('./baselines/node-http.js', import.meta.url));

export type HttpServerName = 'wirestack' | 'node:http';

/** One wrk load shape against one path. */
export interface HttpCompareCase {
  name: string;
  path: string;
  connections: number;
}

/** The cases of `wirestack bench http-compare`: the hello route and a JSON item, wrk -t1 -c64. */
export const HTTP_COMPARE_CASES: HttpCompareCase[] = [
  { name: 'GET / (text), 64 conn', path: '/', connections: 64 },
  { name: 'GET /items/1 (JSON), 64 conn', path: '/items/1', connections: 64 },
];

export interface HttpCaseResult extends WrkFigures {
  server: HttpServerName;
  /** Server CPU (user + system, /proc/PID/stat) per request, microseconds. */
  serverCpuUsPerReq: number;
  /** Time the server waited for a CPU during the run (other load on the machine), ms. */
  serverRunQueueWaitMs: number;
}

export function startHttpServer(server: HttpServerName, pin: boolean, items = 3): Promise<ServerProcess> {
  const launch = { cpu: pin ? 0 : null, cpuProfileDir: null, straceOutput: null };
  return server === 'wirestack'
    ? ServerProcess.start('http', CLI_MAIN, ['http', '--port', '0', '--items', String(items)], launch)
    : ServerProcess.start('http-node', NODE_HTTP, ['--port', '0', '--items', String(items)], launch);
}

/**
 * A fresh server, a 1-second wrk warm-up, then `wrk -t1 -cC -dDs --latency` with the server's CPU
 * read from /proc before and after. With `pin`, the server runs on CPU 0 and wrk on CPU 1.
 */
export async function runHttpCase(
  server: HttpServerName,
  c: HttpCompareCase,
  durationS: number,
  pin: boolean,
): Promise<HttpCaseResult> {
  const proc = await startHttpServer(server, pin);
  try {
    const url = `http://${proc.host}:${proc.port}${c.path}`;
    const cpu = pin ? 1 : null;
    await runWrk({ url, connections: c.connections, durationS: 1, cpu });
    const before = proc.sample();
    const figures = await runWrk({ url, connections: c.connections, durationS, cpu });
    const after = proc.sample();
    return {
      ...figures,
      server,
      serverCpuUsPerReq: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, figures.requests),
      serverRunQueueWaitMs: after.runQueueWaitMs - before.runQueueWaitMs,
    };
  } finally {
    await proc.stop();
  }
}

export interface HttpCompareRow {
  case: HttpCompareCase;
  ours: HttpCaseResult[];
  node: HttpCaseResult[];
}

/**
 * wrk against `wirestack http` and a node:http server doing the same work, A B A B for `rounds`
 * rounds per case.
 *
 * @example
 * console.log(formatHttpCompare(await runHttpCompare({ durationS: 5, rounds: 3, pin: true })));
 */
export async function runHttpCompare(options: {
  durationS: number;
  rounds: number;
  pin: boolean;
  cases?: HttpCompareCase[];
  onCase?: (i: number, c: HttpCompareCase) => void;
}): Promise<HttpCompareRow[]> {
  const rows: HttpCompareRow[] = [];
  const cases = options.cases ?? HTTP_COMPARE_CASES;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    options.onCase?.(i, c);
    const row: HttpCompareRow = { case: c, ours: [], node: [] };
    for (let r = 0; r < options.rounds; r++) {
      row.ours.push(await runHttpCase('wirestack', c, options.durationS, options.pin));
      row.node.push(await runHttpCase('node:http', c, options.durationS, options.pin));
    }
    rows.push(row);
  }
  return rows;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const fmt = (n: number, d = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '-';

/** Share of a run's wall time the server spent waiting for a CPU (other load on the machine). */
export function waitShare(r: HttpCaseResult): number {
  const wallMs = (r.requests / Math.max(1, r.reqPerSec)) * 1000;
  return wallMs > 0 ? r.serverRunQueueWaitMs / wallMs : 0;
}

/** Runs in which the server waited for a CPU less than this share of the time count as quiet. */
export const QUIET_WAIT_SHARE = 0.05;

/**
 * A markdown table of medians with ratios wirestack / node:http, and a note when the machine was
 * busy; then, if some runs were busy, the same table over the quiet runs only (where each side has
 * at least one).
 */
export function formatHttpCompare(rows: HttpCompareRow[]): string {
  const all = table(rows);
  const quietRows = rows
    .map((row) => ({
      case: row.case,
      ours: row.ours.filter((r) => waitShare(r) < QUIET_WAIT_SHARE),
      node: row.node.filter((r) => waitShare(r) < QUIET_WAIT_SHARE),
    }))
    .filter((row) => row.ours.length > 0 && row.node.length > 0);
  const busy = rows.some((row) => [...row.ours, ...row.node].some((r) => waitShare(r) >= QUIET_WAIT_SHARE));
  if (!busy || quietRows.length === 0) return all;
  const counts = quietRows.map((r) => `${r.case.name}: ${r.ours.length} + ${r.node.length}`).join('; ');
  return `${all}\nOnly the runs in which the server waited for a CPU under ${QUIET_WAIT_SHARE * 100}% of the time (${counts} runs):\n\n${table(quietRows)}`;
}

function table(rows: HttpCompareRow[]): string {
  const lines = [
    '| case | wirestack req/s | node:http req/s | ratio | p50 ms (ours / node) | p99 ms (ours / node) | wirestack CPU µs/req | node:http CPU µs/req | CPU ratio | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  let waitMs = 0;
  let runMs = 0;
  for (const row of rows) {
    const o = (f: (r: HttpCaseResult) => number) => median(row.ours.map(f));
    const n = (f: (r: HttpCaseResult) => number) => median(row.node.map(f));
    const errors = [...row.ours, ...row.node].reduce((s, r) => s + r.errors, 0);
    for (const r of [...row.ours, ...row.node]) {
      waitMs += r.serverRunQueueWaitMs;
      runMs += (r.requests / Math.max(1, r.reqPerSec)) * 1000;
    }
    const rps = o((r) => r.reqPerSec);
    const nrps = n((r) => r.reqPerSec);
    const cpu = o((r) => r.serverCpuUsPerReq);
    const ncpu = n((r) => r.serverCpuUsPerReq);
    lines.push(
      `| ${row.case.name} | ${fmt(rps)} | ${fmt(nrps)} | ${fmt(rps / nrps, 2)}x | ` +
        `${fmt(
          o((r) => r.p50Ms),
          3,
        )} / ${fmt(
          n((r) => r.p50Ms),
          3,
        )} | ${fmt(
          o((r) => r.p99Ms),
          3,
        )} / ${fmt(
          n((r) => r.p99Ms),
          3,
        )} | ` +
        `${fmt(cpu, 2)} | ${fmt(ncpu, 2)} | ${fmt(cpu / ncpu, 2)}x | ${errors} |`,
    );
  }
  const rounds = rows[0] ? Math.max(rows[0].ours.length, rows[0].node.length) : 0;
  lines.push('');
  lines.push(
    `wrk -t1 --latency on CPU 1, servers on CPU 0 (unless --no-pin); ${rounds} run(s) per side A B A B, medians; ` +
      'CPU µs/req from /proc/PID/stat (user + system).',
  );
  if (runMs > 0 && waitMs / runMs > 0.05) {
    lines.push(
      `warning: the servers waited for a CPU ${fmt((100 * waitMs) / runMs, 0)}% of the time (other load on the machine): figures are preliminary`,
    );
  }
  return `${lines.join('\n')}\n`;
}
