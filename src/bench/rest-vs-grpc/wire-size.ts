import { execFile } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { Http1Server } from '../../drivers/http1-server.js';
import { GrpcChannel } from '../../grpc/channel.js';
import { makeClient, type ServiceClient } from '../../grpc/client.js';
import { GrpcError } from '../../grpc/errors.js';
import { encodeGrpcMessage } from '../../grpc/message-framing.js';
import { GrpcServer } from '../../grpc/server.js';
import { statusName } from '../../grpc/status.js';
import type { ProtoSchema } from '../../protobuf/index.js';
import type { TcpConnection, TcpServer } from '../../tcp/index.js';
import { BenchError } from '../errors.js';
import { CATALOGUE_CALLS, CATALOGUE_ITEMS, type UnaryMethodName } from './catalogue-calls.js';
import {
  CATALOGUE_SERVICE,
  catalogueServiceHandlers,
  loadCatalogueSchema,
} from './catalogue-grpc-service.js';
import { addCatalogueRoutes } from './catalogue-rest-routes.js';
import { CatalogueStore } from './catalogue-store.js';

/** Bytes in each direction, as the server's socket counted them. */
export interface ByteCount {
  request: number;
  response: number;
}

/** Body sizes of one call, computed exactly from the messages (no transport). */
export interface PayloadSizes {
  method: UnaryMethodName;
  /** JSON bodies (a GET has no request body). */
  json: ByteCount;
  jsonGzip: ByteCount;
  /** Protobuf messages alone. */
  proto: ByteCount;
  /** gRPC messages as sent: 5-byte prefix + message, uncompressed and gzip-compressed. */
  grpc: ByteCount;
  grpcGzip: ByteCount;
}

/** Bytes on the socket per call, measured, for one method and both protocols. */
export interface SocketSizes {
  method: UnaryMethodName;
  /** The first call on a new connection (HTTP/2 preface and SETTINGS, HPACK table still empty). */
  restFirst: ByteCount;
  grpcFirst: ByteCount;
  /** Per call once the connection is warm: (bytes after K calls - bytes after 1) / (K - 1). */
  rest: ByteCount;
  grpc: ByteCount;
}

/** Bytes and sizes of N updates delivered three ways. */
export interface StreamSizes {
  updates: number;
  /** One gRPC server-streaming call (WatchItems) on a warm connection. */
  grpcStream: ByteCount;
  /** One REST response with N JSON lines, chunked, on a new connection. */
  restChunked: ByteCount;
  /** N REST polls (GET /updates?after=K) on one keep-alive connection. */
  restPolling: ByteCount;
}

/** How each side reports the same failure. */
export interface ErrorExample {
  case: string;
  rest: string;
  grpc: string;
}

export interface WireSizeResult {
  payloads: PayloadSizes[];
  sockets: SocketSizes[];
  stream: StreamSizes;
  errors: ErrorExample[];
  /** Calls per method in the warm measurement. */
  calls: number;
  /** The curl that made the REST calls (its User-Agent is part of the request bytes). */
  curlVersion: string;
}

const encoder = new TextEncoder();
const gz = (b: Uint8Array) => gzipSync(b).byteLength;

/** JSON bodies exactly as the REST routes send them (see catalogue-rest-routes.ts). */
function restResponseJson(method: UnaryMethodName, store: CatalogueStore): string {
  switch (method) {
    case 'GetItem':
      return JSON.stringify(store.get(1));
    case 'ListItems': {
      const page = store.list(10, '');
      return JSON.stringify(page.nextPageToken === '' ? { items: page.items } : page);
    }
    case 'CreateItem':
      return JSON.stringify(store.create({ name: 'desk lamp', price: 12.5 }));
  }
}

/** Response messages the gRPC handlers return, from a store like the servers'. */
function grpcResponse(method: UnaryMethodName, store: CatalogueStore): object {
  switch (method) {
    case 'GetItem':
      return store.get(1);
    case 'ListItems':
      return store.list(10, '');
    case 'CreateItem':
      return store.create({ name: 'desk lamp', price: 12.5 });
  }
}

/**
 * Body sizes per method, computed from the messages: JSON vs protobuf, each with and without gzip
 * (zlib's default level, as gRPC's gzip encoding and a typical HTTP server use).
 */
