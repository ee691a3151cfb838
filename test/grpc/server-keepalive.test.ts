// Keepalive enforcement and connection lifetime, seen by a stock grpc-js client.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PingStrikePolicy } from '../../src/drivers/keepalive-policy.js';
import type { GrpcServerOptions } from '../../src/grpc/index.js';
import { startTestServer } from './server-support.js';

// biome-ignore lint/suspicious/noExplicitAny: grpc-js stubs built at run time are untyped
type Stub = any;
const pkg = grpc.loadPackageDefinition(
  protoLoader.loadSync('grpc/testing/test.proto', { includeDirs: ['protos'] }),
) as Stub;

const emptyCall = (client: Stub) =>
  new Promise<grpc.ServiceError | null>((resolve) =>
    client.emptyCall({}, (err: grpc.ServiceError | null) => resolve(err)),
  );

async function withServer(
  options: GrpcServerOptions,
  run: (address: string, stats: () => Record<string, number>) => Promise<void>,
) {
  const { server, address } = await startTestServer(options);
  try {
    await run(address, () => server.http2.stats());
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
}

test('PingStrikePolicy: pings after sent data are free; early pings strike; the third strike is too_many_pings', () => {
  const p = new PingStrikePolicy({ minPingIntervalMs: 1000 });
  assert.equal(p.onPing(0, 1), 'ok');
  assert.equal(p.onPing(10, 1), 'strike');
  p.onFrameSent();
  assert.equal(p.onPing(20, 1), 'ok'); // a BDP probe after data, and strikes start over
  assert.equal(p.onPing(30, 1), 'strike');
  assert.equal(p.onPing(40, 1), 'strike');
  assert.equal(p.onPing(50, 1), 'too_many_pings');
  const idle = new PingStrikePolicy({ minPingIntervalMs: 1000 });
  assert.equal(idle.onPing(0, 0), 'ok');
  assert.equal(idle.onPing(5000, 0), 'strike'); // no stream open: the 2-hour rule
  assert.equal(
    new PingStrikePolicy({ minPingIntervalMs: 1000, permitWithoutStream: true }).onPing(0, 0),
    'ok',
  );
});

test('attack: a client pinging every 50 ms gets GOAWAY too_many_pings, and calls still work after', async () => {
  await withServer(
    { keepalive: { minPingIntervalMs: 1000, permitWithoutStream: true } },
    async (address, stats) => {
      const client = new pkg.grpc.testing.TestService(address, grpc.credentials.createInsecure(), {
        'grpc.keepalive_time_ms': 50,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.use_local_subchannel_pool': 1,
      });
      assert.equal(await emptyCall(client), null);
      for (let i = 0; i < 100 && !(stats().too_many_pings > 0); i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok(stats().too_many_pings >= 1, JSON.stringify(stats()));
      assert.equal(await emptyCall(client), null);
      client.close();
    },
  );
});

test('max connection age: a graceful GOAWAY, the client reconnects, no call fails', async () => {
  await withServer({ keepalive: { maxConnectionAgeMs: 150 } }, async (address, stats) => {
    const client = new pkg.grpc.testing.TestService(address, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    const end = Date.now() + 800;
    let calls = 0;
    while (Date.now() < end) {
      assert.equal(await emptyCall(client), null);
      calls++;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(stats().max_connection_age >= 2, JSON.stringify(stats()));
    assert.ok(calls > 10);
    client.close();
  });
});

test('max connection idle: a quiet connection gets a graceful GOAWAY; the next call reconnects', async () => {
  await withServer({ keepalive: { maxConnectionIdleMs: 150 } }, async (address, stats) => {
    const client = new pkg.grpc.testing.TestService(address, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    assert.equal(await emptyCall(client), null);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(stats().max_connection_idle, 1);
    assert.equal(await emptyCall(client), null);
    client.close();
  });
});

test('GrpcServer turns the TCP byte-level idle timeout off: a quiet Watch or slow handler is not cut', async () => {
  const { server } = await startTestServer();
  assert.equal(server.http2.tcp.idleTimeoutMs, 0);
  await server.close({ drainTimeoutMs: 100 });
  const explicit = await startTestServer({ tcp: { idleTimeoutMs: 60_000 } });
  assert.equal(explicit.server.http2.tcp.idleTimeoutMs, 60_000);
  await explicit.server.close({ drainTimeoutMs: 100 });
});
