import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEchoServer } from '../../src/tcp/index.js';
import { connectNode, readBytes, readUntilClose, sleep, waitFor } from '../support/processes.js';

test('max connections 2 with backlog 1: the third client waits and is served in turn, the fourth is refused', async () => {
  const server = createEchoServer({ maxConnections: 2, backlog: 1 });
  const { port } = await server.listen({ port: 0 });
  try {
    const a = await connectNode(port);
    const b = await connectNode(port);
    a.write('a1');
    b.write('b1');
    assert.equal((await readBytes(a, 2)).toString(), 'a1');
    assert.equal((await readBytes(b, 2)).toString(), 'b1');

    const c = await connectNode(port);
    await waitFor(() => server.counters.queued === 1, 2000, 'the third client to be queued');
    let cGot = '';
    c.on('data', (d) => {
      cGot += d.toString();
    });
    c.write('c1');
    await sleep(150);
    assert.equal(cGot, '', 'a queued client is not served while both slots are busy');

    const d = await connectNode(port);
    const refused = await readUntilClose(d);
    assert.match(refused.toString(), /^ERR server busy: 2 connections and 1 queued, try again later\r\n$/);
    assert.equal(server.counters.rejected, 1);

    a.end();
    await waitFor(() => cGot === 'c1', 2000, 'the queued client to be served once a slot frees');
    assert.equal(server.counters.queued, 0);
    assert.equal(server.counters.active, 2);
    c.write('c2');
    await waitFor(() => cGot === 'c1c2', 2000, 'the promoted client to keep being served');
    b.destroy();
    c.destroy();
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});

test('queued clients are served in FIFO order', async () => {
  const server = createEchoServer({ maxConnections: 1, backlog: 3 });
  const { port } = await server.listen({ port: 0 });
  try {
    const first = await connectNode(port);
    const order: string[] = [];
    const waiting = [];
    for (const name of ['q1', 'q2', 'q3']) {
      const s = await connectNode(port);
      await waitFor(() => server.counters.queued === waiting.length + 1, 2000, `${name} to queue`);
      s.write(name);
      s.on('data', () => {
        order.push(name);
        s.end();
      });
      waiting.push(s);
    }
    first.end();
    await waitFor(() => order.length === 3, 3000, 'every queued client to be served');
    assert.deepEqual(order, ['q1', 'q2', 'q3']);
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});

test('a queued client that gives up leaves the queue and frees its place', async () => {
  const server = createEchoServer({ maxConnections: 1, backlog: 1 });
  const { port } = await server.listen({ port: 0 });
  try {
    const busy = await connectNode(port);
    const quitter = await connectNode(port);
    await waitFor(() => server.counters.queued === 1, 2000, 'the client to queue');
    quitter.destroy();
    await waitFor(() => server.counters.queued === 0, 2000, 'the abandoned entry to leave the queue');
    assert.equal(server.counters.queueAbandoned, 1);
    const next = await connectNode(port);
    await waitFor(() => server.counters.queued === 1, 2000, 'a new client to take the freed place');
    busy.destroy();
    next.write('hi');
    assert.equal((await readBytes(next, 2)).toString(), 'hi');
    next.destroy();
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});

test('limits are validated: nonsense values are refused with the option name', () => {
  assert.throws(() => createEchoServer({ maxConnections: 0 }), /maxConnections must be a positive number/);
  assert.throws(() => createEchoServer({ backlog: -1 }), /backlog must be zero or positive/);
  assert.throws(() => createEchoServer({ idleTimeoutMs: Number.NaN }), /idleTimeoutMs/);
});
