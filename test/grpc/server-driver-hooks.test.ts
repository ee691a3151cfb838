// The HTTP/2 server driver changes the gRPC server needed: finished streams are forgotten, replies
// made in one turn go out in one write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Http2Client } from '../../src/drivers/http2-client.js';
import { createHttp2Server } from '../../src/drivers/http2-server.js';

test('attack: many finished streams on one long connection are forgotten, not kept until disconnect', async () => {
  let resets = 0;
  const server = createHttp2Server((s) => {
    s.onReset = () => {
      resets++;
    };
    s.onEnd = () => {
      s.respond([[':status', '200']]);
      s.write(Uint8Array.of(1));
      s.sendTrailers([['x-done', '1']]);
    };
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = await Http2Client.connect({ port });
  for (let i = 0; i < 200; i++) {
    const r = await client.fetch({ method: 'POST', path: '/', body: Uint8Array.of(i & 0xff) });
    assert.equal(r.status, 200);
  }
  // The connection dies without a GOAWAY: only open streams would be reset.
  (client as unknown as { conn: { destroy(): void } }).conn.destroy();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(resets, 0);
  await server.close({ drainTimeoutMs: 200 });
});

test('respond + write + sendTrailers in one turn leave in one socket write', async () => {
  const server = createHttp2Server((s) => {
    s.onEnd = () => {
      s.respond([[':status', '200']]);
      s.write(Uint8Array.of(1, 2, 3));
      s.sendTrailers([['x-done', '1']]);
    };
  });
  let writes = 0;
  const accept = server.tcp.onConnection;
  server.tcp.onConnection = (conn) => {
    const writev = conn.writev.bind(conn);
    conn.writev = (chunks) => {
      writes++;
      return writev(chunks);
    };
    accept(conn);
  };
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = await Http2Client.connect({ port });
  await client.fetch({ method: 'POST', path: '/', body: Uint8Array.of(0) });
  await new Promise((r) => setTimeout(r, 50));
  const before = writes;
  await client.fetch({ method: 'POST', path: '/', body: Uint8Array.of(0) });
  await new Promise((r) => setTimeout(r, 50));
  // One write for HEADERS + DATA + trailers (plus at most one for WINDOW_UPDATEs).
  assert.ok(writes - before <= 2, `${writes - before} writes for one reply`);
  await client.close();
  await server.close({ drainTimeoutMs: 200 });
});
