// Protocol Buffers encode/decode throughput: wirestack's schema-compiled codec against protobufjs (its
// runtime-generated code, which is what its static code amounts to) and @bufbuild/protobuf (reflection
// over a protoc descriptor set), on the same .proto and the same messages, in one process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  create as bufCreate,
  fromBinary as bufFromBinary,
  toBinary as bufToBinary,
  createFileRegistry,
  type DescMessage,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import protobufjs from 'protobufjs';
import { ProtoSchema } from '../protobuf/index.js';

/** The schema every library loads: one message per shape measured. */
export const BENCH_PROTO = `syntax = "proto3";
package wsbench;

message Small {
  int32 id = 1;
  string name = 2;
  bool active = 3;
  int64 created = 4;
  double score = 5;
}

message Phone { string number = 1; int32 kind = 2; }
message Address { string street = 1; string city = 2; uint32 zip = 3; }
message Person {
  string name = 1;
  int32 id = 2;
  string email = 3;
  repeated Phone phones = 4;
  Address address = 5;
  repeated string tags = 6;
  int64 updated = 7;
}
message Team { string name = 1; repeated Person members = 2; Person lead = 3; }

message Series { repeated int64 values = 1; }

message Record {
  int64 id = 1;
  string key = 2;
  bytes payload = 3;
  repeated int32 counts = 4;
  Small meta = 5;
}
message Dump { repeated Record records = 1; }
`;

type Plain = { [key: string]: unknown };

function small(i: number): Plain {
  return {
    id: 150 + i,
    name: 'protobuf-js',
    active: true,
    created: 1_700_000_000_000n + BigInt(i),
    score: 0.25,
  };
}

function person(i: number): Plain {
  return {
    name: `Person Number ${i}`,
    id: 1000 + i,
    email: `person${i}@example.com`,
    phones: [
      { number: `+1-555-010-${i}`, kind: 1 },
      { number: `+1-555-020-${i}`, kind: 2 },
    ],
    address: { street: `${i} Protocol Street`, city: 'Bufferton', zip: 90000 + i },
    tags: ['alpha', 'beta', `tag-${i}`],
    updated: 1_700_000_000_000n + BigInt(i),
  };
}

/** One message shape to measure: its type and a value built from plain objects (64-bit as bigint). */
export interface BenchMessage {
  name: string;
  type: string;
  value: Plain;
}

/** The messages measured: small (~34 B), nested, a 10,000-int64 array, and a ~6 MB message. */
export function benchMessages(): BenchMessage[] {
  const values: bigint[] = [];
  for (let i = 0; i < 10_000; i++) values.push(BigInt(i) * 7_919_000_003n - 40_000_000_000_000n);
  const records: Plain[] = [];
  const payload = new Uint8Array(64).map((_, i) => i * 3);
  for (let i = 0; i < 42_000; i++) {
    records.push({
      id: BigInt(i) * 1_000_003n,
      key: `record-key-${i.toString().padStart(9, '0')}`,
      payload,
      counts: [i, i + 1, i * 2, 300, 70_000, 1, 2, 3],
      meta: small(i),
    });
  }
  return [
    { name: 'small', type: 'wsbench.Small', value: small(0) },
    {
      name: 'nested',
      type: 'wsbench.Team',
      value: { name: 'Core', members: Array.from({ length: 10 }, (_, i) => person(i)), lead: person(99) },
    },
    { name: 'repeated', type: 'wsbench.Series', value: { values } },
    { name: 'large', type: 'wsbench.Dump', value: { records } },
  ];
}

/** bigint -> number (protobufjs silently writes 0 for a bigint; every value here is a safe integer). */
function withNumbers(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(withNumbers);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'object' && v !== null) {
    const out: Plain = {};
    for (const [k, x] of Object.entries(v)) out[k] = withNumbers(x);
    return out;
  }
  return v;
}

