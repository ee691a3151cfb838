// Bad peers against GrpcServer, spoken as raw HTTP/2 so every byte is ours to get wrong.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Http2Client } from '../../src/drivers/http2-client.js';
import {
  encodeGrpcMessage,
  GrpcError,
  GrpcServer,
  GrpcStatus,
  grpcMessagePrefix,
} from '../../src/grpc/index.js';
import { loadTestServiceSchema } from '../../src/grpc/interop/test-service.js';
import type { HeaderField, HeaderFieldInput } from '../../src/hpack/index.js';
import { startTestServer } from './server-support.js';

const schema = loadTestServiceSchema();
const SimpleRequest = schema.message('grpc.testing.SimpleRequest');
const SimpleResponse = schema.message<{ payload?: { body?: Uint8Array } }>('grpc.testing.SimpleResponse');
const UNARY = '/grpc.testing.TestService/UnaryCall';

let server: GrpcServer;
let port: number;
let client: Http2Client;

before(async () => {
  ({ server, port } = await startTestServer({
    maxReceiveMessageSize: 64 * 1024,
    maxSendMessageSize: 128 * 1024,
  }));
  client = await Http2Client.connect({ port });
});

after(async () => {
  await client.close();
  await server.close({ drainTimeoutMs: 1000 });
});

interface GrpcReply {
  httpStatus: number;
  headers: HeaderField[];
  status: number | undefined;
  message: string | undefined;
  body: Buffer;
}

const field = (fields: HeaderField[], name: string) => fields.find((f) => f.name === name)?.value;

async function call(
  c: Http2Client,
  body: Uint8Array,
  extra: HeaderFieldInput[] = [],
  path = UNARY,
  contentType = 'application/grpc',
): Promise<GrpcReply> {
  const res = await c.fetch({
    method: 'POST',
    path,
    headers: [['content-type', contentType], ['te', 'trailers'], ...extra],
    body,
  });
  // A Trailers-Only response carries the status in its one header section.
  const end = res.trailers.length > 0 ? res.trailers : res.headers;
  const s = field(end, 'grpc-status');
  return {
    httpStatus: res.status,
    headers: res.headers,
    status: s === undefined ? undefined : Number(s),
    message: field(end, 'grpc-message'),
    body: res.body,
  };
}

const request = (responseSize: number, extra: object = {}) =>
  encodeGrpcMessage(SimpleRequest.encode({ responseSize, ...extra }));

test('a well-formed raw request gets headers, one message and grpc-status 0 in trailers', async () => {
  const r = await call(client, request(10));
  assert.equal(r.httpStatus, 200);
  assert.equal(field(r.headers, 'content-type'), 'application/grpc');
  assert.equal(r.status, GrpcStatus.OK);
  assert.equal(r.body[0], 0);
  assert.equal(r.body.readUInt32BE(1), r.body.length - 5);
  assert.equal(SimpleResponse.decode(r.body.subarray(5)).payload?.body?.length, 10);
});

test('a content-type that is not application/grpc is HTTP 415', async () => {
  const r = await call(client, request(1), [], UNARY, 'application/json');
  assert.equal(r.httpStatus, 415);
  assert.equal(r.status, undefined);
});

test('attack: a length prefix over maxReceiveMessageSize is RESOURCE_EXHAUSTED before the body arrives', async () => {
  // The prefix claims 1 GiB; only 5 bytes follow. The server answers from the prefix alone.
  const body = Buffer.concat([grpcMessagePrefix(1 << 30), Buffer.alloc(5)]);
  const r = await call(client, body);
  assert.equal(r.status, GrpcStatus.RESOURCE_EXHAUSTED);
  assert.match(r.message ?? '', /larger than max/);
});

test('attack: a compressed flag with no grpc-encoding is INTERNAL', async () => {
  const r = await call(client, encodeGrpcMessage(gzipSync(SimpleRequest.encode({ responseSize: 1 })), true));
  assert.equal(r.status, GrpcStatus.INTERNAL);
});

