import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError } from './errors.js';
import { runExternalTool } from './external-tool.js';
import { parseH2loadOutput } from './h2load-compare.js';

/** What one wrk run (`--latency`) reports. */
export interface WrkFigures {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Socket errors (connect + read + write + timeout) and non-2xx/3xx responses. */
  errors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Read wrk's summary: the latency distribution, the request count and Requests/sec. */
export function parseWrkOutput(text: string): WrkFigures {
  const pct = (p: number) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) * UNIT_MS[m[2]] : Number.NaN;
  };
  const requests = /^\s*(\d+) requests in /m.exec(text);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (!requests || !rate || Number.isNaN(pct(50))) {
    throw new BenchError(
      'EWRKOUTPUT',
      `could not read wrk's output (was --latency given?):\n${text.slice(-2000)}`,
    );
  }
  let errors = 0;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  if (socket) errors += socket.slice(1).reduce((s, n) => s + Number(n), 0);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (non2xx) errors += Number(non2xx[1]);
  return {
    requests: Number(requests[1]),
    reqPerSec: Number(rate[1]),
    p50Ms: pct(50),
    p75Ms: pct(75),
    p90Ms: pct(90),
    p99Ms: pct(99),
    errors,
  };
}

/** A wrk Lua script that sends `method` with `body` and these headers on every request. */
export function wrkRequestScript(method: string, body: string, headers: Record<string, string>): string {
  const lines = [`wrk.method = ${JSON.stringify(method)}`, `wrk.body = ${JSON.stringify(body)}`];
  for (const [k, v] of Object.entries(headers))
    lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  return `${lines.join('\n')}\n`;
}

export interface WrkRun {
  url: string;
  connections: number;
  durationS: number;
  /** Lua script text (e.g. from wrkRequestScript) for requests other than a plain GET. */
  script?: string;
  /** Run wrk on this CPU (taskset); null: anywhere. */
  cpu: number | null;
}

/** Run `wrk -t1 -cC -dDs --latency` and read its figures. Needs wrk on PATH. */
export async function runWrk(run: WrkRun): Promise<WrkFigures> {
  const argv = [
    'wrk',
    '-t1',
    `-c${run.connections}`,
    `-d${Math.max(1, Math.round(run.durationS))}s`,
    '--latency',
    '--timeout',
    '5s',
  ];
  let dir: string | null = null;
  try {
    if (run.script !== undefined) {
      dir = mkdtempSync(join(tmpdir(), 'wirestack-wrk-'));
      const file = join(dir, 'request.lua');
      writeFileSync(file, run.script);
      argv.push('-s', file);
    }
    argv.push(run.url);
    const tool = run.cpu === null ? argv : ['taskset', '-c', String(run.cpu), ...argv];
    return parseWrkOutput(await runExternalTool(tool, 'wrk'));
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** What one h2load run reports, with latency percentiles from its per-request log. */
export interface H2loadLatencyFigures {
  requests: number;
  succeeded: number;
  failed: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface H2loadRun {
  url: string;
  clients: number;
  streams: number;
  /** Seconds of load (`-D`), or... */
  durationS?: number;
  /** ...a number of requests (`-n`). */
  requests?: number;
  /** Request body (sent with POST) and extra headers. */
  body?: Uint8Array;
  headers?: Record<string, string>;
  cpu: number | null;
}

/** Latency percentile `q` (0..1) of sorted values. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Run h2load once and read its summary plus p50/p99 from `--log-file` (h2load prints only min,
 * max, mean and sd). Needs h2load on PATH (nghttp2-client).
 */
export async function runH2loadWithLatency(run: H2loadRun): Promise<H2loadLatencyFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-h2load-'));
  try {
    const log = join(dir, 'requests.log');
    const argv = ['h2load', '-t', '1', '-c', String(run.clients), '-m', String(run.streams)];
    if (run.durationS !== undefined) argv.push('-D', String(Math.max(1, Math.round(run.durationS))));
    else argv.push('-n', String(run.requests ?? 1));
    if (run.body) {
      const file = join(dir, 'body.bin');
      writeFileSync(file, run.body);
      argv.push('-d', file);
    }
    for (const [k, v] of Object.entries(run.headers ?? {})) argv.push('-H', `${k}: ${v}`);
    argv.push(`--log-file=${log}`, run.url);
    const tool = run.cpu === null ? argv : ['taskset', '-c', String(run.cpu), ...argv];
    const figures = parseH2loadOutput(await runExternalTool(tool));
    // Each line: start time, status code, duration in microseconds (tab-separated).
    const durations = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => Number(line.split('\t')[2]) / 1000)
      .sort((a, b) => a - b);
    return {
      requests: figures.succeeded + figures.failed,
      succeeded: figures.succeeded,
      failed: figures.failed,
      reqPerSec: figures.reqPerSec,
      p50Ms: percentile(durations, 0.5),
      p99Ms: percentile(durations, 0.99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
