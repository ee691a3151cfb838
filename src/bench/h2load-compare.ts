import { fileURLToPath } from 'node:url';
import { BenchError } from './errors.js';
import { runExternalTool } from './external-tool.js';
import { ServerProcess } from './server-process.js';

const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const NODE_H2 = fileURLToPath(new URL('./baselines/node-h2.js', import.meta.url));

/** One load shape for h2load: concurrent connections × streams per connection against one path. */
export interface H2LoadCase {
  name: string;
  path: string;
  clients: number;
  streams: number;
}

/** The cases of `wirestack bench h2-compare`: many small responses, one busy connection, 1 MiB bodies. */
export const H2_COMPARE_CASES: H2LoadCase[] = [
  { name: 'small body, 16 conn x 16 streams', path: '/', clients: 16, streams: 16 },
  { name: 'small body, 1 conn x 100 streams', path: '/', clients: 1, streams: 100 },
  { name: '1 MiB bodies, 4 conn x 4 streams', path: '/large', clients: 4, streams: 4 },
];

export interface H2LoadFigures {
  reqPerSec: number;
  /** Response bytes per second as h2load counts them (headers + data). */
  bytesPerSec: number;
  succeeded: number;
  failed: number;
  meanLatencyMs: number;
  maxLatencyMs: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
const UNIT_BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** Read h2load's summary ("finished in …", "requests: …", "time for request: …"). */
export function parseH2loadOutput(text: string): H2LoadFigures {
  const finished = /finished in [\d.]+m?s, ([\d.]+) req\/s, ([\d.]+)([KMG]?B)\/s/.exec(text);
  const requests = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(text);
  const timing = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(text);
  if (!finished || !requests || !timing)
    throw new BenchError('EH2LOADOUTPUT', `could not read h2load's output:\n${text.slice(-2000)}`);
  return {
    reqPerSec: Number(finished[1]),
    bytesPerSec: Number(finished[2]) * UNIT_BYTES[finished[3]],
    succeeded: Number(requests[1]),
    failed: Number(requests[2]),
    maxLatencyMs: Number(timing[3]) * UNIT_MS[timing[4]],
    meanLatencyMs: Number(timing[5]) * UNIT_MS[timing[6]],
  };
}

export interface H2CaseResult extends H2LoadFigures {
  server: 'wirestack' | 'node:http2';
  /** Server CPU time per request, microseconds (from /proc/PID/stat, user + system). */
  serverCpuUsPerReq: number;
  serverPeakRssBytes: number;
}

/**
 * Start one server, warm it up, then run h2load for `durationS` seconds against `c.path`. With `pin`,
 * the server runs on CPU 0 and h2load on CPU 1.
 */
export async function runH2Case(
  server: 'wirestack' | 'node:http2',
  c: H2LoadCase,
  durationS: number,
  pin: boolean,
): Promise<H2CaseResult> {
  const proc =
    server === 'wirestack'
      ? await ServerProcess.start('h2', CLI_MAIN, ['h2', '--port', '0'], {
          cpu: pin ? 0 : null,
          cpuProfileDir: null,
          straceOutput: null,
        })
      : await ServerProcess.start('h2-node', NODE_H2, ['--port', '0'], {
          cpu: pin ? 0 : null,
          cpuProfileDir: null,
          straceOutput: null,
        });
  try {
    const url = `http://${proc.host}:${proc.port}${c.path}`;
    const tool = pin ? ['taskset', '-c', '1', 'h2load'] : ['h2load'];
    await runExternalTool([
      ...tool,
      '-n',
      String(Math.min(5000, 200 * c.clients * c.streams)),
      '-c',
      String(c.clients),
      '-m',
      String(c.streams),
      url,
    ]);
    const before = proc.sample();
    const out = await runExternalTool([
      ...tool,
      '-D',
      String(durationS),
      '-t',
      '1',
      '-c',
      String(c.clients),
      '-m',
      String(c.streams),
      url,
    ]);
    const after = proc.sample();
    const figures = parseH2loadOutput(out);
    const requests = Math.max(1, figures.succeeded + figures.failed);
    return {
      ...figures,
      server,
      serverCpuUsPerReq: ((after.cpuMs - before.cpuMs) * 1000) / requests,
      serverPeakRssBytes: after.peakRssBytes,
    };
  } finally {
    await proc.stop();
  }
}

export interface H2CompareRow {
  case: H2LoadCase;
  ours: H2CaseResult[];
  node: H2CaseResult[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * h2load against wirestack's h2 demo and a node:http2 server doing the same work, A B A B for
 * `rounds` rounds per case.
 *
 * @example
 * const rows = await runH2Compare({ durationS: 3, rounds: 3, pin: true });
 * console.log(formatH2Compare(rows));
 */
export async function runH2Compare(options: {
  durationS: number;
  rounds: number;
  pin: boolean;
  cases?: H2LoadCase[];
  onCase?: (i: number, c: H2LoadCase) => void;
}): Promise<H2CompareRow[]> {
  const rows: H2CompareRow[] = [];
  const cases = options.cases ?? H2_COMPARE_CASES;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    options.onCase?.(i, c);
    const row: H2CompareRow = { case: c, ours: [], node: [] };
    for (let r = 0; r < options.rounds; r++) {
      row.ours.push(await runH2Case('wirestack', c, options.durationS, options.pin));
      row.node.push(await runH2Case('node:http2', c, options.durationS, options.pin));
    }
    rows.push(row);
  }
  return rows;
}

/** A table of medians with ratios (wirestack / node:http2). */
export function formatH2Compare(rows: H2CompareRow[]): string {
  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const lines = [
    '| case | wirestack req/s | node:http2 req/s | ratio | wirestack MB/s | node:http2 MB/s | wirestack µs/req | node:http2 µs/req | CPU ratio | mean latency ms (ours / node) | failed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const o = (f: (r: H2CaseResult) => number) => median(row.ours.map(f));
    const n = (f: (r: H2CaseResult) => number) => median(row.node.map(f));
    const failed = [...row.ours, ...row.node].reduce((s, r) => s + r.failed, 0);
    lines.push(
      `| ${row.case.name} | ${fmt(o((r) => r.reqPerSec))} | ${fmt(n((r) => r.reqPerSec))} | ${fmt(o((r) => r.reqPerSec) / n((r) => r.reqPerSec), 2)}x | ` +
        `${fmt(o((r) => r.bytesPerSec) / 1e6, 1)} | ${fmt(n((r) => r.bytesPerSec) / 1e6, 1)} | ` +
        `${fmt(
          o((r) => r.serverCpuUsPerReq),
          2,
        )} | ${fmt(
          n((r) => r.serverCpuUsPerReq),
          2,
        )} | ` +
        `${fmt(o((r) => r.serverCpuUsPerReq) / n((r) => r.serverCpuUsPerReq), 2)}x | ` +
        `${fmt(
          o((r) => r.meanLatencyMs),
          2,
        )} / ${fmt(
          n((r) => r.meanLatencyMs),
          2,
        )} | ${failed} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
