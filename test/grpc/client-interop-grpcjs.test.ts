// Our client against a stock @grpc/grpc-js server: every interop case of issue 8.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GrpcChannel } from '../../src/grpc/channel.js';
import { INTEROP_CASE_NAMES, INTEROP_CASES, interopContext } from '../../src/grpc/interop/test-client.js';
import { loadProtoSchema } from '../../src/protobuf/index.js';
import { type GrpcJsTestServer, startGrpcJsTestServer } from './client-grpcjs-server.js';

const schema = loadProtoSchema(['grpc/testing/test.proto'], { includePaths: ['protos'] });
let server: GrpcJsTestServer;
let channel: GrpcChannel;

before(async () => {
  server = await startGrpcJsTestServer();
  channel = new GrpcChannel(`127.0.0.1:${server.port}`);
});

after(async () => {
  await channel.close();
  await server.close();
});

test('the interop case list is the one issue 8 names', () => {
  assert.deepEqual([...INTEROP_CASE_NAMES].sort(), [
    'cancel_after_begin',
    'cancel_after_first_response',
    'client_compressed_unary',
    'client_streaming',
    'custom_metadata',
    'empty_stream',
    'empty_unary',
    'large_unary',
    'ping_pong',
    'server_compressed_unary',
    'server_streaming',
    'special_status_message',
    'status_code_and_message',
    'timeout_on_sleeping_server',
    'unimplemented_method',
    'unimplemented_service',
  ]);
});

// grpc-js servers cannot compress responses (grpc-node#1823: server-interceptors.js always writes
// a Compressed-Flag of 0), so server_compressed_unary runs against python grpcio
// (client-interop-grpcio.test.ts); here we check we read grpc-js's uncompressed answer correctly.
const GRPC_JS_CANNOT = new Set(['server_compressed_unary']);

for (const name of INTEROP_CASE_NAMES.filter((n) => !GRPC_JS_CANNOT.has(n))) {
  test(`interop ${name}: our client → grpc-js server`, async () => {
    await INTEROP_CASES[name](interopContext(channel, schema));
  });
}

test('server_compressed_unary against grpc-js: its uncompressed answer is read and seen as uncompressed', async () => {
  const { testService } = interopContext(channel, schema);
  const p = testService.unaryCall({
    responseSize: 314159,
    payload: { body: new Uint8Array(271828) },
    responseCompressed: { value: true },
  });
  const res = await p;
  assert.equal(res.payload.body.length, 314159);
  assert.equal(p.call.compressedMessagesReceived, 0);
});

test('all cases share one HTTP/2 connection', () => {
  assert.equal(channel.connectAttempts, 1);
});