test('an unknown grpc-encoding is UNIMPLEMENTED and lists grpc-accept-encoding', async () => {
  const r = await call(client, request(1), [['grpc-encoding', 'snappy']]);
  assert.equal(r.status, GrpcStatus.UNIMPLEMENTED);
  assert.match(field(r.headers, 'grpc-accept-encoding') ?? '', /gzip/);
});

test('attack: garbage protobuf is INTERNAL', async () => {
  const r = await call(client, encodeGrpcMessage(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)));
  assert.equal(r.status, GrpcStatus.INTERNAL);
  assert.match(r.message ?? '', /unmarshal/);
});

test('attack: a gzip bomb is RESOURCE_EXHAUSTED without inflating past the receive limit', async () => {
  const bomb = gzipSync(SimpleRequest.encode({ payload: { body: new Uint8Array(8 * 1024 * 1024) } }));
  assert.ok(bomb.length < 64 * 1024);
  const r = await call(client, encodeGrpcMessage(bomb, true), [['grpc-encoding', 'gzip']]);
  assert.equal(r.status, GrpcStatus.RESOURCE_EXHAUSTED);
});

test('attack: request metadata over maxMetadataSize (8 KiB) is RESOURCE_EXHAUSTED', async () => {
  const headers: HeaderFieldInput[] = [];
  for (let i = 0; i < 10; i++) headers.push([`x-big-${i}`, 'v'.repeat(1000)]);
  const r = await call(client, request(1), headers);
  assert.equal(r.status, GrpcStatus.RESOURCE_EXHAUSTED);
});

test('a malformed grpc-timeout is INTERNAL', async () => {
  const r = await call(client, request(1), [['grpc-timeout', 'soon']]);
  assert.equal(r.status, GrpcStatus.INTERNAL);
});

test('a response over maxSendMessageSize is RESOURCE_EXHAUSTED', async () => {
  const r = await call(client, request(200 * 1024));
  assert.equal(r.status, GrpcStatus.RESOURCE_EXHAUSTED);
});

test('two request messages on a unary rpc are INTERNAL', async () => {
  const r = await call(client, Buffer.concat([request(1), request(1)]));
  assert.equal(r.status, GrpcStatus.INTERNAL);
});

test('a request stream that ends inside a message is INTERNAL', async () => {
  const r = await call(client, request(1).subarray(0, 4));
  assert.equal(r.status, GrpcStatus.INTERNAL);
});

test('unknown service and unknown method are UNIMPLEMENTED, as trailers-only', async () => {
  const a = await call(client, request(1), [], '/no.Such/Thing');
  assert.equal(a.status, GrpcStatus.UNIMPLEMENTED);
  assert.equal(a.body.length, 0);
  const b = await call(client, request(1), [], '/grpc.testing.TestService/Nope');
  assert.equal(b.status, GrpcStatus.UNIMPLEMENTED);
  assert.match(b.message ?? '', /method/);
});

test('server compression: grpc-encoding gzip and the compressed flag on the wire when asked and accepted', async () => {
  const req = request(4096, { responseCompressed: { value: true } });
  const r = await call(client, req, [['grpc-accept-encoding', 'gzip']]);
  assert.equal(field(r.headers, 'grpc-encoding'), 'gzip');
  assert.equal(r.body[0], 1);
  assert.ok(r.body.length < 4096);
  const msg = SimpleResponse.decode(gunzipSync(r.body.subarray(5)));
  assert.equal(msg.payload?.body?.length, 4096);
  // A client that did not list gzip gets the message uncompressed.
  const plain = await call(client, req);
  assert.equal(field(plain.headers, 'grpc-encoding'), undefined);
  assert.equal(plain.body[0], 0);
});

