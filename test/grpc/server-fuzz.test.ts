// Random request bodies and headers never crash GrpcServer: every call ends with a gRPC status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Http2Client } from '../../src/drivers/http2-client.js';
import { encodeGrpcMessage, type GrpcServer } from '../../src/grpc/index.js';
import type { HeaderFieldInput } from '../../src/hpack/index.js';
import { startTestServer } from './server-support.js';

let server: GrpcServer;
let client: Http2Client;

before(async () => {
  let port: number;
  ({ server, port } = await startTestServer({ maxReceiveMessageSize: 64 * 1024 }));
  client = await Http2Client.connect({ port });
});

after(async () => {
  await client.close();
  await server.close({ drainTimeoutMs: 500 });
});

const METHODS = ['UnaryCall', 'StreamingInputCall', 'FullDuplexCall', 'StreamingOutputCall', 'EmptyCall'];

test('attack: random framing, protobuf, encodings and timeouts always end in a status', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...METHODS),
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }).map((b) => encodeGrpcMessage(b)),
        fc.uint8Array({ maxLength: 64 }).map((b) => encodeGrpcMessage(b, true)),
      ),
      fc.option(fc.constantFrom('gzip', 'deflate', 'identity', 'br', '')),
      fc.option(fc.constantFrom('1S', '0m', '99999999H', 'x', '5u')),
      async (method, body, encoding, timeout) => {
        const headers: HeaderFieldInput[] = [
          ['content-type', 'application/grpc'],
          ['te', 'trailers'],
        ];
        if (encoding !== null) headers.push(['grpc-encoding', encoding]);
        if (timeout !== null) headers.push(['grpc-timeout', timeout]);
        const res = await client.fetch({
          method: 'POST',
          path: `/grpc.testing.TestService/${method}`,
          headers,
          body,
        });
        const end = res.trailers.length > 0 ? res.trailers : res.headers;
        const status = end.find((f) => f.name === 'grpc-status')?.value;
        assert.match(
          status ?? '',
          /^\d+$/,
          `no grpc-status for ${method} ${Buffer.from(body).toString('hex')}`,
        );
      },
    ),
    { numRuns: 300 },
  );
  // Still serving, nothing left behind.
  const ok = await client.fetch({
    method: 'POST',
    path: '/grpc.testing.TestService/EmptyCall',
    headers: [['content-type', 'application/grpc']],
    body: encodeGrpcMessage(new Uint8Array(0)),
  });
  assert.equal(ok.trailers.find((f) => f.name === 'grpc-status')?.value, '0');
  for (let i = 0; i < 100 && server.activeCalls > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.activeCalls, 0);
});
