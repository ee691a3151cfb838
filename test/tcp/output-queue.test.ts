import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { EAGAIN } from '../../src/sys/errno.js';
import { libc } from '../../src/sys/libc.js';
import { close, read } from '../../src/sys/socket.js';
import { OUTPUT_BLOCK_SIZE, OutputQueue } from '../../src/tcp/output-queue.js';

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

/** A non-blocking pipe: writev into it hits partial writes and EAGAIN just like a full socket. */
function pipe(): [number, number] {
  const fds = new Int32Array(2);
  assert.equal(libc.pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  return [fds[0], fds[1]];
}

test('queued bytes spanning many pooled blocks leave through partial writevs in order, byte for byte', () => {
  const [r, w] = pipe();
  const sink = new Uint8Array(256 * 1024);
  try {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 * OUTPUT_BLOCK_SIZE }), { maxLength: 10 }),
        fc.integer({ min: 0, max: 100 }),
        (sizes, skipPercent) => {
          const q = new OutputQueue();
          const chunks = sizes.map((n) => randomBytes(n));
          const skips = chunks.map((c) => Math.floor((c.length * skipPercent) / 100));
          for (let i = 0; i < chunks.length; i++) q.append(chunks[i], skips[i]);
          const expected = Buffer.concat(chunks.map((c, i) => c.subarray(skips[i])));
          assert.equal(q.size, expected.length);
          const got: Buffer[] = [];
          while (q.size > 0) {
            const n = q.writeTo(w);
            assert.ok(n > 0 || n === -EAGAIN, `writev returned ${n}`);
            for (let k = read(r, sink); k > 0; k = read(r, sink)) got.push(Buffer.from(sink.subarray(0, k)));
          }
          for (let k = read(r, sink); k > 0; k = read(r, sink)) got.push(Buffer.from(sink.subarray(0, k)));
          assert.ok(Buffer.concat(got).equals(expected));
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    close(r);
    close(w);
  }
});

test('clear() drops queued output and the queue is reusable', () => {
  const q = new OutputQueue();
  q.append(new Uint8Array(100_000));
  assert.equal(q.size, 100_000);
  q.clear();
  assert.equal(q.size, 0);
  q.append(Uint8Array.of(1, 2, 3), 1);
  assert.equal(q.size, 2);
});
