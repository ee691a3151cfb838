// gRPC's interop cases (interop-test-descriptions.md) with a stock @grpc/grpc-js client against our server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { GrpcServer } from '../../src/grpc/index.js';
import { waitFor } from '../support/processes.js';
import { startTestServer } from './server-support.js';

// biome-ignore lint/suspicious/noExplicitAny: grpc-js stubs built at run time are untyped
type Stub = any;

const definition = protoLoader.loadSync('grpc/testing/test.proto', {
  includeDirs: ['protos'],
  longs: String,
  defaults: true,
});
const pkg = grpc.loadPackageDefinition(definition) as Stub;

let server: GrpcServer;
let address: string;
let client: Stub;
let gzipClient: Stub;
let unimplemented: Stub;

before(async () => {
  ({ server, address } = await startTestServer());
  const creds = grpc.credentials.createInsecure();
  client = new pkg.grpc.testing.TestService(address, creds);
  gzipClient = new pkg.grpc.testing.TestService(address, creds, { 'grpc.default_compression_algorithm': 2 });
  unimplemented = new pkg.grpc.testing.UnimplementedService(address, creds);
});

after(async () => {
  client.close();
  gzipClient.close();
  unimplemented.close();
  await server.close({ drainTimeoutMs: 1000 });
});

const unary = (stub: Stub, method: string, req: object, options: object = {}, md = new grpc.Metadata()) =>
  new Promise<{ res: Stub; err: grpc.ServiceError | null }>((resolve) => {
    stub[method](req, md, options, (err: grpc.ServiceError | null, res: Stub) => resolve({ res, err }));
  });

const zeros = (n: number) => Buffer.alloc(n);

test('empty_unary', async () => {
  const { res, err } = await unary(client, 'emptyCall', {});
  assert.equal(err, null);
  assert.deepEqual(res, {});
});

test('large_unary: 271828 bytes in, 314159 bytes out', async () => {
  const { res, err } = await unary(client, 'unaryCall', {
    responseSize: 314159,
    payload: { body: zeros(271828) },
  });
  assert.equal(err, null);
  assert.equal(res.payload.body.length, 314159);
  assert.ok(res.payload.body.every((b: number) => b === 0));
});

test('client_streaming: 27182+8+1828+45904 aggregates to 74922', async () => {
  const res = await new Promise<Stub>((resolve, reject) => {
    const call = client.streamingInputCall((err: Error | null, r: Stub) => (err ? reject(err) : resolve(r)));
    for (const n of [27182, 8, 1828, 45904]) call.write({ payload: { body: zeros(n) } });
    call.end();
  });
  assert.equal(res.aggregatedPayloadSize, 74922);
});

test('server_streaming: 31415, 9, 2653, 58979', async () => {
  const sizes = [31415, 9, 2653, 58979];
  const call = client.streamingOutputCall({ responseParameters: sizes.map((size) => ({ size })) });
  const got: number[] = [];
  for await (const m of call) got.push(m.payload.body.length);
  assert.deepEqual(got, sizes);
});

test('ping_pong: four request/response exchanges on one bidi stream', async () => {
  const call = client.fullDuplexCall();
  const reqs = [27182, 8, 1828, 45904];
  const resps = [31415, 9, 2653, 58979];
  const it = call[Symbol.asyncIterator]();
  for (let i = 0; i < 4; i++) {
    call.write({ responseParameters: [{ size: resps[i] }], payload: { body: zeros(reqs[i]) } });
    const { value } = await it.next();
    assert.equal(value.payload.body.length, resps[i]);
  }
  call.end();
  assert.equal((await it.next()).done, true);
});

test('empty_stream: a bidi call closed at once ends OK with no responses', async () => {
  const call = client.fullDuplexCall();
  call.end();
  const got: unknown[] = [];
  for await (const m of call) got.push(m);
  assert.deepEqual(got, []);
});