export function payloadSizes(schema: ProtoSchema = loadCatalogueSchema()): PayloadSizes[] {
  return CATALOGUE_CALLS.map((call) => {
    const jsonReq = encoder.encode(call.rest.body ?? '');
    const jsonRes = encoder.encode(
      restResponseJson(call.method, new CatalogueStore({ items: CATALOGUE_ITEMS })),
    );
    const protoReq = schema.message(call.grpc.requestType).encode(call.grpc.request);
    const protoRes = schema
      .message(call.grpc.responseType)
      .encode(
        grpcResponse(call.method, new CatalogueStore({ items: CATALOGUE_ITEMS })) as Record<string, unknown>,
      );
    return {
      method: call.method,
      json: { request: jsonReq.byteLength, response: jsonRes.byteLength },
      jsonGzip: { request: jsonReq.byteLength === 0 ? 0 : gz(jsonReq), response: gz(jsonRes) },
      proto: { request: protoReq.byteLength, response: protoRes.byteLength },
      grpc: {
        request: encodeGrpcMessage(protoReq).byteLength,
        response: encodeGrpcMessage(protoRes).byteLength,
      },
      grpcGzip: {
        request: encodeGrpcMessage(gzipSync(protoReq), true).byteLength,
        response: encodeGrpcMessage(gzipSync(protoRes), true).byteLength,
      },
    };
  });
}

/** Counts what a TcpServer's connections read and wrote, including connections already closed. */
class SocketCounter {
  private readonly conns: TcpConnection[] = [];

  constructor(tcp: TcpServer) {
    const onConnection = tcp.onConnection;
    tcp.onConnection = (conn) => {
      this.conns.push(conn);
      onConnection(conn);
    };
  }

  /** Bytes the server read (requests) and wrote (responses) so far. */
  total(): ByteCount {
    let request = 0;
    let response = 0;
    for (const c of this.conns) {
      request += c.bytesRead;
      response += c.bytesWritten;
    }
    return { request, response };
  }
}

const minus = (a: ByteCount, b: ByteCount): ByteCount => ({
  request: a.request - b.request,
  response: a.response - b.response,
});
const per = (a: ByteCount, n: number): ByteCount => ({ request: a.request / n, response: a.response / n });

