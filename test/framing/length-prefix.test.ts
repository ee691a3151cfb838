import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError, LimitExceeded } from '../../src/buf/errors.js';
import { FrameTooLarge } from '../../src/framing/errors.js';
import type { LengthPrefix } from '../../src/framing/length-prefix.js';
import { LengthPrefixDecoder } from '../../src/framing/length-prefix-decoder.js';
import { LengthPrefixEncoder } from '../../src/framing/length-prefix-encoder.js';
import { NEED_MORE } from '../../src/framing/need-more.js';
import { concat, copyBytes, cut, cutPoints, feed, standardChunkings } from './chunkings.js';

const PREFIXES: LengthPrefix[] = [2, 4, 8, 'varint'];

function readAll(decoder: LengthPrefixDecoder): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = decoder.read(); f !== NEED_MORE; f = decoder.read()) out.push(f);
  return out;
}

test('4-byte big-endian header is the default', () => {
  const encoder = new LengthPrefixEncoder();
  assert.deepEqual([...encoder.encode(Uint8Array.of(7, 8, 9))], [0, 0, 0, 3, 7, 8, 9]);
  const decoder = new LengthPrefixDecoder();
  decoder.push(Uint8Array.of(0, 0, 1, 2, ...new Uint8Array(258)));
  const frames = readAll(decoder);
  assert.equal(frames.length, 1);
  assert.equal(frames[0].length, 258);
});

test('2-byte, 8-byte and varint headers encode as documented', () => {
  assert.deepEqual([...new LengthPrefixEncoder({ prefix: 2 }).header(0x0102)], [1, 2]);
  assert.deepEqual([...new LengthPrefixEncoder({ prefix: 8 }).header(0x0102)], [0, 0, 0, 0, 0, 0, 1, 2]);
  const varint = new LengthPrefixEncoder({ prefix: 'varint' });
  assert.deepEqual([...varint.header(0)], [0]);
  assert.deepEqual([...varint.header(127)], [127]);
  assert.deepEqual([...varint.header(300)], [0xac, 0x02]);
  assert.deepEqual([...varint.header(16 * 1024 * 1024)], [0x80, 0x80, 0x80, 0x08]);
  // lengths above 2^31 survive (no 32-bit shift truncation)
  const big = new LengthPrefixEncoder({ prefix: 8, maxFrameSize: 2 ** 40 });
  assert.deepEqual([...big.header(2 ** 32 + 5)], [0, 0, 0, 1, 0, 0, 0, 5]);
});

test('frames inside one chunk come out as views of it (no copy), pipelined frames all come out', () => {
  const encoder = new LengthPrefixEncoder();
  const chunk = concat([
    encoder.encode(Uint8Array.of(1)),
    encoder.encode(new Uint8Array(0)),
    encoder.encode(Uint8Array.of(2, 3)),
  ]);
  const decoder = new LengthPrefixDecoder();
  decoder.push(chunk);
  const frames = readAll(decoder);
  assert.deepEqual(
    frames.map((f) => [...f]),
    [[1], [], [2, 3]],
  );
  for (const f of frames) assert.equal(f.buffer, chunk.buffer);
  assert.equal(frames[2].byteOffset, chunk.byteOffset + 13);
});

test('a frame spanning chunks is assembled in a buffer that is reused, not reallocated', () => {
  const encoder = new LengthPrefixEncoder();
  const decoder = new LengthPrefixDecoder();
  const buffers = new Set<ArrayBufferLike>();
  const readBuffer = new Uint8Array(600);
  for (let round = 0; round < 50; round++) {
    const frame = encoder.encode(new Uint8Array(1000).fill(round));
    for (const part of cut(frame, [300, 600, 900])) {
      readBuffer.set(part);
      decoder.push(readBuffer.subarray(0, part.length));
      for (const f of readAll(decoder)) {
        assert.deepEqual(f, new Uint8Array(1000).fill(round));
        assert.notEqual(f.buffer, readBuffer.buffer);
        buffers.add(f.buffer);
      }
    }
  }
  assert.ok(buffers.size <= 2, `assembled in ${buffers.size} buffers, expected the two reused spill buffers`);
});

