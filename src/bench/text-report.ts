import type { BenchResult } from './bench-result.js';
import { BUSY_MACHINE_WAIT_SHARE, type Comparison, type Figures } from './comparison.js';
import type { ProfileReport } from './profile-run.js';
import type { SuiteResult } from './suites.js';

/** Format a number for a table: thousands separated, `digits` decimals, '-' for missing. */
export function num(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : `${num(v, v < 1 ? 3 : 2)} ms`;
const ratio = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}×`);

/** Lay out rows as aligned columns (first column left, the rest right). */
export function table(rows: string[][], numeric = true): string {
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 || !numeric ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function loadLine(r: BenchResult): string {
  const c = r.config;
  const model = c.rate > 0 ? `open loop at ${num(c.rate)} req/s` : 'closed loop';
  return `${r.target} (${r.protocol}): ${c.connections} conn × ${c.pipeline} in flight, ${num(c.size)} B requests, ${model}, ${(r.windowMs / 1000).toFixed(1)} s measured after ${(c.warmupMs / 1000).toFixed(1)} s warm-up${c.pinned ? ', pinned' : ''}`;
}

const BUSY_WARNING =
  'warning: busy machine: benchmark processes waited for a CPU (other load); figures are preliminary';

/** Warnings a reader must see next to the figures. */
export function warningsOf(r: BenchResult): string[] {
  const w: string[] = [];
  if (r.generator.bound) {
    w.push(
      r.config.rate > 0
        ? `generator-bound: asked for ${num(r.config.rate)} req/s, achieved ${num(r.requestsPerSec)}`
        : `generator-bound: the generator used ${Math.round(r.generator.cpuUtilisation * 100)}% of its core; req/s is its ceiling, compare server CPU µs/request`,
    );
  }
  const waited = Math.max(r.server?.runQueueWaitShare ?? 0, r.generator.runQueueWaitShare);
  if (waited > BUSY_MACHINE_WAIT_SHARE) {
    w.push(
      `busy machine: a benchmark process waited ${Math.round(waited * 100)}% of the window for a CPU; figures are preliminary`,
    );
  }
  if (r.errors > 0) w.push(`${num(r.errors)} errors: ${r.errorMessages.join('; ')}`);
  return w;
}

/** One run as a readable block. */
export function formatRun(r: BenchResult): string {
  const l = r.latencyMs;
  const s = r.server;
  const lines = [
    loadLine(r),
    '',
    table(
      [
        ['throughput', `${num(r.requestsPerSec)} req/s`, `${num(r.megabytesPerSec, 1)} MB/s`],
        [
          'latency',
          `p50 ${ms(l.p50)}`,
          `p95 ${ms(l.p95)}`,
          `p99 ${ms(l.p99)}`,
          `p99.9 ${ms(l.p999)}`,
          `max ${ms(l.max)}`,
        ],
        ['requests', num(r.requests), `errors ${num(r.errors)}`],
        s
          ? [
              'server',
              `${num(s.cpuUsPerRequest, 2)} µs CPU/request`,
              `CPU ${Math.round(s.cpuUtilisation * 100)}% (${Math.round((s.systemMs / Math.max(1, s.cpuMs)) * 100)}% kernel)`,
              `peak RSS ${num(s.peakRssBytes / 2 ** 20, 1)} MiB`,
              `loop lag p99 ${ms(s.eventLoopLagP99Ms)}`,
            ]
          : ['server', 'external: no server-side figures'],
        [
          'generator',
          `CPU ${Math.round(r.generator.cpuUtilisation * 100)}% of a core`,
          `ceiling ≈ ${num(r.generator.ceilingRequestsPerSec)} req/s per core`,
        ],
      ],
      false,
    ),
    `per second: ${r.timeline.map((n) => num(n)).join(', ')} req/s`,
  ];
  for (const w of warningsOf(r)) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

const FIGURE_ROWS: [keyof Figures, string, (v: number | null) => string][] = [
  ['requestsPerSec', 'req/s', (v) => num(v)],
  ['megabytesPerSec', 'MB/s', (v) => num(v, 1)],
  ['p50Ms', 'p50', ms],
  ['p95Ms', 'p95', ms],
  ['p99Ms', 'p99', ms],
  ['p999Ms', 'p99.9', ms],
  ['maxMs', 'max', ms],
  ['errors', 'errors', (v) => num(v)],
  ['serverCpuUsPerRequest', 'server CPU µs/req', (v) => num(v, 2)],
  ['serverPeakRssMb', 'server peak RSS MiB', (v) => num(v, 1)],
  ['serverEventLoopLagP99Ms', 'server loop lag p99', ms],
  ['generatorCpuUtilisation', 'generator CPU', (v) => (v === null ? '-' : `${Math.round(v * 100)}%`)],
  ['generatorCeilingRequestsPerSec', 'generator ceiling req/s', (v) => num(v)],
  ['runQueueWaitShare', 'waited for CPU', (v) => (v === null ? '-' : `${Math.round(v * 100)}%`)],
];

/** A/B medians and ratios. */
export function formatComparison(c: Comparison): string {
  const rows = [['', `${c.a} (median)`, `${c.b} (median)`, `${c.a}/${c.b}`]];
  for (const [key, label, f] of FIGURE_ROWS)
    rows.push([label, f(c.medians.a[key]), f(c.medians.b[key]), ratio(c.ratios[key])]);
  const first = c.runs.a[0];
  const lines = [
    `${c.a} vs ${c.b}, ${c.rounds} rounds A B A B${first ? `: ${loadLine(first).replace(/^[^:]*: /, '')}` : ''}`,
    '',
    table(rows),
  ];
  if (c.generatorBound)
    lines.push('warning: some runs were generator-bound: compare server CPU µs/request, not req/s');
  return lines.join('\n');
}

/** The suite summary: one row per case. */
export function formatSuite(s: SuiteResult): string {
  const rows = [
    [
      'case',
      `${s.a} req/s`,
      `${s.b} req/s`,
      'ratio',
      `${s.a} p50`,
      `${s.b} p50`,
      `${s.a} p99`,
      `${s.b} p99`,
      'p99 ratio',
      `${s.a} µs/req`,
      `${s.b} µs/req`,
      'CPU ratio',
    ],
  ];
  for (const { name, comparison: c } of s.cases) {
    const a = c.medians.a;
    const b = c.medians.b;
    rows.push([
      name + (c.generatorBound ? ' *' : ''),
      num(a.requestsPerSec),
      num(b.requestsPerSec),
      ratio(c.ratios.requestsPerSec),
      ms(a.p50Ms),
      ms(b.p50Ms),
      ms(a.p99Ms),
      ms(b.p99Ms),
      ratio(c.ratios.p99Ms),
      num(a.serverCpuUsPerRequest, 2),
      num(b.serverCpuUsPerRequest, 2),
      ratio(c.ratios.serverCpuUsPerRequest),
    ]);
  }
  const lines = [`${s.suite}: ${s.a} vs ${s.b} (medians; ratio = ${s.a}/${s.b})`, '', table(rows)];
  for (const { name, comparison: c } of s.cases) {
    if ((c.runs.a[0]?.config.size ?? 0) < 4096) continue;
    const a = c.medians.a.megabytesPerSec;
    const b = c.medians.b.megabytesPerSec;
    lines.push(
      `${name}: ${s.a} ${num(a, 0)} MB/s, ${s.b} ${num(b, 0)} MB/s (${ratio(c.ratios.megabytesPerSec)})`,
    );
  }
  const ceilings = s.cases.map((c) => c.comparison.medians.a.generatorCeilingRequestsPerSec ?? 0);
  lines.push(
    `generator ceiling (req/s one generator core sustains): ${s.cases.map((c, i) => `${c.name.split(',')[0]} ${num(ceilings[i])}`).join('; ')}`,
  );
  if (s.cases.some((c) => c.comparison.generatorBound)) {
    lines.push('* generator-bound in some rounds: req/s is the generator ceiling; compare µs/req');
  }
  if (s.cases.some((c) => c.comparison.busyMachine)) lines.push(BUSY_WARNING);
  return lines.join('\n');
}

/** What --profile found. */
export function formatProfile(p: ProfileReport): string {
  const lines = [formatRun(p.result), ''];
  if (p.cpuProfile) {
    const c = p.cpuProfile;
    lines.push(
      `server CPU profile: ${num(c.busyMs)} ms busy, ${num(c.idleMs)} ms idle, GC ${num(c.gcMs)} ms; top functions by self time:`,
    );
    lines.push(
      table([
        ['function', 'location', 'self ms', 'share'],
        ...c.top.map((f) => [f.name, f.location, num(f.selfMs, 1), `${(f.selfShare * 100).toFixed(1)}%`]),
      ]),
    );
  } else lines.push('server CPU profile: none (an external target, or the server wrote no profile)');
  if (p.generatorProfile) {
    const g = p.generatorProfile;
    lines.push(
      '',
      `generator CPU profile: ${num(g.busyMs)} ms busy, ${num(g.idleMs)} ms idle; top: ${g.top
        .slice(0, 5)
        .map((f) => `${f.name} ${(f.selfShare * 100).toFixed(0)}%`)
        .join(', ')}`,
    );
  }
  if (p.strace) {
    lines.push(
      '',
      `syscalls (strace -c -f, separate run): ${num(p.syscallsPerRequest, 2)} per request; most called:`,
    );
    lines.push(
      table([
        ['syscall', 'calls', 'errors'],
        ...p.strace.syscalls.slice(0, 8).map((s) => [s.name, num(s.calls), num(s.errors)]),
      ]),
    );
  } else lines.push('', 'syscalls: strace not available (or an external target)');
  lines.push('', `verdict: ${p.verdict.line}`);
  return lines.join('\n');
}
