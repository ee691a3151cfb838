import { writeFileSync } from 'node:fs';
import {
  benchCodecs,
  benchDocuments,
  benchMsgpackrWithoutNative,
  formatCodecBench,
} from '../bench/codec-bench.js';
import {
  analyzeCompression,
  compressionReportHtml,
  formatCompressionTables,
} from '../bench/compression-analysis.js';
import {
  MsgpackDecoder,
  MsgpackEncoder,
  MsgpackExt,
  MsgpackRecord,
  MsgpackTimestamp,
} from '../codec/index.js';
import { type OptionSpec, parse, UsageError } from './args.js';

export const CODEC_HELP = `Usage: wirestack codec <encode|decode|analyze|bench> [options]

Convert between JSON text and a binary format, stdin to stdout, to inspect what goes on the wire;
measure when compression pays, and how fast the codecs are.

  encode    read JSON from stdin, write the encoded bytes to stdout
  decode    read encoded bytes from stdin, write JSON to stdout
  analyze   compression analysis: ratio and CPU per algorithm and level for JSON, MessagePack,
            random bytes and logs from 64 B to 4 MiB; total transfer time at 10 Mbit/s .. loopback
  bench     encode/decode ops/s: wirestack vs msgpackr (records off; with and without its native
            add-on) vs @msgpack/msgpack vs JSON, side by side

Options:
  --format F      msgpack (default) or json (encode, decode)
  --hex           bytes as hex text instead of raw binary (encode, decode)
  --html FILE     also write a self-contained HTML report with plots (analyze)
  --quick         fewer sizes, levels and rounds: seconds instead of minutes (analyze, bench)
  --json          results as JSON instead of a table (analyze, bench)
  --only NAME     only the candidates whose name starts with NAME (bench)
  -h, --help      show this help

Values JSON cannot hold are written as one-key objects, and read back the same way:
  {"$bin": "<hex>"}  {"$bigint": "<digits>"}  {"$float": "NaN" | "Infinity" | "-Infinity" | "-0"}
  {"$timestamp": {"sec": <n or "digits">, "nsec": <n>}}  {"$ext": <type>, "data": "<hex>"}
  {"$map": [[key, value], ...]}  (non-string keys, or an object whose only key starts with "$")

Try it: echo '{"id": 7, "tags": ["a"]}' | wirestack codec encode --hex
`;

const SPEC: OptionSpec = {
  format: { type: 'string' },
  hex: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const MEASURE_SPEC: OptionSpec = {
  html: { type: 'string' },
  quick: { type: 'boolean' },
  json: { type: 'boolean' },
  only: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

async function runAnalyze(values: Record<string, string | boolean | undefined>): Promise<void> {
  const quick = values.quick === true;
  const samples = analyzeCompression({
    quick,
    onSample: (s) => process.stderr.write(`${s.kind} ${s.size} ${s.algorithm}@${s.level}\r`),
  });
  process.stderr.write('\n');
  if (typeof values.html === 'string') {
    writeFileSync(values.html, compressionReportHtml(samples));
    process.stderr.write(`wrote ${values.html}\n`);
  }
  process.stdout.write(values.json ? `${JSON.stringify(samples)}\n` : formatCompressionTables(samples));
}

async function runBenchCodecs(values: Record<string, string | boolean | undefined>): Promise<void> {
  const quick = values.quick === true;
  const only = typeof values.only === 'string' ? [values.only] : undefined;
  const results = await benchCodecs({ quick, only });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  // msgpackr without its add-on can only be measured in a process that set the variable before import.
  const cli = process.argv[1];
  if (!only && cli) {
    for (const r of benchMsgpackrWithoutNative(cli, quick))
      if (r.candidate.includes('no native')) results.push(r);
    const order = benchDocuments().map((d) => d.name);
    results.sort((a, b) => order.indexOf(a.document) - order.indexOf(b.document));
  }
  process.stdout.write(formatCodecBench(results));
}

const TAGS = new Set(['$bin', '$bigint', '$float', '$timestamp', '$ext', '$map']);

/** A decoded value as JSON-compatible data, with the tags above for what JSON lacks. */
export function toJsonData(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return { $bigint: value.toString() };
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $float: Object.is(value, -0) ? '-0' : String(value) };
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(toJsonData);
      if (value instanceof Uint8Array) return { $bin: Buffer.from(value).toString('hex') };
      if (value instanceof MsgpackTimestamp) {
        const sec = typeof value.sec === 'bigint' ? value.sec.toString() : value.sec;
        return { $timestamp: { sec, nsec: value.nsec } };
      }
      if (value instanceof MsgpackExt)
        return { $ext: value.type, data: Buffer.from(value.data).toString('hex') };
      if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toJsonData(k), toJsonData(v)]) };
      const keys = Object.keys(value);
      const record = value as Record<string, unknown>;
      if (keys.length === 1 && keys[0].startsWith('$'))
        return { $map: [[keys[0], toJsonData(record[keys[0]])]] };
      const out: Record<string, unknown> = {};
      for (const k of keys) Object.defineProperty(out, k, { value: toJsonData(record[k]), enumerable: true });
      return out;
    }
    default:
      return value;
  }
}

