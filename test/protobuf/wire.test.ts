import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError, LimitExceeded } from '../../src/buf/errors.js';
import { varintSize, WireReader, WireType, WireWriter } from '../../src/protobuf/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const write = (f: (w: WireWriter) => void) => {
  const w = new WireWriter(8);
  f(w);
  return w.finish();
};

test('varint: 150 is 96 01 (the encoding guide example), 1 byte below 128, 5 bytes for 2^32-1', () => {
  assert.equal(hex(write((w) => w.uint32(150))), '9601');
  assert.equal(hex(write((w) => w.uint32(127))), '7f');
  assert.equal(hex(write((w) => w.uint32(0xffffffff))), 'ffffffff0f');
  assert.equal(new WireReader(bytes('9601')).uint32(), 150);
  for (const n of [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 0xffffffff]) {
    assert.equal(write((w) => w.uint32(n)).length, varintSize(n), `size of ${n}`);
  }
});

test('int32: negative values are sign-extended to 10 bytes and read back', () => {
  const b = write((w) => w.int32(-1));
  assert.equal(hex(b), 'ffffffffffffffffff01');
  assert.equal(new WireReader(b).int32(), -1);
  assert.equal(new WireReader(write((w) => w.int32(-2147483648))).int32(), -2147483648);
  // A 10-byte encoding of a value that does not fit in 32 bits keeps the low 32 bits, as protobuf does.
  assert.equal(new WireReader(write((w) => w.int64(0x1_0000_0005n))).int32(), 5);
});

test('zigzag: 0,-1,1,-2 map to 0,1,2,3; sint32/sint64 extremes round-trip', () => {
  assert.equal(
    hex(
      write((w) =>
        [0, -1, 1, -2].forEach((n) => {
          w.sint32(n);
        }),
      ),
    ),
    '00010203',
  );
  assert.equal(hex(write((w) => w.sint32(-2147483648))), 'ffffffff0f');
  assert.equal(hex(write((w) => w.sint64(-(2n ** 63n)))), 'ffffffffffffffffff01');
  const r = new WireReader(
    write((w) =>
      [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n].forEach((n) => {
        w.sint64(n);
      }),
    ),
  );
  assert.deepEqual([r.sint64(), r.sint64(), r.sint64(), r.sint64()], [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n]);
});

test('fixed32/64, float and double are little-endian', () => {
  assert.equal(hex(write((w) => w.fixed32(1))), '01000000');
  assert.equal(hex(write((w) => w.sfixed64(-2n))), 'feffffffffffffff');
  assert.equal(hex(write((w) => w.double(1.5))), '000000000000f83f');
  assert.equal(hex(write((w) => w.float(-3.25))), '000050c0');
  const r = new WireReader(bytes('feffffffffffffff 000050c0 ffffffff'));
  assert.equal(r.sfixed64(), -2n);
  assert.equal(r.float(), -3.25);
  assert.equal(r.sfixed32(), -1);
});

test('tags: field number and wire type; field 536870911 takes 5 bytes', () => {
  assert.equal(hex(write((w) => w.tag(1, WireType.VARINT))), '08');
  assert.equal(hex(write((w) => w.tag(536870911, WireType.I32))), 'fdffffff0f');
  const r = new WireReader(bytes('fdffffff0f'));
  const tag = r.tag();
  assert.equal(tag >>> 3, 536870911);
  assert.equal(tag & 7, WireType.I32);
});

test('tags: field number 0 is rejected', () => {
  assert.throws(
    () => new WireReader(bytes('00')).tag(),
    (e) => e instanceof DecodeError && e.code === 'EPROTOTAG',
  );
  assert.throws(() => new WireReader(bytes('0201')).tag(), { code: 'EPROTOTAG' });
});

test('tags: wire types 6 and 7 are rejected', () => {
  assert.throws(() => new WireReader(bytes('0e')).tag(), { code: 'EPROTOWIRETYPE' });
  assert.throws(() => new WireReader(bytes('0f')).tag(), { code: 'EPROTOWIRETYPE' });
});

test('tags: a tag wider than 32 bits is rejected', () => {
  assert.throws(() => new WireReader(bytes('8880808080 01')).tag(), { code: 'EPROTOTAG' });
});

test('varint longer than 10 bytes is a DecodeError, not a wrap-around', () => {
  const eleven = bytes('ffffffffffffffffffff01');
  for (const read of [
    (r: WireReader) => r.int64(),
    (r: WireReader) => r.uint32(),
    (r: WireReader) => r.tag(),
  ]) {
    assert.throws(
      () => read(new WireReader(eleven)),
      (e) => e instanceof DecodeError && e.code === 'EPROTOVARINT',
    );
  }
});

test('truncated varint, fixed and length-delimited values are DecodeErrors with an offset', () => {
  assert.throws(
    () => new WireReader(bytes('ffff')).uint64(),
    (e) => e instanceof DecodeError && e.offset === 0,
  );
  assert.throws(() => new WireReader(bytes('010203')).fixed32(), { code: 'EPROTOTRUNCATED' });
  assert.throws(() => new WireReader(bytes('01020304050607')).double(), { code: 'EPROTOTRUNCATED' });
  assert.throws(() => new WireReader(bytes('05616263')).bytes(), { code: 'EPROTOTRUNCATED' });
});

