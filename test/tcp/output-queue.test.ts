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

test('copied and retained bytes spanning many pooled slabs leave through partial writevs in order, byte for byte', () => {
  const [r, w] = pipe();
  const sink = new Uint8Array(256 * 1024);
  try {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 3 * OUTPUT_BLOCK_SIZE })),
          {
            maxLength: 10,
          },
        ),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        (sizes, skipPercent, retained) => {
          const q = new OutputQueue();
          const chunks = sizes.map((n) => randomBytes(n));
          const skips = chunks.map((c) => Math.floor((c.length * skipPercent) / 100));
          // Copied and retained appends interleave, as HTTP/2 frame headers and DATA payloads do.
          for (let i = 0; i < chunks.length; i++) {
            if (retained[i]) q.appendRetained(chunks[i], skips[i]);
            else q.append(chunks[i], skips[i]);
          }
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

test('small copies between retained buffers share one slab (frame headers between DATA payloads)', () => {
  const [r, w] = pipe();
  try {
    const q = new OutputQueue();
    const payload = new Uint8Array(16 * 1024).fill(7);
    for (let i = 0; i < 100; i++) {
      q.append(Uint8Array.of(0, 0, 9, 0, 0, 0, 0, 0, i));
      q.appendRetained(payload);
    }
    assert.equal(q.size, 100 * (9 + 16 * 1024));
    const sink = new Uint8Array(256 * 1024);
    let got = 0;
    while (q.size > 0) {
      const n = q.writeTo(w);
      assert.ok(n > 0 || n === -EAGAIN);
      for (let k = read(r, sink); k > 0; k = read(r, sink)) got += k;
    }
    for (let k = read(r, sink); k > 0; k = read(r, sink)) got += k;
    assert.equal(got, 100 * (9 + 16 * 1024));
  } finally {
    close(r);
    close(w);
  }
});
