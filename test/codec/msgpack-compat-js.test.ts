// Wire compatibility with @msgpack/msgpack, both directions, byte for byte where the spec allows only
// one smallest encoding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decoder, decode, Encoder, ExtData, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { MsgpackDecoder } from '../../src/codec/msgpack-decoder.js';
import { MsgpackEncoder } from '../../src/codec/msgpack-encoder.js';
import { MsgpackExt } from '../../src/codec/msgpack-ext.js';
import { commonValues, expectedDecode, hex, toPlain, wideBigInts } from './msgpack-values.js';

const ours = new MsgpackEncoder();
const oursDecoder = new MsgpackDecoder();

// @msgpack/msgpack refuses a `__proto__` key on decode, so the shared corpus leaves it out.
const corpus = commonValues.filter((v) => !JSON.stringify(v ?? null).includes('"__proto__"'));

test('@msgpack/msgpack encodes, we decode: same values, and our encoding is byte-identical', () => {
  fc.assert(
    fc.property(corpus, (value) => {
      const theirBytes = encode(value);
      assert.deepStrictEqual(toPlain(oursDecoder.decode(theirBytes)), decode(theirBytes));
      assert.equal(hex(ours.encode(value)), hex(theirBytes));
    }),
    { numRuns: 500 },
  );
});

test('we encode, @msgpack/msgpack decodes to the value we meant', () => {
  fc.assert(
    fc.property(corpus, (value) => {
      assert.deepStrictEqual(decode(ours.encode(value)), toPlain(expectedDecode(value)));
    }),
    { numRuns: 500 },
  );
});

test('64-bit integers: bigint both ways with their useBigInt64', () => {
  const theirs = new Encoder({ useBigInt64: true });
  const theirDecoder = new Decoder({ useBigInt64: true });
  const bigDecoder = new MsgpackDecoder({ int64AsBigInt: true });
  fc.assert(
    fc.property(wideBigInts, (n) => {
      // Beyond 2^53 there is exactly one form: uint 64 for positive, int 64 for negative.
      assert.equal(hex(ours.encode(n)), hex(theirs.encode(n)));
      assert.equal(oursDecoder.decode(theirs.encode(n)), n);
      assert.equal(theirDecoder.decode(ours.encode(n)), n);
    }),
    { numRuns: 200 },
  );
  // They write every bigint as a 64-bit format; we read it as the same integer.
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
      assert.equal(bigDecoder.decode(theirs.encode(n)), n);
      assert.equal(BigInt(theirDecoder.decode(ours.encode(n)) as bigint | number), n);
    }),
    { numRuns: 200 },
  );
});

test('float 32, -0, and extensions cross over in both directions', () => {
  const f32 = new MsgpackEncoder({ float32: 'exact' });
  fc.assert(
    // Integers (and -0) they write as ints, so only non-integral floats take the float 32 path.
    fc.property(
      fc.float().filter((x) => !Number.isInteger(x)),
      (x) => {
        assert.ok(Object.is(oursDecoder.decode(encode(x, { forceFloat32: true })), Math.fround(x)));
        assert.ok(Object.is(decode(f32.encode(x)), x));
      },
    ),
    { numRuns: 200 },
  );
  // -0 is a float to us (it is not an integer); they write integer 0. Both read the other's bytes.
  assert.equal(hex(ours.encode(-0)), 'cb8000000000000000');
  assert.ok(Object.is(decode(ours.encode(-0)), -0));
  assert.equal(oursDecoder.decode(encode(-0)), 0);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 127 }), fc.uint8Array({ maxLength: 300 }), (type, data) => {
      const theirBytes = encode(new ExtData(type, data));
      assert.equal(hex(ours.encode(new MsgpackExt(type, data))), hex(theirBytes));
      assert.deepStrictEqual(oursDecoder.decode(theirBytes), new MsgpackExt(type, data));
      const back = decode(ours.encode(new MsgpackExt(type, data))) as ExtData;
      assert.equal(back.type, type);
      assert.deepEqual([...(back.data as Uint8Array)], [...data]);
    }),
    { numRuns: 200 },
  );
});

test('objects around the header boundaries (15/16 and 65535/65536 keys, nested) match @msgpack/msgpack byte for byte', () => {
  // Our encoder writes a record in one pass and widens its header afterwards: check every width.
  const ours = new MsgpackEncoder();
  const theirs = new Encoder();
  const record = (n: number, inner?: unknown) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[`k${i}`] = i === 3 && inner !== undefined ? inner : i;
    return o;
  };
  for (const n of [0, 1, 15, 16, 17, 300, 65535, 65536]) {
    const value = record(n, n > 3 ? record(16, record(15)) : undefined);
    assert.equal(
      Buffer.from(ours.encode(value)).equals(Buffer.from(theirs.encode(value))),
      true,
      `${n} keys`,
    );
    assert.deepEqual(toPlain(new MsgpackDecoder().decode(ours.encode(value))), value);
  }
});
