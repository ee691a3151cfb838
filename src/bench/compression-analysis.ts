import {
  availableCompressions,
  type CompressionName,
  compressMessage,
  decompressMessage,
  MsgpackEncoder,
} from '../codec/index.js';

/** The kinds of payload the analysis compresses. */
export type PayloadKind = 'json' | 'msgpack' | 'random' | 'logs';
export const PAYLOAD_KINDS: readonly PayloadKind[] = ['json', 'msgpack', 'random', 'logs'];

/** A link the transfer model charges bytes to, in bits per second. */
export interface LinkSpeed {
  name: string;
  bitsPerSecond: number;
}

/**
 * The links of the model. Loopback is not a wire: 20 Gbit/s stands for a kernel copy through the socket
 * buffers on a small shared VM (the echo benchmark's order of magnitude), an assumption, not a measurement.
 */
export const LINK_SPEEDS: readonly LinkSpeed[] = [
  { name: '10 Mbit/s', bitsPerSecond: 10e6 },
  { name: '100 Mbit/s', bitsPerSecond: 100e6 },
  { name: '1 Gbit/s', bitsPerSecond: 1e9 },
  { name: '10 Gbit/s', bitsPerSecond: 10e9 },
  { name: 'loopback (~20 Gbit/s)', bitsPerSecond: 20e9 },
];

/** One algorithm at one level on one payload: sizes and the median CPU time per operation. */
export interface CompressionSample {
  kind: PayloadKind;
  size: number;
  algorithm: Exclude<CompressionName, 'none'>;
  level: number;
  compressedSize: number;
  compressMs: number;
  decompressMs: number;
}

/** Options of {@link analyzeCompression}. */
export interface CompressionAnalysisOptions {
  /** Fewer sizes, levels and repetitions: seconds instead of minutes. */
  quick?: boolean;
  /** Called after each measured sample (progress output). */
  onSample?: (s: CompressionSample) => void;
}

const FULL_SIZES = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
const QUICK_SIZES = [64, 1024, 16384, 262144];

/** Algorithms and levels measured: the fastest level, a middle one and (full run) a slow one. */
function levelsFor(quick: boolean): [Exclude<CompressionName, 'none'>, number][] {
  const out: [Exclude<CompressionName, 'none'>, number][] = quick
    ? [
        ['gzip', 1],
        ['gzip', 6],
        ['brotli', 1],
        ['brotli', 5],
      ]
    : [
        ['gzip', 1],
        ['gzip', 6],
        ['gzip', 9],
        ['deflate', 1],
        ['brotli', 0],
        ['brotli', 1],
        ['brotli', 5],
        ['brotli', 9],
      ];
  if (availableCompressions().includes('zstd')) out.push(['zstd', 1], ['zstd', 3]);
  return out;
}

// A fixed-seed generator (xorshift32): the same payloads on every run and machine.
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const WORDS =
  'order shipped pending customer invoice total region warehouse priority express standard returned'.split(
    ' ',
  );

function records(count: number, rand: () => number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    id: 100000 + i,
    customer: `user${Math.floor(rand() * 5000)}@example.com`,
    status: WORDS[Math.floor(rand() * WORDS.length)],
    total: Math.round(rand() * 100000) / 100,
    items: Math.floor(rand() * 9) + 1,
    express: rand() < 0.3,
    note: `${WORDS[Math.floor(rand() * WORDS.length)]} ${WORDS[Math.floor(rand() * WORDS.length)]}`,
  }));
}

/**
 * A payload of `kind`, exactly `size` bytes: record-like JSON text or MessagePack (realistic API traffic),
 * random bytes (encrypted or already compressed data), or repetitive access logs.
 *
 * @example
 * const body = samplePayload('json', 4096);
 */
export function samplePayload(kind: PayloadKind, size: number): Uint8Array {
  const rand = prng(size * 31 + kind.length);
  let bytes: Uint8Array;
  if (kind === 'random') {
    bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = Math.floor(rand() * 256);
    return bytes;
  }
  // Grow the document until it is at least `size` bytes, then cut: compressors see a realistic prefix.
  let count = Math.max(1, Math.ceil(size / 120));
  for (;;) {
    if (kind === 'logs') {
      const lines: string[] = [];
      for (let i = 0; i < count; i++) {
        const s = String(i % 60).padStart(2, '0');
        lines.push(
          `2026-11-23T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${s}.${String(Math.floor(rand() * 1000)).padStart(3, '0')}Z INFO http method=GET path=/api/orders/${Math.floor(rand() * 100000)} status=200 bytes=${Math.floor(rand() * 5000)} ms=${Math.floor(rand() * 80)}\n`,
        );
      }
      bytes = new TextEncoder().encode(lines.join(''));
    } else if (kind === 'json') {
      bytes = new TextEncoder().encode(JSON.stringify(records(count, rand)));
    } else {
      bytes = new MsgpackEncoder().encode(records(count, rand));
    }
    if (bytes.length >= size) return bytes.slice(0, size);
    count *= 2;
  }
}