test('a gzip-compressed request is accepted', async () => {
  const payload = gzipSync(SimpleRequest.encode({ responseSize: 3, expectCompressed: { value: true } }));
  const r = await call(client, encodeGrpcMessage(payload, true), [['grpc-encoding', 'gzip']]);
  assert.equal(r.status, GrpcStatus.OK);
});

// --- handlers of our own: errors, deadlines, cancellation, shutdown -------------------------------

const DEMO = `syntax = "proto3"; package demo;
message Req { int32 n = 1; string text = 2; }
message Res { int32 n = 1; string text = 2; }
service Demo {
  rpc Fail(Req) returns (Res);
  rpc Slow(Req) returns (stream Res);
  rpc Sum(stream Req) returns (Res);
}`;

interface Req {
  n: number;
  text: string;
}

async function demoServer(handlers: Parameters<GrpcServer['addService']>[2], options = {}) {
  const { ProtoSchema } = await import('../../src/protobuf/index.js');
  const demo = ProtoSchema.fromSources({ 'demo.proto': DEMO });
  const s = new GrpcServer(options);
  s.addService(demo, 'demo.Demo', handlers);
  const { port: p } = await s.listen({ host: '127.0.0.1', port: 0 });
  const c = await Http2Client.connect({ port: p });
  const Req = demo.message<Req>('demo.Req');
  return { s, c, enc: (r: Partial<Req>) => encodeGrpcMessage(Req.encode(r as Req)) };
}

test('a handler throwing a plain Error ends the call UNKNOWN with its message; a GrpcError keeps its status', async () => {
  const { s, c, enc } = await demoServer({
    Fail: async (req: Req) => {
      if (req.n === 1) throw new Error('boom: 100% broken');
      throw new GrpcError(GrpcStatus.NOT_FOUND, `no item ${req.n}`);
    },
  });
  const a = await call(c, enc({ n: 1 }), [], '/demo.Demo/Fail');
  assert.equal(a.status, GrpcStatus.UNKNOWN);
  assert.equal(a.message, 'boom: 100%25 broken');
  const b = await call(c, enc({ n: 7 }), [], '/demo.Demo/Fail');
  assert.equal(b.status, GrpcStatus.NOT_FOUND);
  assert.equal(b.message, 'no item 7');
  await c.close();
  await s.close({ drainTimeoutMs: 500 });
});

test('a deadline expiring mid-stream: DEADLINE_EXCEEDED in trailers after the first message, the handler signal aborts', async () => {
  let aborted: unknown;
  const { s, c, enc } = await demoServer({
    Slow: async function* (_req: Req, call: { signal: AbortSignal }) {
      yield { n: 1 };
      await new Promise<void>((resolve) => {
        call.signal.addEventListener('abort', () => {
          aborted = call.signal.reason;
          resolve();
        });
      });
      yield { n: 2 };
    },
  });
  const r = await call(c, enc({}), [['grpc-timeout', '200m']], '/demo.Demo/Slow');
  assert.equal(r.status, GrpcStatus.DEADLINE_EXCEEDED);
  assert.equal(r.body.length, 7); // one message: prefix + `08 01`
  assert.ok(aborted instanceof GrpcError && aborted.status === GrpcStatus.DEADLINE_EXCEEDED);
  await c.close();
  await s.close({ drainTimeoutMs: 500 });
});

