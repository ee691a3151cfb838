import type { BenchResult } from './bench-result.js';
import type { BenchReport } from './json-report.js';
import { formatComparison, formatProfile, formatRun, formatSuite } from './text-report.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** Escape text for HTML and SVG. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Series {
  label: string;
  points: [number, number][];
  /** Runs of the same target share a colour; rounds differ in dash pattern. */
  group: number;
  variant: number;
}

const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

/** One run to plot, with its legend label, colour group (target) and variant (round). */
export interface LabelledRun {
  label: string;
  run: BenchResult;
  group: number;
  variant: number;
}

interface Axes {
  title: string;
  xLabel: string;
  yLabel: string;
  /** x positions → tick labels. */
  xTicks: [number, string][];
  xMax: number;
  /** Logarithmic y axis (latency spans decades: p50 in µs, max in ms). */
  logY?: boolean;
}

const W = 760;
const H = 300;
/** The right margin holds the legend, so it never covers a line. */
const PAD = { left: 64, right: 136, top: 28, bottom: 40 };

/** A line chart as an inline SVG string (no scripts, no external resources). */
export function lineChartSvg(series: Series[], axes: Axes): string {
  const values = series.flatMap((s) => s.points.map((p) => p[1]));
  const x = (v: number) => PAD.left + (v / (axes.xMax || 1)) * (W - PAD.left - PAD.right);
  const plotH = H - PAD.top - PAD.bottom;
  let y: (v: number) => number;
  let yTicks: number[];
  if (axes.logY) {
    const positive = values.filter((v) => v > 0);
    const lo = Math.floor(Math.log10(Math.min(1, ...positive)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1e-9, ...positive))));
    y = (v: number) => H - PAD.bottom - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
    yTicks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  } else {
    const yMax = niceCeil(Math.max(1e-9, ...values));
    y = (v: number) => H - PAD.bottom - (v / yMax) * plotH;
    yTicks = [0, 1, 2, 3, 4].map((i) => (yMax * i) / 4);
  }
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(axes.title)}">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeHtml(axes.title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#888"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#888"/>`,
  ];
  for (const v of yTicks) {
    parts.push(
      `<line x1="${PAD.left}" y1="${y(v)}" x2="${W - PAD.right}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${PAD.left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${escapeHtml(short(v))}</text>`,
    );
  }
  for (const [v, label] of axes.xTicks) {
    parts.push(
      `<text x="${x(v)}" y="${H - PAD.bottom + 14}" text-anchor="middle" font-size="10">${escapeHtml(label)}</text>`,
    );
  }
  parts.push(
    `<text x="${(W + PAD.left) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${escapeHtml(axes.xLabel)}</text>`,
    `<text x="12" y="${(H - PAD.bottom + PAD.top) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${(H - PAD.bottom + PAD.top) / 2})">${escapeHtml(axes.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[s.group % COLOURS.length];
    const dash = DASHES[s.variant % DASHES.length];
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    const d = s.points
      .map(([px, py], j) => `${j === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`)
      .join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dashAttr}/>`);
    // Markers, so a one-second timeline still shows its point.
    for (const [px, py] of s.points) {
      parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    }
    const ly = PAD.top + 10 + i * 16;
    const lx = W - PAD.right + 12;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"${dashAttr}/>`,
      `<text x="${lx + 28}" y="${ly}" font-size="11" fill="${colour}">${escapeHtml(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Percentile p on the "nines" scale: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3 ... */
function nines(p: number): number {
  return p >= 100 ? 5 : Math.min(5, -Math.log10(1 - p / 100));
}

/** Latency by percentile for several runs, x in nines so the tail gets room. */
export function percentileSvg(runs: LabelledRun[], title = 'latency by percentile'): string {
  return lineChartSvg(
    runs.map(({ label, run, group, variant }) => ({
      label,
      group,
      variant,
      points: run.percentileCurve.map(([p, v]) => [nines(p), v]),
    })),
    {
      title,
      xLabel: 'percentile',
      yLabel: 'latency (ms, log scale)',
      xMax: 5,
      logY: true,
      xTicks: [
        [0, '0'],
        [1, '90'],
        [2, '99'],
        [3, '99.9'],
        [4, '99.99'],
        [5, 'max'],
      ],
    },
  );
}

/** req/s per second for several runs. */
export function timelineSvg(runs: LabelledRun[], title = 'throughput per second'): string {
  const longest = Math.max(1, ...runs.map((r) => r.run.timeline.length));
  return lineChartSvg(
    runs.map(({ label, run, group, variant }) => ({
      label,
      group,
      variant,
      points: run.timeline.map((v, i) => [i + 0.5, v]),
    })),
    {
      title,
      xLabel: 'second of the measured window',
      yLabel: 'req/s',
      xMax: longest,
      xTicks: Array.from({ length: longest + 1 }, (_, i) => [i, String(i)] as [number, string]),
    },
  );
}

function runsOf(report: BenchReport): { heading: string; runs: LabelledRun[] }[] {
  switch (report.kind) {
    case 'run':
      return [
        {
          heading: report.run.target,
          runs: [{ label: report.run.target, run: report.run, group: 0, variant: 0 }],
        },
      ];
    case 'profile':
      return [
        {
          heading: report.profile.result.target,
          runs: [{ label: report.profile.result.target, run: report.profile.result, group: 0, variant: 0 }],
        },
      ];
    case 'comparison':
      return [
        {
          heading: `${report.comparison.a} vs ${report.comparison.b}`,
          runs: labelled(report.comparison.runs),
        },
      ];
    case 'suite':
      return report.suite.cases.map((c) => ({ heading: c.name, runs: labelled(c.comparison.runs) }));
  }
}

function labelled(runs: { a: BenchResult[]; b: BenchResult[] }): LabelledRun[] {
  const side = (list: BenchResult[], group: number) =>
    list.map((run, round) => ({ label: `${run.target} #${round + 1}`, run, group, variant: round }));
  return [...side(runs.a, 0), ...side(runs.b, 1)];
}

function textOf(report: BenchReport): string {
  switch (report.kind) {
    case 'run':
      return formatRun(report.run);
    case 'profile':
      return formatProfile(report.profile);
    case 'comparison':
      return formatComparison(report.comparison);
    case 'suite':
      return formatSuite(report.suite);
  }
}

/**
 * A self-contained HTML page (inline CSS and SVG, no scripts or external files) with the text
 * report, a latency-percentile plot and a throughput timeline per case.
 *
 * @example
 * writeFileSync('report.html', renderHtmlReport(makeReport({ kind: 'run', run }, command)));
 */
export function renderHtmlReport(report: BenchReport): string {
  const sections = runsOf(report).map(
    ({ heading, runs }) =>
      `<section><h2>${escapeHtml(heading)}</h2><div class="charts">${percentileSvg(runs)}${timelineSvg(runs)}</div></section>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wirestack bench report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}pre{background:#f6f6f6;padding:1em;overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:1em}svg{background:#fff;border:1px solid #ddd}</style></head>
<body><h1>wirestack bench</h1>
<p>Command: <code>${escapeHtml(report.command)}</code><br>Taken ${escapeHtml(report.createdAt)} on ${report.machine.cpus} CPUs (load average ${report.machine.loadAverage1m.toFixed(2)}), Node ${escapeHtml(report.machine.node)}, ${escapeHtml(report.machine.platform)}.</p>
<pre>${escapeHtml(textOf(report))}</pre>
${sections.join('\n')}
</body></html>
`;
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function short(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (v > 0 && v < 0.01) return v.toExponential(0);
  return `${+v.toPrecision(3)}`;
}
