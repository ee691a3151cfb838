import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { GrpcChannel } from '../grpc/channel.js';
import { methodDefinition } from '../grpc/client.js';
import { ClientCall } from '../grpc/client-call.js';
import { isSupportedEncoding } from '../grpc/compression.js';
import { INTEROP_CASE_NAMES, interopContext, runInteropCases } from '../grpc/interop/test-client.js';
import { Metadata } from '../grpc/metadata.js';
import { GrpcStatus, statusName } from '../grpc/status.js';
import type { ProtoMessage } from '../protobuf/message-shape.js';
import type { MessageType } from '../protobuf/message-type.js';
import { loadProtoSchema } from '../protobuf/proto-loader.js';
import { UsageError } from './args.js';

export const GRPC_CALL_HELP = `Usage: wirestack grpc call HOST:PORT package.Service/Method --proto FILE [options]

Call any gRPC server (h2c, no TLS) the way grpcurl does: the request is JSON in the proto3 JSON
mapping, each response message is printed as one line of JSON, the status goes to stderr.

Options:
  --proto FILE        the .proto declaring the service (repeatable)
  -I, --import DIR    where imports are looked up (repeatable; default: the .proto's folder and .)
  -d, --data JSON     the request message; "@" reads one JSON message per line from stdin (for
                      client and bidi streaming, each line is sent as it is read). Default {}
  -H, --header 'K: V' request metadata (repeatable); a key ending in -bin takes base64
  --timeout S         deadline in seconds (sent as grpc-timeout)
  --compress gzip     compress request messages (gzip or deflate)
  --emit-defaults     print fields that hold their default value
  -v, --verbose       print response headers and trailers to stderr
  -h, --help          show this help

Exit status: 0 when the call ends OK, 1 for any other gRPC status, 2 for a usage error.

Examples:
  wirestack grpc call 127.0.0.1:50051 grpc.testing.TestService/UnaryCall \\
      --proto grpc/testing/test.proto -I protos -d '{"responseSize": 3}'
  printf '{"payload":{"body":"AAA="}}\\n{}\\n' | wirestack grpc call 127.0.0.1:50051 \\
      grpc.testing.TestService/StreamingInputCall --proto protos/grpc/testing/test.proto -I protos -d @
`;

export const GRPC_INTEROP_HELP = `Usage: wirestack grpc interop --server HOST:PORT [--test-case NAME|all]

Run gRPC's interop test cases (doc/interop-test-descriptions.md) with wirestack's client against a
server implementing grpc.testing.TestService (any language's interop server, or
\`wirestack grpc serve\`). Prints PASS/FAIL per case; exit status 1 if any case failed.

Options:
  --server HOST:PORT  the interop server (also --server_host/--server_port, as gRPC's clients take)
  --test-case NAME    one case, a comma-separated list, or all (default all); also --test_case
  -h, --help          show this help

Cases: ${INTEROP_CASE_NAMES.join(', ')}
`;

/** Where a command's output goes (the process's streams when run from the CLI). */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const PROCESS_IO: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

