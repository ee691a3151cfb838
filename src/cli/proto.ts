import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { generateTypeScript, loadProtoSchema, type ProtoSchema } from '../protobuf/index.js';
import { intOption, secondsOption, UsageError } from './args.js';

export const PROTO_HELP = `Usage: wirestack proto <subcommand> [options]

Protocol Buffers from .proto text, no protoc needed.

Subcommands:
  encode    JSON (proto3 JSON mapping) on stdin -> binary message on stdout
  decode    binary message on stdin -> JSON on stdout
  gen       generate TypeScript types, typed codecs and service interfaces
  bench     encode/decode ops/s: wirestack vs protobufjs vs @bufbuild/protobuf

Run \`wirestack proto <subcommand> --help\` for its options.
`;

const ENCODE_HELP = `Usage: wirestack proto encode --proto FILE --type NAME [-I DIR]... < msg.json > msg.bin

Reads one message as proto3 JSON from stdin and writes its binary encoding to stdout.

Options:
  --proto FILE        .proto file defining the type (repeatable)
  --type NAME         fully-qualified message type, e.g. pkg.Msg
  -I, --proto_path DIR  directory searched for the files and their imports (repeatable; default .)
  --ignore-unknown    skip JSON keys that name no field instead of failing
  -h, --help          show this help
`;

const DECODE_HELP = `Usage: wirestack proto decode --proto FILE --type NAME [-I DIR]... < msg.bin > msg.json

Reads one binary message from stdin and writes it as proto3 JSON to stdout.

Options:
  --proto FILE        .proto file defining the type (repeatable)
  --type NAME         fully-qualified message type, e.g. pkg.Msg
  -I, --proto_path DIR  directory searched for the files and their imports (repeatable; default .)
  --emit-defaults     also write fields that hold their default value
  --enums-as-numbers  write enum values as numbers instead of names
  --proto-names       use the .proto field names instead of lowerCamelCase
  -h, --help          show this help
`;

const GEN_HELP = `Usage: wirestack proto gen FILE.proto... [-I DIR]... --out DIR

Writes one TypeScript module per file (a/b.proto -> DIR/a/b.ts) with:
  - an interface per message (64-bit integers as bigint, bytes as Uint8Array, maps as Map,
    oneof members as optional properties of which the type allows at most one),
  - a const object and union type per enum,
  - a typed MessageType per message (encode, decode, toJson, fromJson, create),
  - an interface and a method table (gRPC paths, types, streaming) per service.
The module embeds its .proto sources and imports the runtime from wirestack/protobuf.

Options:
  --out DIR           output directory (created if missing)
  -I, --proto_path DIR  directory searched for the files and their imports (repeatable; default .)
  --runtime MODULE    module to import the runtime from (default wirestack/protobuf)
  -h, --help          show this help
`;

const BENCH_HELP = `Usage: wirestack proto bench [options]

Encode and decode ops/s of wirestack, protobufjs and @bufbuild/protobuf on the same messages (small,
nested, large repeated, ~6 MB), side by side, median of several runs. Needs protoc on PATH (for
@bufbuild/protobuf's descriptor set).

Options:
  --runs N            runs per measurement; the median is reported (default 5)
  --time S            seconds per run (default 0.3)
  --only NAMES        comma-separated message names to run (small,nested,repeated,large)
  -h, --help          show this help
`;

type Values = Record<string, string | boolean | string[] | undefined>;

function parseOptions(
  argv: string[],
  options: ParseArgsConfig['options'],
  positionals = false,
): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: positionals, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