test('cancel_after_begin: a client-streaming call cancelled before sending is CANCELLED', async () => {
  // Its own connection: grpc-js cancelling before the first write still sends HEADERS but never
  // RST_STREAM (and keeps the stream open on its side), so that call ends on our side only when its
  // connection closes (at server.close() here). Keep it away from the other tests' counts.
  const own = new pkg.grpc.testing.TestService(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  await unary(own, 'emptyCall', {});
  const err = await new Promise<grpc.ServiceError>((resolve) => {
    const call = own.streamingInputCall((e: grpc.ServiceError) => resolve(e));
    call.cancel();
  });
  assert.equal(err.code, grpc.status.CANCELLED);
  await new Promise((r) => setTimeout(r, 100));
  own.close();
});

test('cancel_after_first_response: cancel a bidi call after its first response', async () => {
  const before = server.activeCalls;
  const call = client.fullDuplexCall();
  const status = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
  const first = new Promise<Stub>((resolve) => call.once('data', resolve));
  call.write({ responseParameters: [{ size: 31415 }], payload: { body: zeros(27182) } });
  assert.equal((await first).payload.body.length, 31415);
  call.cancel();
  assert.equal((await status).code, grpc.status.CANCELLED);
  // The server saw the RST_STREAM: the call is gone from its books.
  await waitFor(() => server.activeCalls === before);
});

test('timeout_on_sleeping_server: a 1 ms deadline on a bidi call is DEADLINE_EXCEEDED', async () => {
  const call = client.fullDuplexCall({ deadline: Date.now() + 1 });
  const err = await new Promise<grpc.ServiceError>((resolve) => {
    call.on('error', resolve);
    call.on('data', () => {});
    call.write({ payload: { body: zeros(27182) } });
  });
  assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
});

test('timeout on the server side: a sleeping stream gets DEADLINE_EXCEEDED from our deadline', async () => {
  const call = client.streamingOutputCall(
    { responseParameters: [{ size: 1 }, { size: 1, intervalUs: 2_000_000 }] },
    { deadline: Date.now() + 300 },
  );
  const got: number[] = [];
  const err = await new Promise<grpc.ServiceError>((resolve) => {
    call.on('data', (m: Stub) => got.push(m.payload.body.length));
    call.on('error', resolve);
  });
  assert.deepEqual(got, [1]);
  assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
});

test('status_code_and_message: unary and bidi', async () => {
  const responseStatus = { code: 2, message: 'test status message' };
  const { err } = await unary(client, 'unaryCall', { responseStatus });
  assert.equal(err?.code, 2);
  assert.equal(err?.details, 'test status message');
  const call = client.fullDuplexCall();
  const e2 = await new Promise<grpc.ServiceError>((resolve) => {
    call.on('error', resolve);
    call.on('data', () => {});
    call.write({ responseStatus });
    call.end();
  });
  assert.equal(e2.code, 2);
  assert.equal(e2.details, 'test status message');
});

test('special_status_message: whitespace and Unicode survive percent-encoding', async () => {
  const message = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
  const { err } = await unary(client, 'unaryCall', { responseStatus: { code: 2, message } });
  assert.equal(err?.code, 2);
  assert.equal(err?.details, message);
});

test('custom_metadata: initial and trailing-bin echoed on unary and bidi', async () => {
  const md = new grpc.Metadata();
  md.set('x-grpc-test-echo-initial', 'test_initial_metadata_value');
  md.set('x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab]));
  const headers = new Promise<grpc.Metadata>((resolve) => {
    const call = client.unaryCall(
      { responseSize: 314159, payload: { body: zeros(271828) } },
      md,
      (err: Error | null) => assert.equal(err, null),
    );
    call.on('metadata', resolve);
    call.on('status', (s: grpc.StatusObject) =>
      assert.deepEqual(s.metadata.get('x-grpc-test-echo-trailing-bin'), [Buffer.from([0xab, 0xab, 0xab])]),
    );
  });
  assert.deepEqual((await headers).get('x-grpc-test-echo-initial'), ['test_initial_metadata_value']);

  const call = client.fullDuplexCall(md);
  const initial = new Promise<grpc.Metadata>((resolve) => call.on('metadata', resolve));
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('data', () => {});
  call.write({ responseParameters: [{ size: 314159 }], payload: { body: zeros(271828) } });
  call.end();
  assert.deepEqual((await initial).get('x-grpc-test-echo-initial'), ['test_initial_metadata_value']);
  const s = await status;
  assert.equal(s.code, grpc.status.OK);
  assert.deepEqual(s.metadata.get('x-grpc-test-echo-trailing-bin'), [Buffer.from([0xab, 0xab, 0xab])]);
});

test('unimplemented_method: TestService/UnimplementedCall', async () => {
  const { err } = await unary(client, 'unimplementedCall', {});
  assert.equal(err?.code, grpc.status.UNIMPLEMENTED);
});

test('unimplemented_service: UnimplementedService/UnimplementedCall', async () => {
  const { err } = await unary(unimplemented, 'unimplementedCall', {});
  assert.equal(err?.code, grpc.status.UNIMPLEMENTED);
});

test('client_compressed_unary: the probe fails, gzip and plain requests succeed', async () => {
  const req = { responseSize: 314159, payload: { body: zeros(271828) } };
  const probe = await unary(client, 'unaryCall', { ...req, expectCompressed: { value: true } });
  assert.equal(probe.err?.code, grpc.status.INVALID_ARGUMENT);
  const gz = await unary(gzipClient, 'unaryCall', { ...req, expectCompressed: { value: true } });
  assert.equal(gz.err, null);
  assert.equal(gz.res.payload.body.length, 314159);
  const plain = await unary(client, 'unaryCall', { ...req, expectCompressed: { value: false } });
  assert.equal(plain.err, null);
});

test('server_compressed_unary: compressed and uncompressed responses both decode', async () => {
  for (const value of [true, false]) {
    const { res, err } = await unary(client, 'unaryCall', {
      responseSize: 314159,
      payload: { body: zeros(271828) },
      responseCompressed: { value },
    });
    assert.equal(err, null);
    assert.equal(res.payload.body.length, 314159);
  }
});

test('server_compressed_streaming: compressed, then uncompressed responses', async () => {
  const call = client.streamingOutputCall({
    responseParameters: [
      { size: 31415, compressed: { value: true } },
      { size: 92653, compressed: { value: false } },
    ],
  });
  const got: number[] = [];
  for await (const m of call) got.push(m.payload.body.length);
  assert.deepEqual(got, [31415, 92653]);
});

test('half_duplex: responses only after the client half-closes', async () => {
  const call = client.halfDuplexCall();
  const got: number[] = [];
  const done = (async () => {
    for await (const m of call) got.push(m.payload.body.length);
  })();
  for (const size of [3, 4, 5]) call.write({ responseParameters: [{ size }] });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got, []);
  call.end();
  await done;
  assert.deepEqual(got, [3, 4, 5]);
});