// Median time per call in ms: repeat in batches until the budget is spent (at least 3 batches).
function timeOp(op: () => void, budgetMs: number): number {
  const t0 = performance.now();
  op();
  const once = performance.now() - t0;
  const perBatch = Math.max(1, Math.min(10000, Math.floor(budgetMs / 5 / Math.max(once, 0.0005))));
  const batches: number[] = [];
  const start = performance.now();
  while (batches.length < 3 || (performance.now() - start < budgetMs && batches.length < 15)) {
    const b0 = performance.now();
    for (let i = 0; i < perBatch; i++) op();
    batches.push((performance.now() - b0) / perBatch);
  }
  batches.sort((a, b) => a - b);
  return batches[batches.length >> 1];
}

/**
 * Measures every algorithm and level on every kind and size of payload.
 *
 * @example
 * const samples = analyzeCompression({ quick: true });
 * console.log(formatCompressionTables(samples));
 */
export function analyzeCompression(options: CompressionAnalysisOptions = {}): CompressionSample[] {
  const quick = options.quick === true;
  const sizes = quick ? QUICK_SIZES : FULL_SIZES;
  const budget = quick ? 8 : 60;
  const out: CompressionSample[] = [];
  for (const kind of PAYLOAD_KINDS) {
    for (const size of sizes) {
      const payload = samplePayload(kind, size);
      for (const [algorithm, level] of levelsFor(quick)) {
        const packed = compressMessage(algorithm, payload, level);
        const compressMs = timeOp(() => compressMessage(algorithm, payload, level), budget);
        const decompressMs = timeOp(
          () => decompressMessage(algorithm, packed, { maxDecompressedBytes: size }),
          budget,
        );
        const sample = {
          kind,
          size,
          algorithm,
          level,
          compressedSize: packed.length,
          compressMs,
          decompressMs,
        };
        out.push(sample);
        options.onSample?.(sample);
      }
    }
  }
  return out;
}

/** Time to move `bytes` over a link, in ms. */
export function wireMs(bytes: number, link: LinkSpeed): number {
  return ((bytes * 8) / link.bitsPerSecond) * 1000;
}

/** Total time with compression: compress + send the smaller payload + decompress, in ms. */
export function compressedTransferMs(s: CompressionSample, link: LinkSpeed): number {
  return s.compressMs + wireMs(s.compressedSize, link) + s.decompressMs;
}

/** The sample with the lowest total transfer time for one payload and link, or undefined if none beats sending raw. */
export function bestChoice(
  samples: readonly CompressionSample[],
  link: LinkSpeed,
): { sample: CompressionSample; speedup: number } | undefined {
  let best: CompressionSample | undefined;
  for (const s of samples)
    if (!best || compressedTransferMs(s, link) < compressedTransferMs(best, link)) best = s;
  if (!best) return undefined;
  const speedup = wireMs(best.size, link) / compressedTransferMs(best, link);
  return speedup > 1 ? { sample: best, speedup } : undefined;
}

const fmtSize = (n: number) =>
  n >= 1048576 ? `${n / 1048576} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`;