const SCHEMA_OPTIONS = {
  proto: { type: 'string', multiple: true },
  type: { type: 'string' },
  proto_path: { type: 'string', short: 'I', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

function includePaths(values: Values): string[] {
  const dirs = values.proto_path as string[] | undefined;
  return dirs && dirs.length > 0 ? dirs : ['.'];
}

function requireString(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function loadFromOptions(values: Values): ProtoSchema {
  const files = values.proto as string[] | undefined;
  if (!files || files.length === 0) throw new UsageError('--proto is required');
  return loadProtoSchema(files, { includePaths: includePaths(values) });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function writeStdout(data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

async function runEncode(argv: string[]): Promise<void> {
  const { values } = parseOptions(argv, { ...SCHEMA_OPTIONS, 'ignore-unknown': { type: 'boolean' } });
  if (values.help) return writeStdout(ENCODE_HELP);
  const typeName = requireString(values, 'type');
  const type = loadFromOptions(values).message(typeName);
  const text = (await readStdin()).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`stdin is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const msg = type.fromJson(json, { ignoreUnknownFields: values['ignore-unknown'] === true });
  await writeStdout(type.encode(msg));
}

async function runDecode(argv: string[]): Promise<void> {
  const { values } = parseOptions(argv, {
    ...SCHEMA_OPTIONS,
    'emit-defaults': { type: 'boolean' },
    'enums-as-numbers': { type: 'boolean' },
    'proto-names': { type: 'boolean' },
  });
  if (values.help) return writeStdout(DECODE_HELP);
  const typeName = requireString(values, 'type');
  const type = loadFromOptions(values).message(typeName);
  const bytes = await readStdin();
  const msg = type.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const json = type.toJson(msg, {
    emitDefaults: values['emit-defaults'] === true,
    enumsAsNumbers: values['enums-as-numbers'] === true,
    useProtoNames: values['proto-names'] === true,
  });
  await writeStdout(`${JSON.stringify(json, null, 2)}\n`);
}

/**
 * The name protoc gives a file on the command line: its path relative to the first include directory
 * that holds it (the same rule ProtoSchema.load follows).
 */
function importName(path: string, dirs: readonly string[]): string {
  const clean = path.replace(/^\.\//, '');
  for (const dir of dirs) {
    const prefix = dir === '' || dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`;
    const name = prefix && clean.startsWith(prefix) ? clean.slice(prefix.length) : clean;
    if (existsSync(prefix ? join(dir, name) : name)) return name;
  }
  return path;
}

async function runGen(argv: string[]): Promise<void> {
  const { values, positionals } = parseOptions(
    argv,
    {
      proto_path: { type: 'string', short: 'I', multiple: true },
      out: { type: 'string' },
      runtime: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) return writeStdout(GEN_HELP);
  if (positionals.length === 0) throw new UsageError('give at least one .proto file');
  const out = requireString(values, 'out');
  const dirs = includePaths(values);
  const schema = loadProtoSchema(positionals, { includePaths: dirs });
  // The same search loadProtoSchema does, to embed each loaded file's text in the output.
  const searched = [...dirs, '/usr/include'];
  const readSource = (name: string): string | undefined => {
    for (const dir of searched) {
      const p = dir === '' || dir === '.' ? name : join(dir, name);
      if (existsSync(p)) return readFileSync(p, 'utf8');
    }
    return existsSync(name) ? readFileSync(name, 'utf8') : undefined;
  };
  const runtime = typeof values.runtime === 'string' ? values.runtime : undefined;
  for (const path of positionals) {
    const name = importName(path, dirs);
    const source = generateTypeScript(schema, name, { readSource, runtimeImport: runtime });
    // A file outside every include directory (an absolute or ../ path) is written under its base name.
    const relative = isAbsolute(name) || name.split('/').includes('..') ? basename(name) : name;
    const target = join(out, `${relative.replace(/\.proto$/, '')}.ts`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, source);
    process.stderr.write(`wrote ${target}\n`);
  }
}

async function runBenchCommand(argv: string[]): Promise<void> {
  const { values } = parseOptions(argv, {
    runs: { type: 'string' },
    time: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return writeStdout(BENCH_HELP);
  const v = values as Record<string, string | boolean | undefined>;
  const only = typeof values.only === 'string' ? values.only.split(',').filter(Boolean) : undefined;
  // Loaded here, not at the top: it needs protobufjs and @bufbuild/protobuf, which are dev dependencies
  // an installed wirestack does not have, and encode/decode/gen must work without them.
  const { runProtobufBench } = await import('../bench/protobuf-bench.js');
  await runProtobufBench({
    runs: intOption(v, 'runs', 5, 1, 101),
    timeMs: secondsOption(v, 'time', 300),
    only,
    print: (line) => process.stdout.write(`${line}\n`),
  });
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  encode: runEncode,
  decode: runDecode,
  gen: runGen,
  bench: runBenchCommand,
};

export async function runProto(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    return writeStdout(PROTO_HELP);
  }
  const sub = SUBCOMMANDS[name];
  if (!sub)
    throw new UsageError(`unknown proto subcommand ${JSON.stringify(name)} (encode, decode, gen, bench)`);
  await sub(rest);
}