const fromHexText = (text: unknown, what: string): Uint8Array => {
  if (typeof text !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(text))
    throw new UsageError(`${what} needs hex`);
  return new Uint8Array(Buffer.from(text, 'hex'));
};

/** The inverse of {@link toJsonData}: JSON data with tags to the values the encoder takes. */
export function fromJsonData(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if (Array.isArray(data)) return data.map(fromJsonData);
  const record = data as Record<string, unknown>;
  const keys = Object.keys(record);
  const tag = keys.find((k) => TAGS.has(k));
  if (tag === undefined || keys.length > (tag === '$ext' ? 2 : 1)) {
    const out = new MsgpackRecord();
    for (const k of keys) out[k] = fromJsonData(record[k]);
    return out;
  }
  const v = record[tag];
  switch (tag) {
    case '$bin':
      return fromHexText(v, '$bin');
    case '$bigint':
      if (typeof v !== 'string' || !/^-?\d+$/.test(v))
        throw new UsageError('$bigint needs a string of digits');
      return BigInt(v);
    case '$float':
      if (v === '-0') return -0;
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
      throw new UsageError('$float is one of "NaN", "Infinity", "-Infinity", "-0"');
    case '$timestamp': {
      const t = v as { sec?: unknown; nsec?: unknown };
      const sec = typeof t?.sec === 'string' ? BigInt(t.sec) : t?.sec;
      if ((typeof sec !== 'number' && typeof sec !== 'bigint') || typeof t.nsec !== 'number') {
        throw new UsageError('$timestamp needs {"sec": ..., "nsec": ...}');
      }
      return new MsgpackTimestamp(sec, t.nsec);
    }
    case '$ext':
      if (typeof v !== 'number') throw new UsageError('$ext needs a numeric type');
      return new MsgpackExt(v, fromHexText(record.data, '$ext data'));
    default: {
      if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && e.length === 2)) {
        throw new UsageError('$map needs [[key, value], ...]');
      }
      return new Map(v.map(([k, x]: unknown[]) => [fromJsonData(k), fromJsonData(x)]));
    }
  }
}

/**
 * The conversion `wirestack codec` performs, without the process around it: `input` is stdin's
 * bytes, the result is stdout's.
 */
export function convert(
  direction: 'encode' | 'decode',
  format: 'msgpack' | 'json',
  hex: boolean,
  input: Uint8Array,
): Uint8Array {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (direction === 'encode') {
    const data = fromJsonData(JSON.parse(text(input)));
    const bytes =
      format === 'msgpack'
        ? new MsgpackEncoder().encode(data)
        : new TextEncoder().encode(JSON.stringify(toJsonData(data)));
    return hex ? new TextEncoder().encode(`${Buffer.from(bytes).toString('hex')}\n`) : bytes;
  }
  const bytes = hex ? fromHexText(text(input).replace(/\s+/g, ''), '--hex input') : input;
  const value =
    format === 'msgpack'
      ? new MsgpackDecoder({ timestamp: 'object', mapType: 'object' }).decode(bytes)
      : fromJsonData(JSON.parse(text(bytes)));
  return new TextEncoder().encode(`${JSON.stringify(toJsonData(value), null, 2)}\n`);
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export async function runCodec(argv: string[]): Promise<void> {
  const [direction, ...rest] = argv;
  if (direction === '--help' || direction === '-h' || direction === undefined) {
    process.stdout.write(CODEC_HELP);
    return;
  }
  const measuring = direction === 'analyze' || direction === 'bench';
  const values = parse(rest, measuring ? MEASURE_SPEC : SPEC);
  if (values.help) {
    process.stdout.write(CODEC_HELP);
    return;
  }
  if (direction === 'analyze') return runAnalyze(values);
  if (direction === 'bench') return runBenchCodecs(values);
  if (direction !== 'encode' && direction !== 'decode') {
    throw new UsageError(
      `codec: expected encode, decode, analyze or bench, got ${JSON.stringify(direction)}`,
    );
  }
  const format = (values.format ?? 'msgpack') as string;
  if (format !== 'msgpack' && format !== 'json') {
    throw new UsageError(`--format must be msgpack or json, got ${JSON.stringify(format)}`);
  }
  const input = await readStdin();
  let output: Uint8Array;
  try {
    output = convert(direction, format, values.hex === true, input);
  } catch (err) {
    if (err instanceof SyntaxError) throw new UsageError(`stdin is not valid JSON: ${err.message}`);
    throw err;
  }
  process.stdout.write(output);
}