/** Run curl (on PATH, else a clear error) and return its stdout. */
export function runCurl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '--max-time', '30', ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new BenchError('ETOOLMISSING', 'cannot run curl: not on PATH (apt-get install -y curl)'));
        } else if (err)
          reject(new BenchError('ETOOLFAILED', `curl ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** curl arguments for `count` REST calls on one connection (--next keeps the connection). */
function curlCalls(base: string, rest: (typeof CATALOGUE_CALLS)[number]['rest'], count: number): string[] {
  const one =
    rest.httpMethod === 'POST'
      ? ['-H', 'content-type: application/json', '--data-raw', rest.body ?? '', `${base}${rest.path}`]
      : [`${base}${rest.path}`];
  const args: string[] = [];
  for (let i = 0; i < count; i++) args.push(...(i > 0 ? ['--next'] : []), ...one);
  return args;
}

/** What the protobuf encoder says about a request message of the wrong shape. */
function encodeError(schema: ProtoSchema, type: string, message: Record<string, unknown>): string {
  try {
    schema.message(type).encode(message);
    return 'encoded (no error)';
  } catch (err) {
    return `not sent: encoding the request throws "${(err as Error).message}" (and with generated types it does not compile)`;
  }
}

/** Lets bytes a peer sent after its last response (e.g. a WINDOW_UPDATE) reach the counter. */
const settle = () => new Promise((r) => setTimeout(r, 20));

/**
 * Bytes on the wire, measured: a REST server and a gRPC server on the same in-memory catalogue run
 * in this process on port 0 with their sockets counted; curl makes the REST calls and wirestack's
 * gRPC client the gRPC calls. Also records how each side reports two failures.
 */
export async function measureWireSizes(
  options: { calls?: number; updates?: number } = {},
): Promise<WireSizeResult> {
  const calls = Math.max(2, options.calls ?? 20);
  const updates = Math.max(1, options.updates ?? 1000);
  const schema = loadCatalogueSchema();
  const http = addCatalogueRoutes(
    new Http1Server({ idleTimeoutMs: 10_000 }),
    new CatalogueStore({ items: CATALOGUE_ITEMS }),
  );
  const grpc = new GrpcServer();
  grpc.addService(
    schema,
    CATALOGUE_SERVICE,
    catalogueServiceHandlers(new CatalogueStore({ items: CATALOGUE_ITEMS })),
  );
  const restCounter = new SocketCounter(http.tcp);
  const grpcCounter = new SocketCounter(grpc.http2.tcp);
  const channels: GrpcChannel[] = [];
  try {
    const restPort = (await http.listen({ host: '127.0.0.1', port: 0 })).port;
    const grpcPort = (await grpc.listen({ host: '127.0.0.1', port: 0 })).port;
    const base = `http://127.0.0.1:${restPort}`;
    const newClient = (): ServiceClient => {
      const channel = new GrpcChannel(`127.0.0.1:${grpcPort}`);
      channels.push(channel);
      return makeClient(schema.service(CATALOGUE_SERVICE), channel, { schema });
    };
    const curlVersion = (await runCurl(['--version'])).split(' ').slice(0, 2).join(' ');

    const sockets: SocketSizes[] = [];
    for (const call of CATALOGUE_CALLS) {
      let t0 = restCounter.total();
      await runCurl(['-o', '/dev/null', ...curlCalls(base, call.rest, 1)]);
      await settle();
      const restFirst = minus(restCounter.total(), t0);
      t0 = restCounter.total();
      await runCurl(curlCalls(base, call.rest, calls));
      await settle();
      const restAll = minus(restCounter.total(), t0);

      const client = newClient();
      const rpc = client[call.grpc.rpc[0].toLowerCase() + call.grpc.rpc.slice(1)];
      t0 = grpcCounter.total();
      await rpc(call.grpc.request);
      await settle();
      const afterFirst = grpcCounter.total();
      for (let i = 1; i < calls; i++) await rpc(call.grpc.request);
      await settle();
      sockets.push({
        method: call.method,
        restFirst,
        grpcFirst: minus(afterFirst, t0),
        rest: per(minus(restAll, restFirst), calls - 1),
        grpc: per(minus(grpcCounter.total(), afterFirst), calls - 1),
      });
    }

    // Streams: N updates by gRPC server streaming (warm connection), one chunked REST response,
    // and N REST polls on one connection.
    const client = newClient();
    await client.getItem({ id: 1 });
    await settle();
    let t0 = grpcCounter.total();
    let received = 0;
    for await (const _ of client.watchItems({ count: updates })) received++;
    await settle();
    if (received !== updates)
      throw new BenchError('EWIRESIZE', `WatchItems sent ${received} of ${updates} updates`);
    const grpcStream = minus(grpcCounter.total(), t0);
    t0 = restCounter.total();
    const lines = await runCurl([`${base}/stream?n=${updates}`]);
    await settle();
    if (lines.trim().split('\n').length !== updates)
      throw new BenchError('EWIRESIZE', 'GET /stream: wrong number of lines');
    const restChunked = minus(restCounter.total(), t0);
    t0 = restCounter.total();
    await runCurl(['-o', '/dev/null', `${base}/updates?after=[0-${updates - 1}]`]);
    await settle();
    const restPolling = minus(restCounter.total(), t0);

    const errors: ErrorExample[] = [];
    const restError = async (args: string[]) => {
      const out = await runCurl(['-i', ...args]);
      const [head, body] = out.split('\r\n\r\n');
      return `${head.split('\r\n')[0].replace(/^HTTP\/1\.1 /, '')} ${body.trim()}`;
    };
    const grpcError = async (f: () => Promise<unknown>) => {
      try {
        await f();
        return 'OK';
      } catch (err) {
        if (err instanceof GrpcError) return `${statusName(err.status)} (${err.status}): ${err.details}`;
        return `not sent: the client threw "${(err as Error).message}"`;
      }
    };
    errors.push({
      case: 'no such item',
      rest: await restError([`${base}/items/999999`]),
      grpc: await grpcError(() => client.getItem({ id: 999999 })),
    });
    errors.push({
      case: 'invalid input (empty name)',
      rest: await restError([
        '-H',
        'content-type: application/json',
        '--data-raw',
        '{"name":"","price":1}',
        `${base}/items`,
      ]),
      grpc: await grpcError(() => client.createItem({ name: '', price: 1 })),
    });
    errors.push({
      case: 'wrong type (price as a string)',
      rest: await restError([
        '-H',
        'content-type: application/json',
        '--data-raw',
        '{"name":"x","price":"1"}',
        `${base}/items`,
      ]),
      // Not sent through the client: a call whose request fails to encode is left open there.
      grpc: encodeError(schema, 'wirestack.demo.CreateItemRequest', { name: 'x', price: '1' }),
    });

    return {
      payloads: payloadSizes(schema),
      sockets,
      stream: { updates, grpcStream, restChunked, restPolling },
      errors,
      calls,
      curlVersion,
    };
  } finally {
    for (const c of channels) await c.close();
    await Promise.all([http.close({ drainTimeoutMs: 1000 }), grpc.close({ drainTimeoutMs: 1000 })]);
  }
}
