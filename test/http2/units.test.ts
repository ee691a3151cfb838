import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Http2Connection } from '../../src/http2/connection.js';
import { FlowWindow } from '../../src/http2/flow-window.js';
import { nextStreamState, STREAM_TRANSITIONS, type StreamState } from '../../src/http2/stream-state.js';
import { TokenBucket } from '../../src/http2/token-bucket.js';
import { concat, GET, Pair } from './harness.js';

test('the stream state table follows the RFC 9113 §5.1 diagram', () => {
  const walk = (inputs: Parameters<typeof nextStreamState>[1][]) =>
    inputs.reduce<StreamState | undefined>(
      (s, i) => (s === undefined ? undefined : nextStreamState(s, i)),
      'idle',
    );
  assert.equal(walk(['recv_headers', 'recv_end_stream', 'send_end_stream']), 'closed');
  assert.equal(walk(['send_headers', 'send_end_stream']), 'half_closed_local');
  assert.equal(walk(['send_headers', 'send_end_stream', 'recv_headers', 'recv_end_stream']), 'closed');
  assert.equal(walk(['recv_push_promise', 'recv_headers']), 'half_closed_local');
  assert.equal(walk(['send_push_promise', 'send_headers']), 'half_closed_remote');
  assert.equal(walk(['recv_headers', 'recv_rst_stream']), 'closed');
  // Not allowed: data-bearing inputs on idle, anything on closed, receiving END_STREAM twice.
  assert.equal(nextStreamState('idle', 'recv_end_stream'), undefined);
  assert.equal(walk(['recv_headers', 'recv_end_stream', 'recv_end_stream']), undefined);
  for (const input of Object.keys(STREAM_TRANSITIONS.open)) {
    assert.equal(nextStreamState('closed', input as 'send_headers'), undefined);
  }
});

test('FlowWindow refuses to pass 2^31-1 and batches WINDOW_UPDATEs to half the target', () => {
  const w = new FlowWindow(65535);
  assert.equal(w.increase(2 ** 31 - 1 - 65535), true);
  assert.equal(w.increase(1), false);
  assert.equal(w.available, 2 ** 31 - 1);
  const r = new FlowWindow(65536);
  r.consume(1000);
  assert.equal(r.acknowledge(1000), 0);
  r.consume(40000);
  assert.equal(r.acknowledge(40000), 41000);
  assert.equal(r.available, 65536);
});

test('TokenBucket: a burst, then refills over injected time', () => {
  const b = new TokenBucket(3, 2);
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal(b.take(499), false);
  assert.equal(b.take(500), true);
  assert.equal(b.take(10_000), true);
});

test('headers with characters above U+00FF are refused before HPACK state changes', () => {
  const p = new Pair();
  assert.throws(() => p.client.request([...GET, ['x-a', 'ok'], ['x-b', '\u20ac']]), RangeError);
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived') s.sendHeaders(ev.streamId, [[':status', '200']], { endStream: true });
  };
  p.client.request([...GET, ['x-a', 'ok']], { endStream: true });
  p.exchange();
  assert.equal(p.clientEvents.filter((e) => e.type === 'responseReceived').length, 1);
});

test('after a connection error, receive() ignores input and commands throw', () => {
  const server = new Http2Connection('server');
  assert.throws(() => server.receive(Buffer.from('not a preface at all....')));
  assert.equal(server.isClosed, true);
  assert.deepEqual(server.receive(Buffer.from('more')), []);
  assert.throws(() => server.ping());
  assert.equal(concat(server.takeOutput()).includes(Buffer.from('invalid client connection preface')), true);
});

test('50k small queued writes on one stream drain in linear time, in order (no shift() per chunk)', async () => {
  const { Http2Stream } = await import('../../src/http2/stream.js');
  const s = new Http2Stream(1, false, 65535, 65535);
  const N = 50_000;
  for (let i = 0; i < N; i++) s.pushPending(Uint8Array.of(i & 0xff, (i >> 8) & 0xff));
  assert.equal(s.pendingBytes, 2 * N);
  const t0 = performance.now();
  const out: number[] = [];
  while (s.pendingBytes > 0) for (const b of s.takePending(Math.min(3, s.pendingBytes))) out.push(b);
  const ms = performance.now() - t0;
  assert.equal(out.length, 2 * N);
  for (let i = 0; i < N; i += 997)
    assert.deepEqual([out[2 * i], out[2 * i + 1]], [i & 0xff, (i >> 8) & 0xff]);
  assert.ok(ms < 2000, `draining took ${ms.toFixed(0)} ms`);
});

test('pending DATA comes out in order whatever the chunk and frame sizes, as views when a frame lies in one chunk', async () => {
  const { Http2Stream } = await import('../../src/http2/stream.js');
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 12 }),
      (chunkSizes, takeSizes) => {
        const s = new Http2Stream(1, false, 65535, 65535);
        let next = 0;
        const chunks = chunkSizes.map((n) => Uint8Array.from({ length: n }, () => next++ & 0xff));
        for (const c of chunks) s.pushPending(c);
        const out: number[] = [];
        for (let k = 0; s.pendingBytes > 0; k++) {
          const before = s.pendingBytes;
          const piece = s.takePending(Math.min(takeSizes[k % takeSizes.length], before));
          assert.equal(s.pendingBytes, before - piece.length);
          out.push(...piece);
        }
        assert.equal(out.length, next);
        for (let i = 0; i < out.length; i++) assert.equal(out[i], i & 0xff);
      },
    ),
    { numRuns: 300 },
  );
  // A body larger than a frame is cut into views of the same memory.
  const s = new Http2Stream(1, false, 65535, 65535);
  const body = new Uint8Array(40_000);
  s.pushPending(body);
  const a = s.takePending(16_384);
  const b = s.takePending(16_384);
  const c = s.takePending(7_232);
  assert.deepEqual(
    [a.buffer, b.buffer, c.buffer].map((x) => x === body.buffer),
    [true, true, true],
  );
  assert.deepEqual([a.byteOffset, b.byteOffset, c.byteOffset], [0, 16_384, 32_768]);
  assert.equal(s.pendingBytes, 0);
});