test('a client vanishing mid-stream aborts the handler signal and the call is forgotten', async () => {
  let resolveAborted!: (reason: unknown) => void;
  const aborted = new Promise((r) => {
    resolveAborted = r;
  });
  let started!: () => void;
  const running = new Promise<void>((r) => {
    started = r;
  });
  const { s, c, enc } = await demoServer({
    Sum: async (call: AsyncIterable<Req> & { signal: AbortSignal }) => {
      call.signal.addEventListener('abort', () => resolveAborted(call.signal.reason));
      let n = 0;
      for await (const m of call) {
        n += m.n;
        started();
      }
      return { n };
    },
  });
  const stream = c.request([
    [':method', 'POST'],
    [':path', '/demo.Demo/Sum'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ]);
  stream.write(enc({ n: 1 }));
  await running;
  assert.equal(s.activeCalls, 1);
  // The TCP connection is destroyed under the stream: no RST_STREAM, no GOAWAY.
  (c as unknown as { conn: { destroy(): void } }).conn.destroy();
  const reason = await aborted;
  assert.ok(reason instanceof GrpcError && reason.status === GrpcStatus.CANCELLED);
  for (let i = 0; i < 100 && s.activeCalls > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.activeCalls, 0);
  await s.close({ drainTimeoutMs: 500 });
});

test('RST_STREAM CANCEL from the client aborts the handler signal', async () => {
  let resolveAborted!: (reason: unknown) => void;
  const aborted = new Promise((r) => {
    resolveAborted = r;
  });
  const { s, c, enc } = await demoServer({
    Sum: async (call: AsyncIterable<Req> & { signal: AbortSignal }) => {
      call.signal.addEventListener('abort', () => resolveAborted(call.signal.reason));
      for await (const _ of call);
      return {};
    },
  });
  const stream = c.request([
    [':method', 'POST'],
    [':path', '/demo.Demo/Sum'],
    ['content-type', 'application/grpc'],
  ]);
  stream.write(enc({ n: 1 }));
  await new Promise((r) => setTimeout(r, 50));
  stream.reset();
  const reason = await aborted;
  assert.ok(reason instanceof GrpcError && reason.status === GrpcStatus.CANCELLED);
  await c.close();
  await s.close({ drainTimeoutMs: 500 });
});

test('graceful shutdown: an in-flight call finishes; a hung handler is cut at the drain timeout and its signal aborts', async () => {
  let hungAborted = false;
  const { s, c, enc } = await demoServer({
    Slow: async function* (req: Req, call: { signal: AbortSignal }) {
      if (req.n === 1) {
        await new Promise((r) => setTimeout(r, 100));
        yield { n: 1 };
        return;
      }
      // Ignores everything but its signal: only the drain timeout ends it.
      await new Promise<void>((resolve) =>
        call.signal.addEventListener('abort', () => {
          hungAborted = true;
          resolve();
        }),
      );
    },
  });
  const quick = call(c, enc({ n: 1 }), [], '/demo.Demo/Slow');
  const c2 = await Http2Client.connect({ port: (s.http2.tcp.listening as { port: number }).port });
  const hung = call(c2, enc({ n: 2 }), [], '/demo.Demo/Slow').catch((e) => e);
  await new Promise((r) => setTimeout(r, 30));
  const t0 = performance.now();
  const summary = await s.close({ drainTimeoutMs: 400 });
  const took = performance.now() - t0;
  assert.equal((await quick).status, GrpcStatus.OK);
  assert.ok(took < 2000, `close took ${took} ms`);
  assert.equal(summary.cut, 1);
  await hung;
  for (let i = 0; i < 50 && !hungAborted; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(hungAborted, true);
  assert.equal(s.activeCalls, 0);
  await c.close();
});

test('attack: the interop service refuses a 2 GiB response_size before allocating it', async () => {
  const r = await call(client, request(0x7fffffff));
  assert.equal(r.status, GrpcStatus.RESOURCE_EXHAUSTED);
  const neg = await call(client, request(-1));
  assert.equal(neg.status, GrpcStatus.RESOURCE_EXHAUSTED);
});

test('a grpc-timeout beyond what a timer holds (99999999H) is a far deadline, not an instant DEADLINE_EXCEEDED', async () => {
  for (const t of ['99999999H', '9999999M', '2147484S']) {
    const r = await call(client, request(1), [['grpc-timeout', t]]);
    assert.equal(r.status, GrpcStatus.OK, `grpc-timeout ${t}: ${r.message}`);
  }
});
