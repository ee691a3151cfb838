import { spawnSync } from 'node:child_process';
import { MsgpackDecoder, MsgpackEncoder } from '../codec/index.js';

/** One serializer under test: encode a value, decode its own bytes. */
export interface CodecCandidate {
  name: string;
  encode(value: unknown): Uint8Array | string;
  decode(bytes: Uint8Array | string): unknown;
}

/** Encode and decode rates of one candidate on one document. */
export interface CodecBenchResult {
  document: string;
  candidate: string;
  bytes: number;
  encodeOps: number;
  decodeOps: number;
}

/** Options of {@link benchCodecs}. */
export interface CodecBenchOptions {
  quick?: boolean;
  /** Only these candidates (by name). */
  only?: readonly string[];
}

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const small = () => ({
  id: 123456,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  active: true,
  score: 98.625,
  tags: ['admin', 'ops'],
  created: 1732363200000,
  kind: 'user',
});

/**
 * The documents: small (one ~110-byte object), medium (~2 KB: 20 of them), large (~110 KB: 1000 of them),
 * number-heavy (2000 points of floats, negative floats, ints and integers beyond 32 bits) and
 * string-heavy (280 articles with 25-word bodies, some non-ASCII). Numbers only, no Dates, so JSON carries
 * the same data.
 */
export function benchDocuments(): { name: string; value: unknown }[] {
  const r = rng(42);
  const words =
    'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua café naïve Zürich'.split(
      ' ',
    );
  const text = (n: number) =>
    Array.from({ length: n }, () => words[Math.floor(r() * words.length)]).join(' ');
  const users = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...small(), id: i, name: `user ${i}`, score: r() * 100 }));
  return [
    { name: 'small', value: small() },
    { name: 'medium', value: users(20) },
    { name: 'large', value: users(1000) },
    {
      name: 'number-heavy',
      value: Array.from({ length: 2000 }, (_, i) => ({
        x: r() * 1000,
        y: -r() * 1000,
        n: i,
        big: 2 ** 40 + i,
        t: 1732363200 + i,
      })),
    },
    {
      name: 'string-heavy',
      value: Array.from({ length: 280 }, (_, i) => ({
        id: i,
        title: text(6),
        body: text(25),
        author: `author ${i % 17}`,
        url: `https://example.com/articles/${i}/${text(3).replace(/ /g, '-')}`,
        tags: [words[i % words.length], words[(i * 7) % words.length]],
      })),
    },
  ];
}

/** Every candidate this install can run: ours, msgpackr (records off), @msgpack/msgpack (reused coders), JSON. */
export async function codecCandidates(): Promise<CodecCandidate[]> {
  const encoder = new MsgpackEncoder();
  const decoder = new MsgpackDecoder();
  const out: CodecCandidate[] = [
    { name: 'wirestack', encode: (v) => encoder.encode(v), decode: (b) => decoder.decode(b as Uint8Array) },
  ];
  try {
    const msgpackr = await import('msgpackr');
    const packr = new msgpackr.Packr({ useRecords: false });
    const native = msgpackr.isNativeAccelerationEnabled ? 'native' : 'no native';
    out.push({
      name: `msgpackr (${native})`,
      encode: (v) => packr.pack(v),
      decode: (b) => packr.unpack(b as Uint8Array),
    });
  } catch {
    // not installed: the table says so by its absence
  }
  try {
    const m = await import('@msgpack/msgpack');
    const enc = new m.Encoder();
    const dec = new m.Decoder();
    out.push({
      name: '@msgpack/msgpack',
      encode: (v) => enc.encode(v),
      decode: (b) => dec.decode(b as Uint8Array),
    });
  } catch {
    // not installed
  }
  out.push({ name: 'JSON', encode: (v) => JSON.stringify(v), decode: (s) => JSON.parse(s as string) });
  return out;
}

function opsPerSecond(op: () => void, ms: number): number {
  let n = 0;
  let batch = 1;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) op();
    n += batch;
    if (batch < 4096) batch *= 2;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/**
 * Encode and decode ops/s of every candidate on every document. Candidates are measured round-robin within
 * each round, so background load hits them alike; each figure is the median over the rounds.
 *
 * @example
 * for (const r of await benchCodecs({ quick: true })) console.log(r.document, r.candidate, r.encodeOps);
 */
export async function benchCodecs(options: CodecBenchOptions = {}): Promise<CodecBenchResult[]> {
  let candidates = await codecCandidates();
  if (options.only) candidates = candidates.filter((c) => options.only?.some((o) => c.name.startsWith(o)));
  const rounds = options.quick ? 3 : 7;
  const ms = options.quick ? 15 : 150;
  const results: CodecBenchResult[] = [];
  for (const doc of benchDocuments()) {
    const encoded = candidates.map((c) => c.encode(doc.value));
    // Warm-up: let the JIT optimize each candidate's paths before anything counts.
    for (const [i, c] of candidates.entries()) {
      opsPerSecond(() => c.encode(doc.value), ms);
      opsPerSecond(() => c.decode(encoded[i]), ms);
    }
    const enc: number[][] = candidates.map(() => []);
    const dec: number[][] = candidates.map(() => []);
    for (let r = 0; r < rounds; r++) {
      candidates.forEach((c, i) => {
        enc[i].push(opsPerSecond(() => c.encode(doc.value), ms));
        dec[i].push(opsPerSecond(() => c.decode(encoded[i]), ms));
      });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    candidates.forEach((c, i) => {
      const e = encoded[i];
      results.push({
        document: doc.name,
        candidate: c.name,
        bytes: typeof e === 'string' ? Buffer.byteLength(e) : e.length,
        encodeOps: median(enc[i]),
        decodeOps: median(dec[i]),
      });
    });
  }
  return results;
}

/**
 * msgpackr reads `MSGPACKR_NATIVE_ACCELERATION_DISABLED` when it is imported, so its pure-JS variant runs in
 * a child process: `cliPath codec bench --json --only msgpackr` with the variable set.
 */
export function benchMsgpackrWithoutNative(cliPath: string, quick: boolean): CodecBenchResult[] {
  const r = spawnSync(
    process.execPath,
    [cliPath, 'codec', 'bench', '--json', '--only', 'msgpackr', ...(quick ? ['--quick'] : [])],
    {
      env: { ...process.env, MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true' },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (r.status !== 0) return [];
  return JSON.parse(r.stdout) as CodecBenchResult[];
}

/** The side-by-side table: ops/s per candidate with its ratio to ours (×n = wirestack is n times faster). */
export function formatCodecBench(results: readonly CodecBenchResult[]): string {
  const docs = [...new Set(results.map((r) => r.document))];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const rows: string[][] = [];
  for (const d of docs) {
    const group = results.filter((r) => r.document === d);
    const ours = group.find((r) => r.candidate === 'wirestack');
    for (const r of group) {
      const ratio = (a: number, b: number | undefined) =>
        b && r !== ours ? ` (×${(b / a).toFixed(2)})` : '';
      rows.push([
        d,
        r.candidate,
        String(r.bytes),
        `${fmt(r.encodeOps)}${ratio(r.encodeOps, ours?.encodeOps)}`,
        `${fmt(r.decodeOps)}${ratio(r.decodeOps, ours?.decodeOps)}`,
      ]);
    }
  }
  const header = ['document', 'candidate', 'bytes', 'encode ops/s', 'decode ops/s'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}
(×n after a figure: wirestack's rate divided by that candidate's; above 1, wirestack is faster.)
`;
}