function parseCommand(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function headerMetadata(headers: string[]): Metadata {
  const md = new Metadata();
  for (const h of headers) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`-H takes 'key: value', got ${JSON.stringify(h)}`);
    const key = h.slice(0, i).trim().toLowerCase();
    const value = h.slice(i + 1).trim();
    try {
      md.add(key, key.endsWith('-bin') ? new Uint8Array(Buffer.from(value, 'base64')) : value);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return md;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not JSON: ${(e as Error).message}`);
  }
}

/** The request messages: the -d JSON, or one per stdin line with `-d @` (stops when `stop` aborts). */
async function* requestJson(
  data: string | undefined,
  stdin: NodeJS.ReadableStream,
  stop: AbortSignal,
): AsyncGenerator<unknown> {
  if (data !== '@') {
    yield parseJson(data ?? '{}', '-d');
    return;
  }
  const lines = createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY });
  // The call can end (deadline, error status) while stdin is still open: stop reading then.
  const close = () => lines.close();
  stop.addEventListener('abort', close, { once: true });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      yield parseJson(line, `stdin line ${n}`);
    }
  } finally {
    stop.removeEventListener('abort', close);
    lines.close();
  }
}

/**
 * `wirestack grpc call`, returning the exit status instead of exiting (tests call this directly).
 *
 * @example
 * const code = await grpcCall(['127.0.0.1:50051', 'grpc.testing.TestService/EmptyCall', '--proto', 'test.proto'], io);
 */
export async function grpcCall(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    proto: { type: 'string', multiple: true },
    import: { type: 'string', short: 'I', multiple: true },
    data: { type: 'string', short: 'd' },
    header: { type: 'string', short: 'H', multiple: true },
    timeout: { type: 'string' },
    compress: { type: 'string' },
    'emit-defaults': { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(GRPC_CALL_HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('expected HOST:PORT and package.Service/Method');
  const [target, methodPath] = positionals;
  const m = /^\/?([\w.]+)[/.](\w+)$/.exec(methodPath);
  if (!m) throw new UsageError(`method must be package.Service/Method, got ${JSON.stringify(methodPath)}`);
  const [, serviceName, methodName] = m;
  const protos = (values.proto as string[] | undefined) ?? [];
  if (protos.length === 0) throw new UsageError('--proto FILE is required (the server needs no reflection)');
  const imports = (values.import as string[] | undefined) ?? [...new Set(protos.map((p) => dirname(p)))];
  const compress = values.compress as string | undefined;
  if (compress !== undefined && (!isSupportedEncoding(compress) || compress === 'identity')) {
    throw new UsageError(`--compress takes gzip or deflate, got ${JSON.stringify(compress)}`);
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new UsageError('--timeout takes seconds');
  }
  const metadata = headerMetadata((values.header as string[] | undefined) ?? []);

  const schema = loadProtoSchema(protos, { includePaths: [...imports, '.'] });
  let service: ReturnType<typeof schema.service>;
  try {
    service = schema.service(serviceName);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const method = service.methods.find((x) => x.name === methodName);
  if (!method) {
    throw new UsageError(
      `${serviceName} has no method ${methodName} (it has ${service.methods.map((x) => x.name).join(', ')})`,
    );
  }
  const def = methodDefinition(service, method, schema);
  const requestType = def.requestCodec as MessageType;
  const responseType = def.responseCodec as MessageType;

  let channel: GrpcChannel;
  try {
    channel = new GrpcChannel(target);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const call = new ClientCall<ProtoMessage, ProtoMessage>(channel, def, {
    timeoutMs,
    metadata,
    compression: compress as 'gzip' | 'deflate' | undefined,
  });
  const stopInput = new AbortController();
  void call.status.then(() => stopInput.abort());
  const sending = (async () => {
    let n = 0;
    for await (const json of requestJson(values.data as string | undefined, io.stdin, stopInput.signal)) {
      if (call.isFinished) break;
      if (n > 0 && !def.clientStreaming) throw new UsageError(`${methodName} takes one request message`);
      let msg: ProtoMessage;
      try {
        msg = requestType.fromJson(json);
      } catch (e) {
        throw new UsageError(`request ${n + 1}: ${(e as Error).message}`);
      }
      call.write(msg);
      n++;
    }
    call.end();
  })();
  sending.catch(() => call.cancel('request input failed'));

  const emitDefaults = values['emit-defaults'] === true;
  let failure: unknown;
  try {
    for await (const res of call) {
      io.stdout.write(`${JSON.stringify(responseType.toJson(res, { emitDefaults }))}\n`);
    }
  } catch {
    // The status is reported below.
  }
  try {
    await sending;
  } catch (e) {
    failure = e;
  }
  const status = await call.status;
  await channel.close();
  if (failure) throw failure;
  if (values.verbose) {
    for (const [k, v] of (await call.metadata).entries()) io.stderr.write(`header ${k}: ${show(v)}\n`);
    for (const [k, v] of status.metadata.entries()) io.stderr.write(`trailer ${k}: ${show(v)}\n`);
  }
  if (status.code === GrpcStatus.OK) {
    if (values.verbose) io.stderr.write('status: OK\n');
    return 0;
  }
  io.stderr.write(
    `status: ${statusName(status.code)} (${status.code})${status.details ? `: ${status.details}` : ''}\n`,
  );
  return 1;
}

const show = (v: string | Uint8Array) =>
  typeof v === 'string' ? v : `base64:${Buffer.from(v).toString('base64')}`;

/**
 * `wirestack grpc call HOST:PORT pkg.Service/Method --proto FILE [-d JSON|@] [-H 'k: v'] [--timeout S]`:
 * exits 1 when the call's status is not OK.
 */
export async function runGrpcCall(argv: string[]): Promise<void> {
  const code = await grpcCall(argv);
  if (code !== 0) process.exitCode = code;
}

/** The interop protos shipped with wirestack (protos/ at the package root). */
const INTEROP_PROTOS = fileURLToPath(new URL('../../../protos/', import.meta.url));

/**
 * `wirestack grpc interop`, returning the exit status.
 *
 * @example
 * const code = await grpcInterop(['--server', '127.0.0.1:50051', '--test-case', 'large_unary'], io);
 */
export async function grpcInterop(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    server: { type: 'string' },
    server_host: { type: 'string' },
    server_port: { type: 'string' },
    'test-case': { type: 'string' },
    test_case: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(GRPC_INTEROP_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const target =
    (values.server as string | undefined) ??
    (values.server_port !== undefined
      ? `${values.server_host ?? '127.0.0.1'}:${values.server_port}`
      : undefined);
  if (!target) throw new UsageError('--server HOST:PORT is required');
  const names = String(values['test-case'] ?? values.test_case ?? 'all').split(',');
  for (const n of names) {
    if (n !== 'all' && !INTEROP_CASE_NAMES.includes(n)) {
      throw new UsageError(
        `unknown test case ${JSON.stringify(n)} (known: ${INTEROP_CASE_NAMES.join(', ')})`,
      );
    }
  }
  let channel: GrpcChannel;
  try {
    channel = new GrpcChannel(target);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const schema = loadProtoSchema(['grpc/testing/test.proto'], { includePaths: [INTEROP_PROTOS, 'protos'] });
  const failed = await runInteropCases(interopContext(channel, schema), names, (name, err, ms) => {
    if (err) io.stdout.write(`FAIL ${name} (${ms.toFixed(1)} ms): ${err.message}\n`);
    else io.stdout.write(`PASS ${name} (${ms.toFixed(1)} ms)\n`);
  });
  await channel.close();
  const total = names.includes('all') ? INTEROP_CASE_NAMES.length : names.length;
  io.stdout.write(
    `${total - failed.length}/${total} passed${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`,
  );
  return failed.length > 0 ? 1 : 0;
}

/** `wirestack grpc interop --server HOST:PORT [--test-case NAME|all]`: exits 1 if a case failed. */
export async function runGrpcInterop(argv: string[]): Promise<void> {
  const code = await grpcInterop(argv);
  if (code !== 0) process.exitCode = code;
}
