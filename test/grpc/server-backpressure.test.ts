// Per-message backpressure: a handler that is behind stops the flow-control window, so a fast
// client waits instead of the server buffering its whole stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Http2Client } from '../../src/drivers/http2-client.js';
import { encodeGrpcMessage, GrpcServer, type ServerCall } from '../../src/grpc/index.js';
import { ProtoSchema } from '../../src/protobuf/index.js';
import { waitFor, waitForSteady } from '../support/processes.js';

const schema = ProtoSchema.fromSources({
  'sink.proto': `syntax = "proto3"; package sink;
    message Chunk { bytes data = 1; }
    message Total { int64 bytes = 1; int32 chunks = 2; }
    service Sink { rpc Put(stream Chunk) returns (Total); rpc Get(Total) returns (stream Chunk); }`,
});
const Chunk = schema.message<{ data: Uint8Array }>('sink.Chunk');
const Total = schema.message<{ bytes: bigint; chunks: number }>('sink.Total');

test('attack: a client streaming faster than the handler reads is held by flow control, not buffered', async (t) => {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const server = new GrpcServer({ http2: { flowControl: 'fixed' } });
  server.addService(schema, 'sink.Sink', {
    Put: async (call: ServerCall<{ data: Uint8Array }>) => {
      await gate;
      let bytes = 0;
      let chunks = 0;
      for await (const m of call) {
        bytes += m.data.length;
        chunks++;
      }
      return { bytes: BigInt(bytes), chunks };
    },
    Get: async () => {},
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close({ drainTimeoutMs: 500 }));
  const client = await Http2Client.connect({ port });
  t.after(() => client.close());
  const s = client.request([
    [':method', 'POST'],
    [':path', '/sink.Sink/Put'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ]);
  const chunk = encodeGrpcMessage(Chunk.encode({ data: new Uint8Array(64 * 1024) }));
  const N = 64; // 4 MiB: four times the 1 MiB window
  for (let i = 0; i < N; i++) s.write(chunk);
  const body: Uint8Array[] = [];
  const trailers = new Promise<string | undefined>((resolve) => {
    s.onData = (d) => body.push(d);
    s.onTrailers = (t) => resolve(t.find((f) => f.name === 'grpc-status')?.value);
  });
  s.end();
  // The server takes at most its window plus the few queued messages; the rest waits on our side.
  const waiting = await waitForSteady(() => client.h2.bufferedAmount(s.streamId), 200, 10_000);
  assert.ok(waiting > 2 * 1024 * 1024, `only ${waiting} bytes held back by the client`);
  open();
  assert.equal(await trailers, '0');
  const total = Total.decode(Buffer.concat(body).subarray(5));
  assert.equal(total.chunks, N);
  assert.equal(Number(total.bytes), N * 64 * 1024);
});

test('a slow reader: server-streaming writes wait for the client, memory stays bounded', async (t) => {
  let written = 0;
  const server = new GrpcServer({ http2: { flowControl: 'fixed' } });
  server.addService(schema, 'sink.Sink', {
    Put: async () => ({}),
    Get: async (_req: object, call: ServerCall<object, { data: Uint8Array }>) => {
      const data = new Uint8Array(64 * 1024);
      for (let i = 0; i < 256 && !call.signal.aborted; i++) {
        await call.write({ data });
        written++;
      }
    },
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close({ drainTimeoutMs: 500 }));
  // A client with a 64 KiB window that never returns it: it reads nothing.
  const client = await Http2Client.connect({
    port,
    http2: { flowControl: 'fixed', initialWindowSize: 65535 },
  });
  t.after(() => client.close());
  client.h2.acknowledgeReceivedData = () => {};
  const s = client.request([
    [':method', 'POST'],
    [':path', '/sink.Sink/Get'],
    ['content-type', 'application/grpc'],
  ]);
  s.onData = () => {};
  s.end(encodeGrpcMessage(Total.encode({ bytes: 0n, chunks: 0 })));
  await waitFor(() => written > 0, 10_000, 'the first response write');
  // Not 256 messages (16 MiB) queued in the server: the writer waits on onDrain.
  const settled = await waitForSteady(() => written, 200, 10_000);
  assert.ok(settled < 16, `${settled} messages written while the client read nothing`);
  s.reset();
});