test('length 2^31 in a 10-byte buffer fails at once, before allocating or looping', () => {
  const b = bytes('8080808008 0000000000'); // varint 2^31, then 5 bytes
  const r = new WireReader(b);
  const t0 = performance.now();
  assert.throws(
    () => r.bytes(),
    (e) => e instanceof DecodeError && e.code === 'EPROTOTRUNCATED' && e.offset === 0,
  );
  assert.ok(performance.now() - t0 < 50);
  // A length that needs more than 32 bits is refused the same way.
  assert.throws(() => new WireReader(bytes('ffffffffffffffffff01')).bytes(), { code: 'EPROTOTRUNCATED' });
});

test('reads stop at the limit of the enclosing field, not the end of the buffer', () => {
  const r = new WireReader(bytes('9601 9601'), 0, 1);
  assert.throws(() => r.uint32(), { code: 'EPROTOTRUNCATED' });
});

test('strings: proto3 rejects invalid UTF-8, proto2 replaces it', () => {
  assert.throws(() => new WireReader(bytes('02c328')).string(true), { code: 'EPROTOUTF8' });
  assert.equal(new WireReader(bytes('02c328')).string(false), '\ufffd(');
  assert.equal(new WireReader(bytes('03e282ac')).string(true), '€');
});

test('skip: every wire type, including nested groups', () => {
  // varint, i64, len, i32, group{ varint, group{} }, then a marker varint field 15 = 1
  const data = bytes('08 96 01 11 0102030405060708 1a 02 6869 25 01020304 2b 08 01 33 34 2c 78 01');
  const r = new WireReader(data);
  for (let i = 0; i < 5; i++) r.skip(r.tag(), 0, 100);
  assert.equal(r.tag() >>> 3, 15);
  assert.equal(r.uint32(), 1);
});

test('skip: a group closed by the wrong END_GROUP is a DecodeError', () => {
  const r = new WireReader(bytes('0b 14'));
  assert.throws(() => r.skip(r.tag(), 0, 100), { code: 'EPROTOGROUP' });
});

test('skip: a group that never ends is a DecodeError', () => {
  const r = new WireReader(bytes('0b 08 01'));
  assert.throws(() => r.skip(r.tag(), 0, 100), { code: 'EPROTOTRUNCATED' });
});

test('100k nested START_GROUPs stop at the depth limit with LimitExceeded, not a RangeError', () => {
  const data = new Uint8Array(100_000).fill(0x0b);
  const r = new WireReader(data);
  assert.throws(
    () => r.skip(r.tag(), 0, 100),
    (e) => e instanceof LimitExceeded && e instanceof DecodeError && e.limit === 'maxDepth',
  );
});

test('writer: fork/join writes 1- and 2-byte length prefixes and nests', () => {
  const w = new WireWriter(4);
  w.fork();
  w.raw(new Uint8Array(200).fill(7));
  w.fork();
  w.uint32(1);
  w.join();
  w.join();
  const out = w.finish();
  // 202 = 200 raw bytes + the inner field's 1-byte prefix + its 1-byte payload; 202 needs a 2-byte varint.
  assert.equal(hex(out.subarray(0, 2)), 'ca01');
  assert.equal(out.length, 2 + 202);
  const r = new WireReader(out);
  const payload = r.bytes();
  assert.equal(payload.length, 202);
  assert.deepEqual(payload.subarray(0, 200), new Uint8Array(200).fill(7));
  assert.equal(hex(payload.subarray(200)), '0101');
});

test('writer: strings of every UTF-8 width, around the 1/2-byte prefix boundary', () => {
  for (const s of [
    '',
    'a',
    'é',
    '€',
    '🎉',
    'x'.repeat(127),
    'x'.repeat(128),
    'é'.repeat(42),
    'é'.repeat(64),
    '€'.repeat(50),
  ]) {
    const b = write((w) => w.string(s));
    const expected = Buffer.from(s, 'utf8');
    const r = new WireReader(b);
    assert.equal(r.length(), expected.length, JSON.stringify(s.slice(0, 5)));
    assert.deepEqual(Buffer.from(b.subarray(r.pos)), expected);
    assert.equal(new WireReader(b).string(true), s);
  }
});

test('property: every primitive round-trips through writer and reader', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -2147483648, max: 2147483647 }),
      fc.nat({ max: 0xffffffff }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.double(),
      fc.string({ unit: 'grapheme' }),
      (i32, u32, i64, u64, d, s) => {
        const w = new WireWriter(1);
        w.int32(i32);
        w.sint32(i32);
        w.sfixed32(i32);
        w.uint32(u32);
        w.fixed32(u32);
        w.int64(i64);
        w.sint64(i64);
        w.sfixed64(i64);
        w.uint64(u64);
        w.fixed64(u64);
        w.double(d);
        w.string(s);
        const r = new WireReader(w.finish());
        assert.equal(r.int32(), i32);
        assert.equal(r.sint32(), i32);
        assert.equal(r.sfixed32(), i32);
        assert.equal(r.uint32(), u32);
        assert.equal(r.fixed32(), u32);
        assert.equal(r.int64(), i64);
        assert.equal(r.sint64(), i64);
        assert.equal(r.sfixed64(), i64);
        assert.equal(r.uint64(), u64);
        assert.equal(r.fixed64(), u64);
        assert.ok(Object.is(r.double(), d));
        assert.equal(r.string(true), s);
        assert.equal(r.pos, r.limit);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: a reader never throws anything but DecodeError on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
      const r = new WireReader(data);
      try {
        while (r.pos < r.limit) r.skip(r.tag(), 0, 100);
      } catch (e) {
        assert.ok(e instanceof DecodeError, String(e));
      }
    }),
    { numRuns: 500 },
  );
});