test('frames stay valid until the next push even when the caller reuses its read buffer', () => {
  const encoder = new LengthPrefixEncoder();
  const stream = concat([
    encoder.encode(Uint8Array.of(1, 1, 1)),
    encoder.encode(Uint8Array.of(2, 2)),
    encoder.encode(Uint8Array.of(3, 3, 3, 3)),
  ]);
  const [a, b] = cut(stream, [5]);
  const decoder = new LengthPrefixDecoder();
  const readBuffer = new Uint8Array(64);
  readBuffer.set(a);
  decoder.push(readBuffer.subarray(0, a.length));
  assert.equal(decoder.read(), NEED_MORE);
  readBuffer.fill(0xff); // the socket loop reads the next bytes into the same buffer
  readBuffer.set(b);
  decoder.push(readBuffer.subarray(0, b.length));
  const frames = readAll(decoder); // collected first, used after
  assert.deepEqual(
    frames.map((f) => [...f]),
    [
      [1, 1, 1],
      [2, 2],
      [3, 3, 3, 3],
    ],
  );
});

test('hostile length prefix is rejected before allocating', () => {
  const decoder = new LengthPrefixDecoder();
  const before = process.memoryUsage().arrayBuffers;
  decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3));
  assert.throws(
    () => decoder.read(),
    (e: unknown) => {
      assert.ok(e instanceof FrameTooLarge && e instanceof LimitExceeded);
      assert.equal(e.code, 'EFRAMETOOLARGE');
      assert.equal(e.limit, 'maxFrameSize');
      assert.equal(e.max, 16 * 1024 * 1024);
      assert.equal(e.actual, 0xffffffff);
      assert.equal(e.offset, 0);
      return true;
    },
  );
  assert.ok(process.memoryUsage().arrayBuffers - before < 1024 * 1024);
  // the decoder is dead after a protocol violation: it never resynchronises on garbage
  assert.throws(() => decoder.read(), FrameTooLarge);
  assert.throws(() => decoder.push(Uint8Array.of(0)), FrameTooLarge);
});

