import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEchoServer } from '../../src/tcp/index.js';
import { connectNode, readUntilClose, sleep, waitFor } from '../support/processes.js';

test('a silent client is closed after the idle timeout; an active one is not', async () => {
  const server = createEchoServer({ idleTimeoutMs: 300 });
  const { port } = await server.listen({ port: 0 });
  try {
    const silent = await connectNode(port);
    const silentStart = Date.now();
    const silentClosed = readUntilClose(silent).then(() => Date.now() - silentStart);
    const active = await connectNode(port);
    let activeClosed = false;
    active.on('close', () => {
      activeClosed = true;
    });
    active.on('data', () => {});
    const ticker = setInterval(() => active.write('.'), 100);
    const silentAfter = await silentClosed;
    assert.ok(
      silentAfter >= 280 && silentAfter < 1000,
      `silent client closed after ${silentAfter} ms (timeout 300 ms)`,
    );
    await sleep(700);
    clearInterval(ticker);
    assert.equal(activeClosed, false, 'a client that keeps talking stays connected');
    assert.equal(server.counters.idleClosed, 1);
    active.destroy();
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});

test('the idle sweep closes at 30 s and not at 29 s (virtual clock)', async () => {
  const server = createEchoServer({ idleTimeoutMs: 30_000 });
  const { port } = await server.listen({ port: 0 });
  try {
    const client = await connectNode(port);
    const closed = readUntilClose(client);
    await waitFor(() => server.connections.size === 1, 2000, 'accept');
    const [conn] = server.connections;
    server.sweep(conn.lastActivityAt + 29_000);
    assert.equal(conn.isEnding, false, 'still open after 29 s of silence');
    server.sweep(conn.lastActivityAt + 30_001);
    assert.equal(conn.closeReason, 'idle-timeout');
    await closed;
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});

test('heartbeat: a peer that answers stays, a peer that does not is closed', async () => {
  const server = createEchoServer({ idleTimeoutMs: 0, heartbeatIntervalMs: 200 });
  const { port } = await server.listen({ port: 0 });
  try {
    const answering = await connectNode(port);
    let probes = 0;
    let answeringClosed = false;
    answering.on('data', (d) => {
      if (d.toString().includes('PING')) {
        probes++;
        answering.write('PONG\r\n');
      }
    });
    answering.on('close', () => {
      answeringClosed = true;
    });

    const mute = await connectNode(port);
    let muteGot = '';
    mute.on('data', (d) => {
      muteGot += d.toString();
    });
    const muteStart = Date.now();
    const muteClosed = new Promise<number>((r) => mute.on('close', () => r(Date.now() - muteStart)));
    const after = await muteClosed;
    assert.equal(muteGot, 'PING\r\n', 'the mute peer was probed once');
    assert.ok(after >= 380 && after < 1500, `mute peer closed after ${after} ms (2 x 200 ms)`);
    await sleep(600);
    assert.ok(probes >= 2, `the answering peer was probed (${probes} times)`);
    assert.equal(answeringClosed, false, 'a peer that answers heartbeats stays connected');
    assert.equal(server.counters.heartbeatClosed, 1);
    answering.destroy();
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});
