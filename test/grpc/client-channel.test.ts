// GrpcChannel: lazy connect, UNAVAILABLE on failure, backoff, reconnect after GOAWAY or loss,
// keepalive pings; and the Http2Client hooks it relies on (onGoAway, onClose, ping, destroy).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Http2Client } from '../../src/drivers/http2-client.js';
import { createHttp2Server, type Http2ServerStream } from '../../src/drivers/http2-server.js';
import { GrpcChannel, parseTarget } from '../../src/grpc/channel.js';
import { unaryCall } from '../../src/grpc/client.js';
import type { MethodDefinition } from '../../src/grpc/client-call.js';
import { GrpcError } from '../../src/grpc/errors.js';
import { encodeGrpcMessage } from '../../src/grpc/message-framing.js';
import { GrpcStatus } from '../../src/grpc/status.js';

const raw = { encode: (m: Uint8Array) => m, decode: (b: Uint8Array) => Uint8Array.from(b) };
const unary: MethodDefinition<Uint8Array, Uint8Array> = {
  path: '/test.Svc/Unary',
  requestCodec: raw,
  responseCodec: raw,
  clientStreaming: false,
  serverStreaming: false,
};

function okServer() {
  return createHttp2Server((s: Http2ServerStream) => {
    s.onEnd = () => {
      s.respond([
        [':status', '200'],
        ['content-type', 'application/grpc'],
      ]);
      s.write(encodeGrpcMessage(Buffer.from('ok')));
      s.sendTrailers([['grpc-status', '0']]);
    };
  });
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function status(p: Promise<unknown>): Promise<GrpcStatus> {
  try {
    await p;
    return GrpcStatus.OK;
  } catch (e) {
    assert.ok(e instanceof GrpcError, String(e));
    return e.status;
  }
}

test('parseTarget reads host:port, [v6]:port and a bare port', () => {
  assert.deepEqual(parseTarget('127.0.0.1:50051'), { host: '127.0.0.1', port: 50051 });
  assert.deepEqual(parseTarget('localhost:1'), { host: '127.0.0.1', port: 1 });
  assert.deepEqual(parseTarget('[::1]:8080'), { host: '::1', port: 8080 });
  assert.deepEqual(parseTarget('9000'), { host: '127.0.0.1', port: 9000 });
  assert.throws(() => parseTarget('host'), RangeError);
  assert.throws(() => parseTarget('h:70000'), RangeError);
});

test('the channel connects lazily, on the first call', async () => {
  const server = okServer();
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const channel = new GrpcChannel(`127.0.0.1:${port}`);
  assert.equal(channel.state, 'IDLE');
  assert.equal(channel.connectAttempts, 0);
  assert.equal(Buffer.from(await unaryCall(channel, unary, Buffer.from('x'))).toString(), 'ok');
  assert.equal(channel.state, 'READY');
  await Promise.all([1, 2, 3].map(() => unaryCall(channel, unary, Buffer.from('x'))));
  assert.equal(channel.connectAttempts, 1);
  await channel.close();
  assert.equal(channel.state, 'SHUTDOWN');
  assert.equal(await status(unaryCall(channel, unary, Buffer.from('x'))), GrpcStatus.UNAVAILABLE);
  await server.close();
});

test('connection refused is UNAVAILABLE; calls fail fast during backoff, then it reconnects', async () => {
  const port = await freePort();
  const channel = new GrpcChannel(`127.0.0.1:${port}`, { initialBackoffMs: 300, backoffJitter: 0 });
  assert.equal(await status(unaryCall(channel, unary, Buffer.from('x'))), GrpcStatus.UNAVAILABLE);
  assert.equal(channel.state, 'TRANSIENT_FAILURE');
  // Within the backoff delay no new connect is attempted.
  assert.equal(await status(unaryCall(channel, unary, Buffer.from('x'))), GrpcStatus.UNAVAILABLE);
  assert.equal(channel.connectAttempts, 1);
  const server = okServer();
  await server.listen({ host: '127.0.0.1', port });
  // waitForReady waits out the delay instead of failing.
  const t0 = performance.now();
  assert.equal(
    await status(unaryCall(channel, unary, Buffer.from('x'), { waitForReady: true })),
    GrpcStatus.OK,
  );
  assert.ok(performance.now() - t0 > 100, 'the backoff delay was respected');
  assert.equal(channel.connectAttempts, 2);
  await channel.close();
  await server.close();
});

test('backoff grows by the multiplier up to the maximum', async () => {
  const port = await freePort();
  const channel = new GrpcChannel(`127.0.0.1:${port}`, {
    initialBackoffMs: 20,
    backoffMultiplier: 3,
    maxBackoffMs: 70,
    backoffJitter: 0,
  });
  const gaps: number[] = [];
  let last = performance.now();
  for (let i = 0; i < 4; i++) {
    const before = channel.connectAttempts;
    while (channel.connectAttempts === before) {
      await status(unaryCall(channel, unary, Buffer.from('x')));
      if (channel.connectAttempts === before) await new Promise((r) => setTimeout(r, 2));
    }
    const now = performance.now();
    if (i > 0) gaps.push(now - last);
    last = now;
  }
  // 20, 60, then capped at 70 ms instead of 180 (each measured gap is at least the delay).
  assert.ok(gaps[0] >= 19, `gaps ${gaps}`);
  assert.ok(gaps[1] >= 59, `gaps ${gaps}`);
  assert.ok(gaps[2] >= 69 && gaps[2] < 150, `gaps ${gaps}`);
  await channel.close();
});

test('after the server sends GOAWAY, the next call opens a new connection', async () => {
  const server = okServer();
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const channel = new GrpcChannel(`127.0.0.1:${port}`);
  await unaryCall(channel, unary, Buffer.from('x'));
  const closing = server.close({ drainTimeoutMs: 1000 });
  await closing;
  const server2 = okServer();
  await server2.listen({ host: '127.0.0.1', port });
  assert.equal(
    await status(unaryCall(channel, unary, Buffer.from('x'), { waitForReady: true })),
    GrpcStatus.OK,
  );
  assert.equal(channel.connectAttempts, 2);
  await channel.close();
  await server2.close();
});

test('a peer that never sends SETTINGS fails the connect after connectTimeoutMs', async () => {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((sock) => {
    sockets.push(sock);
    sock.resume();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  const channel = new GrpcChannel(`127.0.0.1:${port}`, { connectTimeoutMs: 100 });
  const err = await unaryCall(channel, unary, Buffer.from('x')).catch((e: GrpcError) => e);
  assert.ok(err instanceof GrpcError);
  assert.equal(err.status, GrpcStatus.UNAVAILABLE);
  assert.match(err.details, /timed out after 100 ms/);
  await channel.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => srv.close(r));
});

test('a connection lost mid-call fails the call with UNAVAILABLE', async () => {
  const srv = net.createServer((sock) => {
    sock.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])); // SETTINGS: the connection is READY
    sock.once('data', () => setTimeout(() => sock.destroy(), 50));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  const channel = new GrpcChannel(`127.0.0.1:${port}`);
  const err = await unaryCall(channel, unary, Buffer.from('x')).catch((e: GrpcError) => e);
  assert.ok(err instanceof GrpcError);
  assert.equal(err.status, GrpcStatus.UNAVAILABLE);
  assert.match(err.details, /connection lost/);
  await channel.close();
  await new Promise((r) => srv.close(r));
});

test('keepalive: a peer that never acknowledges PING is dropped and the call fails UNAVAILABLE', async () => {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((sock) => {
    sockets.push(sock);
    // An empty SETTINGS frame (the server preface), then silence: PINGs are never acknowledged.
    sock.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
    sock.resume();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  const channel = new GrpcChannel(`127.0.0.1:${port}`, { keepaliveTimeMs: 30, keepaliveTimeoutMs: 60 });
  const t0 = performance.now();
  const err = await unaryCall(channel, unary, Buffer.from('x')).catch((e: GrpcError) => e);
  assert.ok(err instanceof GrpcError);
  assert.equal(err.status, GrpcStatus.UNAVAILABLE);
  assert.match(err.details, /keepalive/);
  assert.ok(performance.now() - t0 < 2000);
  await channel.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => srv.close(r));
});

test('keepalive pings are sent and acknowledged on a live connection', async () => {
  const server = createHttp2Server(() => {});
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const channel = new GrpcChannel(`127.0.0.1:${port}`, {
    keepaliveTimeMs: 20,
    keepaliveTimeoutMs: 500,
    keepalivePermitWithoutCalls: true,
  });
  const conn = await channel.connection();
  let pings = 0;
  const ping = conn.ping.bind(conn);
  conn.ping = () => {
    pings++;
    return ping();
  };
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(pings >= 3, `${pings} pings`);
  assert.equal(channel.state, 'READY');
  await channel.close();
  await server.close();
});

test('Http2Client: ping() resolves with the RTT, onGoAway and onClose fire, destroy() closes', async () => {
  const server = createHttp2Server(() => {});
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = await Http2Client.connect({ port });
  assert.equal(client.isUsable, true);
  const rtt = await client.ping();
  assert.ok(rtt >= 0 && rtt < 1000);
  const goaway = new Promise<number>((r) => {
    client.onGoAway = (code) => r(code);
  });
  const closed = new Promise<Error | undefined>((r) => {
    client.onClose = r;
  });
  const serverClosed = server.close({ drainTimeoutMs: 500 });
  assert.equal(await goaway, 0);
  assert.equal(client.isUsable, false);
  await closed;
  await serverClosed;
  const server2 = createHttp2Server(() => {});
  const p2 = (await server2.listen({ host: '127.0.0.1', port: 0 })).port;
  const c2 = await Http2Client.connect({ port: p2 });
  const closed2 = new Promise<Error | undefined>((r) => {
    c2.onClose = r;
  });
  c2.destroy(new Error('bye'));
  await closed2;
  assert.equal(c2.failureReason?.message, 'bye');
  await server2.close();
});

test('Http2Client stream: write() returns false past the high-water mark and onDrain follows', async () => {
  let paused: Http2ServerStream | undefined;
  const server = createHttp2Server(
    (s) => {
      paused = s;
      s.pause();
    },
    { http2: { flowControl: 'fixed' } },
  );
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = await Http2Client.connect({ port });
  const s = client.request([[':method', 'POST']]);
  let writes = 0;
  while (s.write(new Uint8Array(64 * 1024))) {
    writes++;
    await new Promise((r) => setImmediate(r));
    assert.ok(writes < 1000);
  }
  const drained = new Promise<void>((r) => {
    s.onDrain = r;
  });
  paused?.resume();
  await drained;
  s.reset();
  client.destroy();
  await server.close({ drainTimeoutMs: 100 });
});

/** A server whose calls take `ms` and that allows `max` concurrent streams; reports its peak. */
async function limitedServer(max: number, ms: number) {
  let open = 0;
  let peak = 0;
  const server = createHttp2Server(
    (s) => {
      peak = Math.max(peak, ++open);
      s.onEnd = () =>
        setTimeout(() => {
          open--;
          s.respond([
            [':status', '200'],
            ['content-type', 'application/grpc'],
          ]);
          s.write(encodeGrpcMessage(Buffer.from('ok')));
          s.sendTrailers([['grpc-status', '0']]);
        }, ms);
    },
    { http2: { maxConcurrentStreams: max } },
  );
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, port, peak: () => peak };
}

test("calls beyond the peer's MAX_CONCURRENT_STREAMS wait for a slot instead of failing", async () => {
  const { server, port, peak } = await limitedServer(10, 5);
  const channel = new GrpcChannel(`127.0.0.1:${port}`);
  await unaryCall(channel, unary, Buffer.from('warm-up')); // SETTINGS known
  const results = await Promise.all(
    Array.from({ length: 150 }, () => status(unaryCall(channel, unary, Buffer.from('x')))),
  );
  assert.deepEqual(new Set(results), new Set([GrpcStatus.OK]));
  assert.ok(peak() <= 10, `peak ${peak()}`);
  assert.equal(channel.connectAttempts, 1);
  await channel.close();
  await server.close();
});

test('maxConnections: a full connection makes the channel open another', async () => {
  const { server, port, peak } = await limitedServer(5, 30);
  const channel = new GrpcChannel(`127.0.0.1:${port}`, { maxConnections: 3 });
  await unaryCall(channel, unary, Buffer.from('warm-up'));
  const results = await Promise.all(
    Array.from({ length: 15 }, () => status(unaryCall(channel, unary, Buffer.from('x')))),
  );
  assert.deepEqual(new Set(results), new Set([GrpcStatus.OK]));
  assert.equal(channel.connectAttempts, 3);
  assert.ok(peak() > 5, `peak ${peak()}: the calls did not spread over connections`);
  await channel.close();
  await server.close();
});

test('a call waiting for a stream slot still honours its deadline', async () => {
  const { server, port } = await limitedServer(1, 300);
  const channel = new GrpcChannel(`127.0.0.1:${port}`);
  await unaryCall(channel, unary, Buffer.from('warm-up'));
  const slow = unaryCall(channel, unary, Buffer.from('x'));
  const t0 = performance.now();
  assert.equal(
    await status(unaryCall(channel, unary, Buffer.from('x'), { timeoutMs: 50 })),
    GrpcStatus.DEADLINE_EXCEEDED,
  );
  assert.ok(performance.now() - t0 < 250);
  await slow;
  await channel.close();
  await server.close();
});