test('a length within the limit is not preallocated: a peer that announces 16 MiB and sends 10 bytes costs 10 bytes', () => {
  const decoder = new LengthPrefixDecoder();
  const before = process.memoryUsage().arrayBuffers;
  const decoders = Array.from({ length: 50 }, () => new LengthPrefixDecoder());
  for (const d of decoders) {
    d.push(Uint8Array.of(0x01, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    assert.equal(d.read(), NEED_MORE);
  }
  assert.ok(process.memoryUsage().arrayBuffers - before < 4 * 1024 * 1024, '50 x 16 MiB would be 800 MiB');
  assert.equal(decoder.buffered, 0);
});

test('hostile varint prefix is rejected as soon as it passes maxFrameSize, before the header even ends', () => {
  const decoder = new LengthPrefixDecoder({ prefix: 'varint', maxFrameSize: 1000 });
  decoder.push(Uint8Array.of(0xff, 0xff)); // 16383 so far, and more to come
  assert.throws(() => decoder.read(), FrameTooLarge);
});

test('an endless varint (continuation bits forever) is a DecodeError, not a hang', () => {
  const decoder = new LengthPrefixDecoder({ prefix: 'varint' });
  decoder.push(new Uint8Array(11).fill(0x80));
  assert.throws(
    () => decoder.read(),
    (e: unknown) => e instanceof DecodeError && e.code === 'EVARINT' && e.offset === 0,
  );
});

test('8-byte lengths beyond exact JS integers are rejected, never rounded', () => {
  const decoder = new LengthPrefixDecoder({ prefix: 8, maxFrameSize: Number.MAX_SAFE_INTEGER });
  decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  assert.throws(() => decoder.read(), FrameTooLarge);
});

test('2-byte prefix defaults maxFrameSize to what it can express', () => {
  assert.equal(new LengthPrefixDecoder({ prefix: 2 }).maxFrameSize, 0xffff);
  assert.throws(() => new LengthPrefixDecoder({ prefix: 2, maxFrameSize: 0x10000 }), RangeError);
  assert.throws(() => new LengthPrefixDecoder({ prefix: 3 as LengthPrefix }), RangeError);
});

test('encoder returns header and payload separately for writev, and refuses frames over maxFrameSize', () => {
  const encoder = new LengthPrefixEncoder({ maxFrameSize: 4 });
  const payload = Uint8Array.of(1, 2, 3);
  const [header, body] = encoder.frame(payload);
  assert.equal(body, payload); // the very same object: nothing joined, nothing copied
  assert.deepEqual([...header], [0, 0, 0, 3]);
  const target = new Uint8Array(6);
  assert.equal(encoder.writeHeader(3, target, 2), 4);
  assert.deepEqual([...target], [0, 0, 0, 0, 0, 3]);
  assert.throws(() => encoder.encode(new Uint8Array(5)), FrameTooLarge);
  assert.throws(() => encoder.writeHeader(3, new Uint8Array(3)), RangeError);
});

test('iterating a decoder yields the frames available now', () => {
  const encoder = new LengthPrefixEncoder({ prefix: 'varint' });
  const decoder = new LengthPrefixDecoder({ prefix: 'varint' });
  const frames = [
    ...decoder.push(concat([encoder.encode(Uint8Array.of(1)), encoder.encode(Uint8Array.of(2))])),
  ];
  assert.deepEqual(
    frames.map((f) => [...f]),
    [[1], [2]],
  );
});

test('one read is not one message: every split point, one chunk and byte-at-a-time give the same frames', () => {
  for (const prefix of PREFIXES) {
    const encoder = new LengthPrefixEncoder({ prefix });
    const payloads = [
      Uint8Array.of(),
      Uint8Array.of(13, 10),
      new Uint8Array(200).fill(7),
      Uint8Array.of(0xff),
    ];
    const stream = concat(payloads.map((p) => encoder.encode(p)));
    for (const chunks of standardChunkings(stream)) {
      const outcome = feed(new LengthPrefixDecoder({ prefix }), chunks, copyBytes);
      assert.deepEqual(outcome, { values: payloads });
    }
  }
});

test('property: any frames, any prefix, any chunking decode to the same frames', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PREFIXES),
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (prefix, payloads, rawCuts) => {
        const encoder = new LengthPrefixEncoder({ prefix });
        const stream = concat(payloads.flatMap((p) => encoder.frame(p)));
        const chunks = cut(
          stream,
          rawCuts.map((c) => c % (stream.length + 1)),
        );
        assert.deepEqual(feed(new LengthPrefixDecoder({ prefix }), chunks, copyBytes), { values: payloads });
        assert.deepEqual(feed(new LengthPrefixDecoder({ prefix }), [stream], copyBytes), {
          values: payloads,
        });
      },
    ),
    { numRuns: 300 },
  );
});

test('property: garbage never throws anything but a typed DecodeError, and the outcome ignores chunking', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PREFIXES),
      fc.uint8Array({ maxLength: 200 }),
      cutPoints(200),
      (prefix, garbage, points) => {
        const options = { prefix, maxFrameSize: 100 };
        const whole = feed(new LengthPrefixDecoder(options), [garbage], copyBytes);
        const split = feed(new LengthPrefixDecoder(options), cut(garbage, points), copyBytes);
        const bytewise = feed(
          new LengthPrefixDecoder(options),
          cut(
            garbage,
            Array.from(garbage, (_, i) => i),
          ),
          copyBytes,
        );
        if (whole.error) assert.ok(whole.error.typed, `${whole.error.name}: ${whole.error.message}`);
        assert.deepEqual(split, whole);
        assert.deepEqual(bytewise, whole);
      },
    ),
    { numRuns: 300 },
  );
});
