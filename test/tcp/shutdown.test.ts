import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { connectNode, readUntilClose, sleep, startServerProcess, waitFor } from '../support/processes.js';

const MiB = 1024 * 1024;
const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function connectRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

test('SIGTERM mid-echo: the in-flight client gets every byte, idle and queued clients are told, new connects are refused, exit 0', async () => {
  const server = await startServerProcess(['echo', '--port', '0', '--max-conns', '2', '--backlog', '1']);
  const payload = randomBytes(32 * MiB);
  const big = await connectNode(server.port);
  let received = 0;
  let pausedOnce = false;
  const chunks: Buffer[] = [];
  big.on('data', (d) => {
    chunks.push(d);
    received += d.length;
    // Stop reading a quarter of the way in, so the echo is certainly mid-flight at SIGTERM.
    if (received >= 8 * MiB && !pausedOnce) {
      pausedOnce = true;
      big.pause();
    }
  });
  const bigClosed = new Promise<void>((r) => big.on('close', () => r()));
  big.end(payload);
  const idle = await connectNode(server.port);
  const idleClosed = readUntilClose(idle);
  await sleep(100); // let the server accept it before the queued one arrives
  const queued = await connectNode(server.port);
  const queuedReply = readUntilClose(queued);
  await waitFor(() => big.isPaused(), 10_000, 'the echo to be under way');
  assert.ok(received < payload.length, 'the echo is still mid-flight when the signal arrives');

  server.kill('SIGTERM');
  await sleep(200);
  assert.equal(await connectRefused(server.port), 'ECONNREFUSED', 'a new connect is refused at once');
  big.resume();

  await bigClosed;
  const echoed = Buffer.concat(chunks);
  assert.equal(echoed.length, payload.length);
  assert.equal(digest(echoed), digest(payload));
  assert.equal((await idleClosed).length, 0, 'the idle client is closed without data');
  assert.match((await queuedReply).toString(), /^ERR server is shutting down\r\n$/);

  const { code } = await server.exited;
  assert.equal(code, 0, server.output());
  assert.match(
    server.output(),
    /drained 1 in-flight, closed 1 idle, told 1 queued, cut 0 at the drain timeout/,
  );
});

test('SIGTERM with a client that never reads: the drain timeout cuts it and the exit code says so', async () => {
  const server = await startServerProcess(['echo', '--port', '0', '--drain-timeout', '1']);
  const stuck = await connectNode(server.port);
  stuck.pause(); // never read: the server's echo queue fills and stays full
  stuck.on('error', () => {});
  stuck.write(randomBytes(16 * MiB));
  await sleep(300);
  const started = Date.now();
  server.kill('SIGTERM');
  const { code } = await server.exited;
  const took = Date.now() - started;
  assert.equal(code, 1, server.output());
  assert.ok(took >= 900 && took < 5000, `exited ${took} ms after SIGTERM with a 1 s drain timeout`);
  assert.match(
    server.output(),
    /drained 0 in-flight, closed 0 idle, told 0 queued, cut 1 at the drain timeout/,
  );
  stuck.destroy();
});

test('server.close() in-process resolves with the drain summary and lets the process exit', async () => {
  const { createEchoServer } = await import('../../src/tcp/index.js');
  const server = createEchoServer();
  const { port } = await server.listen({ port: 0 });
  const c = await connectNode(port);
  await waitFor(() => server.counters.active === 1, 2000, 'the connection to be accepted');
  const closed = readUntilClose(c);
  const summary = await server.close({ drainTimeoutMs: 2000 });
  assert.equal(summary.idleClosed, 1);
  assert.equal(summary.cut, 0);
  await closed;
  assert.equal(server.listening, null);
});
