import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Reactor } from '../../src/loop/reactor.js';
import { EPOLLOUT } from '../../src/sys/constants.js';
import { libc } from '../../src/sys/libc.js';
import { close, read, WRITEV_MAX, writev } from '../../src/sys/socket.js';
import { connectTcp, TcpServer } from '../../src/tcp/index.js';
import { sleep, waitFor } from '../support/processes.js';

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

test('sys writev starts at the chunk it is told to and takes at most WRITEV_MAX chunks per call', () => {
  const fds = new Int32Array(2);
  assert.equal(libc.pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  const [r, w] = [fds[0], fds[1]];
  try {
    // 3-byte chunks: 1100 of them fit a pipe's 64 KiB easily, so only the iovec cap limits a call.
    const chunks = Array.from({ length: WRITEV_MAX + 100 }, () => randomBytes(3));
    const n = writev(w, chunks, 5);
    assert.equal(n, WRITEV_MAX * 3);
    const sink = new Uint8Array(64 * 1024);
    const k = read(r, sink);
    assert.ok(Buffer.from(sink.subarray(0, k)).equals(Buffer.concat(chunks.slice(5, 5 + WRITEV_MAX))));
  } finally {
    close(r);
    close(w);
  }
});

test('a gather write of more chunks than one writev takes goes out in the same call, nothing queued', async (t) => {
  const server = new TcpServer();
  const received: Buffer[] = [];
  let receivedBytes = 0;
  server.onConnection = (conn) => {
    conn.onData = (b) => {
      received.push(Buffer.from(b));
      receivedBytes += b.byteLength;
    };
  };
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const conn = await connectTcp({ host: '127.0.0.1', port });
  t.after(() => conn.destroy());
  // 2.5 batches of 16-byte chunks (40 KiB): the socket buffer takes it all at once, so before the
  // batching only the first WRITEV_MAX chunks left in the call and the rest waited for EPOLLOUT.
  const chunks = Array.from({ length: Math.floor(WRITEV_MAX * 2.5) }, () => randomBytes(16));
  assert.equal(conn.writev(chunks), true);
  assert.equal(conn.queuedBytes, 0, 'every chunk went to the kernel in the writev call itself');
  const expected = Buffer.concat(chunks);
  await waitFor(() => receivedBytes >= expected.length, 5000, 'all bytes at the server');
  assert.ok(Buffer.concat(received).equals(expected));
});

test('a bulk writer keeps EPOLLOUT watched between bursts and drops the watch once a writable event finds nothing to write', async (t) => {
  const server = new TcpServer();
  let receivedBytes = 0;
  server.onConnection = (conn) => {
    conn.onData = (b) => {
      receivedBytes += b.byteLength;
    };
  };
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const conn = await connectTcp({ host: '127.0.0.1', port });
  t.after(() => conn.destroy());
  const reactor = Reactor.shared();
  // 16 MiB is more than the socket buffers hold, so part of it queues and EPOLLOUT is watched.
  const burst = new Uint8Array(16 * 1024 * 1024);
  conn.write(burst);
  assert.ok(conn.queuedBytes > 0, 'part of the burst queued');
  assert.ok(reactor.interest(conn.fd) & EPOLLOUT, 'EPOLLOUT watched while bytes are queued');
  await waitFor(() => conn.queuedBytes === 0, 10_000, 'the queue to drain');
  // Without the idle watch being dropped, a writable socket would wake the loop for ever.
  await waitFor(() => (reactor.interest(conn.fd) & EPOLLOUT) === 0, 5000, 'EPOLLOUT no longer watched');
  await waitFor(() => receivedBytes === burst.length, 10_000, 'every byte at the server');
  const stats = reactor.stats;
  const wakeups = stats.wakeups;
  await sleep(200);
  assert.ok(stats.wakeups - wakeups < 5, `an idle connection woke the loop ${stats.wakeups - wakeups} times`);
});

test('a body handed to writev is not kept alive by the address cache once the call returns', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const fd = openSync('/dev/null', 'w');
  try {
    let ref: WeakRef<ArrayBuffer> | undefined;
    (() => {
      const body = new Uint8Array(8 * 1024 * 1024);
      ref = new WeakRef(body.buffer);
      const header = Buffer.alloc(9);
      assert.equal(
        writev(fd, [header, body.subarray(0, 4096), header, body.subarray(4096)]),
        18 + body.length,
      );
    })();
    // WeakRef targets survive until the current job ends: collect from a later turn, a few times.
    await waitFor(
      () => {
        gc();
        return ref?.deref() === undefined;
      },
      5000,
      'the body to be collected',
    );
  } finally {
    closeSync(fd);
  }
});
