import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../src/buf/errors.js';
import { MsgpackDecoder } from '../../src/codec/msgpack-decoder.js';
import { MsgpackEncoder } from '../../src/codec/msgpack-encoder.js';
import { MsgpackStreamDecoder, NEED_MORE } from '../../src/codec/msgpack-stream-decoder.js';
import { MsgpackTimestamp } from '../../src/codec/msgpack-timestamp.js';
import { anyValues, expectedDecode, hex } from './msgpack-values.js';

const encoder = new MsgpackEncoder();
const viewEncoder = new MsgpackEncoder({ output: 'view', initialBufferSize: 16 });
const decoder = new MsgpackDecoder();

test('round trip: decode(encode(v)) equals v under the documented type mapping', () => {
  fc.assert(
    fc.property(anyValues, (value) => {
      const bytes = encoder.encode(value);
      assert.deepStrictEqual(decoder.decode(bytes), expectedDecode(value));
      // The reused, growing buffer gives the same bytes as a fresh copy.
      assert.equal(hex(viewEncoder.encode(value)), hex(bytes));
    }),
    { numRuns: 400 },
  );
});

test('encoding is canonical: re-encoding a decoded value gives the same bytes', () => {
  // Timestamps as objects: a Date would drop the nanoseconds.
  const exact = new MsgpackDecoder({ timestamp: 'object' });
  fc.assert(
    fc.property(anyValues, (value) => {
      const bytes = encoder.encode(value);
      assert.equal(hex(encoder.encode(exact.decode(bytes))), hex(bytes));
    }),
    { numRuns: 300 },
  );
});

test('timestamps keep nanoseconds through the object form, in all three widths', () => {
  const exact = new MsgpackDecoder({ timestamp: 'object' });
  const timestamps = fc
    .tuple(
      fc.oneof(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 2 ** 32, max: 2 ** 34 - 1 }),
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      ),
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })),
    )
    .map(([sec, nsec]) => {
      const normal = typeof sec === 'bigint' && Number.isSafeInteger(Number(sec)) ? Number(sec) : sec;
      return new MsgpackTimestamp(normal, nsec);
    });
  fc.assert(
    fc.property(timestamps, (ts) => {
      const bytes = encoder.encode(ts);
      const fits34 = typeof ts.sec === 'number' && ts.sec >= 0 && ts.sec < 2 ** 34;
      const width = fits34 ? (ts.nsec === 0 && (ts.sec as number) < 2 ** 32 ? 6 : 10) : 15;
      assert.equal(bytes.length, width);
      assert.deepStrictEqual(exact.decode(bytes), ts);
    }),
    { numRuns: 300 },
  );
});

/** Decodes `bytes` pushed in the given chunks; returns the values, or the error that ended it. */
function streamDecode(bytes: Uint8Array, cuts: number[]): { values: unknown[]; error?: unknown } {
  const stream = new MsgpackStreamDecoder();
  const values: unknown[] = [];
  let from = 0;
  try {
    for (const cut of [...cuts, bytes.length]) {
      stream.push(bytes.subarray(from, cut));
      from = cut;
      for (let v = stream.next(); v !== NEED_MORE; v = stream.next()) values.push(v);
    }
    stream.finish();
  } catch (error) {
    return { values, error };
  }
  return { values };
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

test('streaming: a sequence of values split at every single point equals one-shot decode', () => {
  fc.assert(
    fc.property(fc.array(anyValues, { minLength: 1, maxLength: 4 }), (values) => {
      const parts = values.map((v) => encoder.encode(v));
      const bytes = concat(parts);
      const expected = parts.map((p) => decoder.decode(p));
      for (let cut = 0; cut <= bytes.length; cut++) {
        const got = streamDecode(bytes, [cut]);
        assert.equal(got.error, undefined);
        assert.deepStrictEqual(got.values, expected);
      }
    }),
    { numRuns: 60 },
  );
});

test('streaming: byte-by-byte and random chunkings give identical values and identical errors', () => {
  const chunked = (bytes: Uint8Array) =>
    fc
      .array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 6 })
      .map((cuts) => [...new Set(cuts)].sort((a, b) => a - b));
  const streams = fc.oneof(
    fc.array(anyValues, { minLength: 1, maxLength: 3 }).map((vs) => concat(vs.map((v) => encoder.encode(v)))),
    fc.uint8Array({ maxLength: 120 }),
  );
  fc.assert(
    fc.property(
      streams.chain((bytes) => fc.tuple(fc.constant(bytes), chunked(bytes))),
      ([bytes, cuts]) => {
        const whole = streamDecode(bytes, []);
        const bytewise = streamDecode(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        );
        const random = streamDecode(bytes, cuts);
        for (const other of [bytewise, random]) {
          assert.deepStrictEqual(other.values, whole.values);
          assert.equal(other.error === undefined, whole.error === undefined);
          if (whole.error !== undefined) {
            assert.ok(whole.error instanceof DecodeError);
            assert.ok(other.error instanceof DecodeError);
            assert.equal(other.error.code, whole.error.code);
            assert.equal(other.error.offset, whole.error.offset);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('streaming: offsets count from the first byte of the stream, and the failure sticks', () => {
  const stream = new MsgpackStreamDecoder();
  stream.push(new Uint8Array([0x01, 0x02, 0x92]));
  assert.equal(stream.next(), 1);
  assert.equal(stream.next(), 2);
  assert.equal(stream.next(), NEED_MORE);
  assert.equal(stream.buffered, 1);
  assert.throws(() => stream.finish(), { code: 'EMSGPACKTRUNCATED', offset: 2 });
  stream.push(new Uint8Array([0x03, 0xc1]));
  assert.throws(() => stream.next(), { code: 'EMSGPACKRESERVED', offset: 4 });
  assert.throws(() => stream.next(), { code: 'EMSGPACKRESERVED', offset: 4 });
});

test('streaming: a large value arriving in small chunks takes linear time', () => {
  const big = encoder.encode(Array.from({ length: 20_000 }, (_, i) => ({ i, s: 'x'.repeat(i % 40) })));
  const t0 = performance.now();
  const got = streamDecode(
    big,
    Array.from({ length: Math.floor(big.length / 7) }, (_, i) => i * 7),
  );
  assert.equal(got.error, undefined);
  assert.equal((got.values[0] as unknown[]).length, 20_000);
  assert.ok(performance.now() - t0 < 2000, 'no quadratic rescanning');
});