function groupBy(samples: readonly CompressionSample[]): Map<string, CompressionSample[]> {
  const groups = new Map<string, CompressionSample[]>();
  for (const s of samples) {
    const key = `${s.kind}|${s.size}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(s);
  }
  return groups;
}

/**
 * Two tables as text: per kind and size, the best choice per link (or `raw` where compression hurts), and
 * every measured sample with ratio and throughput.
 */
export function formatCompressionTables(samples: readonly CompressionSample[]): string {
  const lines: string[] = [];
  lines.push('Where compression helps: best algorithm@level and speed-up of total transfer time');
  lines.push(
    '(compress + wire + decompress vs. raw wire time; "raw" = every algorithm is slower than sending as is)',
  );
  lines.push('');
  const header = ['kind', 'size', ...LINK_SPEEDS.map((l) => l.name)];
  const rows: string[][] = [];
  for (const [key, group] of groupBy(samples)) {
    const [kind, size] = key.split('|');
    rows.push([
      kind,
      fmtSize(Number(size)),
      ...LINK_SPEEDS.map((link) => {
        const best = bestChoice(group, link);
        return best ? `${best.sample.algorithm}@${best.sample.level} ×${best.speedup.toFixed(2)}` : 'raw';
      }),
    ]);
  }
  lines.push(...table(header, rows));
  lines.push('');
  lines.push('Every sample: ratio = compressed/original; throughput in MB/s of original bytes');
  lines.push('');
  lines.push(
    ...table(
      [
        'kind',
        'size',
        'algorithm',
        'ratio',
        'compress MB/s',
        'decompress MB/s',
        'compress µs',
        'decompress µs',
      ],
      samples.map((s) => [
        s.kind,
        fmtSize(s.size),
        `${s.algorithm}@${s.level}`,
        (s.compressedSize / s.size).toFixed(3),
        (s.size / 1000 / s.compressMs).toFixed(1),
        (s.size / 1000 / s.decompressMs).toFixed(1),
        (s.compressMs * 1000).toFixed(1),
        (s.decompressMs * 1000).toFixed(1),
      ]),
    ),
  );
  return `${lines.join('\n')}\n`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One inline SVG per payload kind: speed-up of the best choice vs. size, one line per link; y = 1 is break-even. */
function plot(kind: PayloadKind, samples: readonly CompressionSample[]): string {
  const groups = [...groupBy(samples.filter((s) => s.kind === kind)).values()];
  const sizes = groups.map((g) => g[0].size);
  const W = 640;
  const H = 300;
  const pad = { l: 56, r: 150, t: 24, b: 40 };
  const xOf = (size: number) =>
    pad.l +
    ((Math.log2(size) - Math.log2(sizes[0])) /
      Math.max(1, Math.log2(sizes[sizes.length - 1]) - Math.log2(sizes[0]))) *
      (W - pad.l - pad.r);
  // Speed-up on a log scale from 1/8 to 8: below the middle line compression hurts.
  const yOf = (v: number) =>
    pad.t + ((3 - Math.max(-3, Math.min(3, Math.log2(v)))) / 6) * (H - pad.t - pad.b);
  const colors = ['#d62728', '#ff7f0e', '#2ca02c', '#1f77b4', '#9467bd'];
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(
    `<text x="${pad.l}" y="14" font-weight="bold">${kind}: speed-up of the best algorithm (log scale)</text>`,
  );
  for (const v of [0.125, 0.25, 0.5, 1, 2, 4, 8]) {
    const y = yOf(v).toFixed(1);
    parts.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y}" y2="${y}" stroke="${v === 1 ? '#000' : '#ddd'}"/>`,
    );
    parts.push(`<text x="${pad.l - 6}" y="${y}" text-anchor="end" dy="4">×${v}</text>`);
  }
  for (const size of sizes) {
    parts.push(
      `<text x="${xOf(size).toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle">${fmtSize(size)}</text>`,
    );
  }
  LINK_SPEEDS.forEach((link, i) => {
    const points = groups.map((g) => {
      // The speed-up of the best sample even where it is below 1, to show how much compression hurts.
      let best = g[0];
      for (const s of g) if (compressedTransferMs(s, link) < compressedTransferMs(best, link)) best = s;
      return `${xOf(g[0].size).toFixed(1)},${yOf(wireMs(best.size, link) / compressedTransferMs(best, link)).toFixed(1)}`;
    });
    parts.push(`<polyline fill="none" stroke="${colors[i]}" stroke-width="2" points="${points.join(' ')}"/>`);
    parts.push(
      `<text x="${W - pad.r + 8}" y="${pad.t + 14 * i + 10}" fill="${colors[i]}">${escapeHtml(link.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * A self-contained HTML report: one SVG plot per payload kind and the tables, no external resources.
 *
 * @example
 * writeFileSync('report.html', compressionReportHtml(analyzeCompression()));
 */
export function compressionReportHtml(
  samples: readonly CompressionSample[],
  title = 'wirestack compression analysis',
): string {
  const plots = PAYLOAD_KINDS.filter((k) => samples.some((s) => s.kind === k)).map((k) => plot(k, samples));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}pre{font-size:12px;overflow-x:auto}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>Node ${escapeHtml(process.version)}. Total transfer time = compress + wire time of the compressed bytes + decompress, against
the raw wire time. Above ×1 compression helps; below it hurts. Loopback is modelled at 20 Gbit/s.</p>
${plots.join('\n')}
<pre>${escapeHtml(formatCompressionTables(samples))}</pre>
</body></html>
`;
}