/** An implementation under test, prepared for one message. */
interface Contender {
  encode(): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

export const LIBRARIES = ['wirestack', 'protobufjs', '@bufbuild/protobuf'] as const;
export type Library = (typeof LIBRARIES)[number];

function descriptorSet(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-bench-'));
  try {
    writeFileSync(join(dir, 'bench.proto'), BENCH_PROTO);
    const out = join(dir, 'bench.pb');
    const r = spawnSync('protoc', [`-I${dir}`, `--descriptor_set_out=${out}`, join(dir, 'bench.proto')]);
    if (r.error) throw new Error(`protoc is needed for @bufbuild/protobuf's descriptors: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`protoc failed: ${r.stderr.toString()}`);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds each library's encoder/decoder for every message, from the same .proto text. */
export function prepareContenders(messages: BenchMessage[]): Map<string, Map<Library, Contender>> {
  const ours = ProtoSchema.fromSources({ 'bench.proto': BENCH_PROTO });
  const pbjsRoot = protobufjs.parse(BENCH_PROTO).root;
  const registry = createFileRegistry(bufFromBinary(FileDescriptorSetSchema, descriptorSet()));
  const table = new Map<string, Map<Library, Contender>>();
  for (const m of messages) {
    const type = ours.message(m.type);
    const ourMsg = type.create(m.value);
    const pbjsType = pbjsRoot.lookupType(m.type);
    const pbjsMsg = pbjsType.fromObject(withNumbers(m.value) as Plain);
    const desc = registry.getMessage(m.type) as DescMessage;
    const bufMsg = bufCreate(desc, m.value as never);
    table.set(
      m.name,
      new Map<Library, Contender>([
        ['wirestack', { encode: () => type.encode(ourMsg), decode: (b) => type.decode(b) }],
        [
          'protobufjs',
          { encode: () => pbjsType.encode(pbjsMsg).finish(), decode: (b) => pbjsType.decode(b) },
        ],
        [
          '@bufbuild/protobuf',
          { encode: () => bufToBinary(desc, bufMsg), decode: (b) => bufFromBinary(desc, b) },
        ],
      ]),
    );
  }
  return table;
}

/** Calls `fn` for about `timeMs` (at least 3 times) and returns calls per second. */
function opsPerSecond(fn: () => unknown, timeMs: number): number {
  let n = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.max(1, Math.round(timeMs * 1e6)));
  let elapsed = 0n;
  while (elapsed < budget || n < 3) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    elapsed = process.hrtime.bigint() - start;
    // Grow batches so the clock is read rarely on fast operations.
    if (elapsed < budget / 16n) batch *= 2;
  }
  return n / (Number(elapsed) / 1e9);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface BenchResult {
  message: string;
  bytes: number;
  /** Whether all three libraries wrote the same bytes for the message. */
  sameBytes: boolean;
  op: 'encode' | 'decode';
  /** Median ops/s by library. */
  opsPerSecond: Record<Library, number>;
  /** wirestack's rate over each other library's: the median of the per-run ratios. */
  ratios: { protobufjs: number; bufbuild: number };
}

export interface ProtobufBenchOptions {
  runs: number;
  timeMs: number;
  /** Message names to run (default all). */
  only?: string[];
  print?: (line: string) => void;
}

function formatRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(1);
}

/**
 * Runs the benchmark and prints one table row per message and operation; the libraries take turns
 * within each run, in a rotating order, so load on a shared machine hits them alike.
 *
 * @example
 * const rows = await runProtobufBench({ runs: 5, timeMs: 300, print: console.log });
 * rows.find((r) => r.message === 'small' && r.op === 'decode')?.opsPerSecond.wirestack;
 */
export async function runProtobufBench(options: ProtobufBenchOptions): Promise<BenchResult[]> {
  const print = options.print ?? (() => {});
  const all = benchMessages();
  const unknown = options.only?.filter((n) => !all.some((m) => m.name === n));
  if (unknown?.length)
    throw new Error(`no bench message ${unknown.join(', ')} (have ${all.map((m) => m.name).join(', ')})`);
  const messages = options.only ? all.filter((m) => options.only!.includes(m.name)) : all;
  const contenders = prepareContenders(messages);
  print(
    `Protocol Buffers: ops/s, median of ${options.runs} runs x ${options.timeMs} ms; "vs": median of the ` +
      `per-run ratios wirestack / other (node ${process.version})`,
  );
  print(
    `${'message'.padEnd(9)}${'bytes'.padStart(9)} ${'op'.padEnd(7)}${LIBRARIES.map((l) => l.padStart(20)).join('')}` +
      `${'vs pbjs'.padStart(9)}${'vs buf'.padStart(8)}`,
  );
  const results: BenchResult[] = [];
  for (const m of messages) {
    const byLib = contenders.get(m.name)!;
    const encoded = LIBRARIES.map((l) => byLib.get(l)!.encode());
    const sameBytes = encoded.every((b) => Buffer.from(b).equals(Buffer.from(encoded[0])));
    const bytes = encoded[0];
    for (const op of ['encode', 'decode'] as const) {
      const samples = new Map<Library, number[]>(LIBRARIES.map((l) => [l, []]));
      for (let run = 0; run < options.runs; run++) {
        // Rotate who goes first: each library also pays for the garbage the previous one left.
        const order = LIBRARIES.map((_, i) => LIBRARIES[(i + run) % LIBRARIES.length]);
        for (const lib of order) {
          const c = byLib.get(lib)!;
          const fn = op === 'encode' ? () => c.encode() : () => c.decode(bytes);
          samples.get(lib)!.push(opsPerSecond(fn, options.timeMs));
        }
        // Let pending I/O (the printed lines) through between runs.
        await new Promise((r) => setImmediate(r));
      }
      const rates = Object.fromEntries(LIBRARIES.map((l) => [l, median(samples.get(l)!)])) as Record<
        Library,
        number
      >;
      // Ratios are the median of per-run ratios: the two rates of one run were measured moments apart,
      // so a load swing on a shared machine moves both, where a ratio of medians would mix runs.
      const ours = samples.get('wirestack')!;
      const ratio = (lib: Library) => median(ours.map((x, i) => x / samples.get(lib)![i]));
      const vs = { protobufjs: ratio('protobufjs'), bufbuild: ratio('@bufbuild/protobuf') };
      results.push({ message: m.name, bytes: bytes.length, sameBytes, op, opsPerSecond: rates, ratios: vs });
      print(
        `${m.name.padEnd(9)}${String(bytes.length).padStart(9)} ${op.padEnd(7)}` +
          LIBRARIES.map((l) => formatRate(rates[l]).padStart(20)).join('') +
          `${`${vs.protobufjs.toFixed(2)}x`.padStart(9)}` +
          `${`${vs.bufbuild.toFixed(2)}x`.padStart(8)}` +
          (sameBytes ? '' : '  (encodings differ)'),
      );
    }
  }
  return results;
}
