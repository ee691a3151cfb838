import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ByteWriter } from '../../src/hpack/byte-writer.js';
import { HpackDecodingError } from '../../src/hpack/errors.js';
import { decodeInteger, encodeInteger, MAX_HPACK_INTEGER } from '../../src/hpack/integer.js';

const encode = (value: number, prefix: number, flags = 0) => {
  const w = new ByteWriter(1);
  encodeInteger(w, value, prefix, flags);
  return [...w.view()];
};
const decode = (bytes: number[], prefix: number) => {
  const cur = { pos: 0 };
  const value = decodeInteger(Uint8Array.from(bytes), bytes.length, cur, prefix);
  return { value, pos: cur.pos };
};
const isError = (code: string) => (e: unknown) => e instanceof HpackDecodingError && e.code === code;

test('RFC 7541 C.1.1: 10 with a 5-bit prefix is one octet', () => {
  assert.deepEqual(encode(10, 5), [0x0a]);
  assert.deepEqual(decode([0xea], 5), { value: 10, pos: 1 }); // flag bits above the prefix are ignored
});

test('RFC 7541 C.1.2: 1337 with a 5-bit prefix is 1f 9a 0a', () => {
  assert.deepEqual(encode(1337, 5), [0x1f, 0x9a, 0x0a]);
  assert.deepEqual(decode([0x1f, 0x9a, 0x0a], 5), { value: 1337, pos: 3 });
});

test('RFC 7541 C.1.3: 42 starting at an octet boundary (8-bit prefix)', () => {
  assert.deepEqual(encode(42, 8), [0x2a]);
  assert.deepEqual(decode([0x2a], 8), { value: 42, pos: 1 });
});

test('a value equal to the prefix maximum needs a zero continuation octet', () => {
  assert.deepEqual(encode(31, 5, 0x20), [0x3f, 0x00]);
  assert.deepEqual(decode([0x3f, 0x00], 5), { value: 31, pos: 2 });
});

test('encode then decode round-trips every integer up to 2^31 - 1 for every prefix', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_HPACK_INTEGER }),
      fc.integer({ min: 1, max: 8 }),
      (v, prefix) => {
        const bytes = encode(v, prefix);
        assert.deepEqual(decode(bytes, prefix), { value: v, pos: bytes.length });
      },
    ),
    { numRuns: 500 },
  );
  assert.equal(decode(encode(MAX_HPACK_INTEGER, 4), 4).value, MAX_HPACK_INTEGER);
});

test('integer overflow: a value of 2^31 is a decoding error', () => {
  const bytes = encode(MAX_HPACK_INTEGER + 1, 4);
  assert.throws(() => decode(bytes, 4), isError('EHPACKINTEGER'));
});

test('integer overflow: a huge value whose bits would wrap a 32-bit shift is a decoding error', () => {
  assert.throws(() => decode([0x0f, 0xff, 0xff, 0xff, 0xff, 0x7f], 4), isError('EHPACKINTEGER'));
});

test('integer overflow: redundant zero continuation octets beyond five are a decoding error', () => {
  // Value 15 + 0, padded with 0x80 octets: bounded in value but not in length.
  assert.throws(() => decode([0x0f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 4), isError('EHPACKINTEGER'));
  assert.deepEqual(decode([0x0f, 0x80, 0x80, 0x80, 0x80, 0x00], 4), { value: 15, pos: 6 });
});

test('an integer cut off by the end of the block is a truncation error', () => {
  assert.throws(() => decode([0x1f, 0x9a], 5), isError('EHPACKTRUNCATED'));
  assert.throws(() => decode([], 5), isError('EHPACKTRUNCATED'));
});
