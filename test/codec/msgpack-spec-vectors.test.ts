import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../../src/buf/errors.js';
import { MsgpackDecoder } from '../../src/codec/msgpack-decoder.js';
import { MsgpackEncoder } from '../../src/codec/msgpack-encoder.js';
import { MsgpackDecodeCode, MsgpackEncodeCode, MsgpackEncodeError } from '../../src/codec/msgpack-errors.js';
import { MsgpackExt } from '../../src/codec/msgpack-ext.js';
import { MsgpackExtensions } from '../../src/codec/msgpack-extensions.js';
import { MsgpackTimestamp } from '../../src/codec/msgpack-timestamp.js';
import { expectedDecode, fromHex, hex } from './msgpack-values.js';

const enc = new MsgpackEncoder();
const dec = new MsgpackDecoder();
const rep = (s: string, n: number) => s.repeat(n);
const bytesOf = (n: number) => new Uint8Array(n).map((_, i) => i & 0xff);

// [format, value, expected bytes]: the smallest encoding, which is the only one an encoder may pick.
const smallest: [string, unknown, string][] = [
  ['positive fixint 0x00', 0, '00'],
  ['positive fixint 0x7f', 127, '7f'],
  ['fixmap 0x80', {}, '80'],
  ['fixmap 0x8f', Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i.toString(16)}`, i])), ''],
  ['fixarray 0x90', [], '90'],
  ['fixarray 0x9f', Array(15).fill(1), `9f${rep('01', 15)}`],
  ['fixstr 0xa0', '', 'a0'],
  ['fixstr 0xbf', rep('a', 31), `bf${rep('61', 31)}`],
  ['nil 0xc0', null, 'c0'],
  ['nil 0xc0 (undefined)', undefined, 'c0'],
  ['false 0xc2', false, 'c2'],
  ['true 0xc3', true, 'c3'],
  ['bin 8 0xc4', new Uint8Array([1, 2, 3]), 'c403010203'],
  ['bin 8 0xc4 (empty)', new Uint8Array(0), 'c400'],
  ['bin 16 0xc5', bytesOf(256), `c50100${hex(bytesOf(256))}`],
  ['bin 32 0xc6', bytesOf(65536), `c600010000${hex(bytesOf(65536))}`],
  ['ext 8 0xc7', new MsgpackExt(5, bytesOf(3)), 'c70305000102'],
  ['ext 8 0xc7 (empty)', new MsgpackExt(5, new Uint8Array(0)), 'c70005'],
  ['ext 16 0xc8', new MsgpackExt(-5, bytesOf(256)), `c80100fb${hex(bytesOf(256))}`],
  ['ext 32 0xc9', new MsgpackExt(127, bytesOf(65536)), `c9000100007f${hex(bytesOf(65536))}`],
  ['float 64 0xcb', 1.5, 'cb3ff8000000000000'],
  ['float 64 0xcb (-0)', -0, 'cb8000000000000000'],
  ['float 64 0xcb (NaN)', Number.NaN, 'cb7ff8000000000000'],
  ['float 64 0xcb (-Infinity)', Number.NEGATIVE_INFINITY, 'cbfff0000000000000'],
  ['float 64 0xcb (2^53, not exact as an integer)', 2 ** 53, 'cb4340000000000000'],
  ['uint 8 0xcc', 128, 'cc80'],
  ['uint 8 0xcc max', 255, 'ccff'],
  ['uint 16 0xcd', 256, 'cd0100'],
  ['uint 16 0xcd max', 65535, 'cdffff'],
  ['uint 32 0xce', 65536, 'ce00010000'],
  ['uint 32 0xce max', 2 ** 32 - 1, 'ceffffffff'],
  ['uint 64 0xcf', 2 ** 32, 'cf0000000100000000'],
  ['uint 64 0xcf max safe', Number.MAX_SAFE_INTEGER, 'cf001fffffffffffff'],
  ['uint 64 0xcf bigint max', 2n ** 64n - 1n, 'cfffffffffffffffff'],
  ['int 8 0xd0', -33, 'd0df'],
  ['int 8 0xd0 min', -128, 'd080'],
  ['int 16 0xd1', -129, 'd1ff7f'],
  ['int 16 0xd1 min', -32768, 'd18000'],
  ['int 32 0xd2', -32769, 'd2ffff7fff'],
  ['int 32 0xd2 min', -(2 ** 31), 'd280000000'],
  ['int 64 0xd3', -(2 ** 31) - 1, 'd3ffffffff7fffffff'],
  ['int 64 0xd3 min safe', Number.MIN_SAFE_INTEGER, 'd3ffe0000000000001'],
  ['int 64 0xd3 bigint min', -(2n ** 63n), 'd38000000000000000'],
  ['fixext 1 0xd4', new MsgpackExt(1, bytesOf(1)), 'd40100'],
  ['fixext 2 0xd5', new MsgpackExt(2, bytesOf(2)), 'd5020001'],
  ['fixext 4 0xd6', new MsgpackExt(3, bytesOf(4)), 'd60300010203'],
  ['fixext 8 0xd7', new MsgpackExt(4, bytesOf(8)), `d704${hex(bytesOf(8))}`],
  ['fixext 16 0xd8', new MsgpackExt(-128, bytesOf(16)), `d880${hex(bytesOf(16))}`],
  ['str 8 0xd9', rep('a', 32), `d920${rep('61', 32)}`],
  ['str 8 0xd9 (multi-byte, 11 chars → 33 bytes)', rep('€', 11), `d921${rep('e282ac', 11)}`],
  ['str 16 0xda', rep('b', 256), `da0100${rep('62', 256)}`],
  ['str 16 0xda (multi-byte crossing 255)', rep('é', 128), `da0100${rep('c3a9', 128)}`],
  ['str 32 0xdb', rep('c', 65536), `db00010000${rep('63', 65536)}`],
  ['array 16 0xdc', Array(16).fill(0), `dc0010${rep('00', 16)}`],
  ['array 32 0xdd', Array(65536).fill(1), `dd00010000${rep('01', 65536)}`],
  [
    'map 16 0xde',
    Object.fromEntries(Array.from({ length: 16 }, (_, i) => [String.fromCharCode(97 + i), i])),
    '',
  ],
  ['negative fixint 0xe0', -32, 'e0'],
  ['negative fixint 0xff', -1, 'ff'],
  ['str (4-byte UTF-8)', '😀', 'a4f09f9880'],
  ['str (lone surrogate becomes U+FFFD)', '\ud800', 'a3efbfbd'],
  ['timestamp 32', new Date(1_700_000_000_000), 'd6ff6553f100'],
  ['timestamp 64 (milliseconds)', new Date(1_700_000_000_123), 'd7ff1d5353006553f100'],
  ['timestamp 64 (nanoseconds)', new MsgpackTimestamp(1, 1), 'd7ff0000000400000001'],
  ['timestamp 64 (seconds beyond 2^32)', new MsgpackTimestamp(2 ** 33, 0), 'd7ff0000000200000000'],
  ['timestamp 96 (before 1970)', new Date(-1), 'c70cff3b8b87c0ffffffffffffffff'],
  ['timestamp 96 (seconds beyond 2^34)', new MsgpackTimestamp(2 ** 34, 5), 'c70cff000000050000000400000000'],
  [
    'map with non-string keys',
    new Map<unknown, unknown>([
      [1, 'a'],
      [true, null],
    ]),
    '8201a161c3c0',
  ],
];

test('every format byte: the encoder writes the smallest form and the decoder reads it back', () => {
  for (const [format, value, expected] of smallest) {
    const bytes = enc.encode(value);
    if (expected !== '') assert.equal(hex(bytes), expected, format);
    const decoded = value === '\ud800' ? '\ufffd' : expectedDecode(value);
    assert.deepStrictEqual(dec.decode(bytes), decoded, format);
  }
  // fixmap 0x8f / map 16 0xde: header byte then keys in insertion order.
  assert.equal(hex(enc.encode(smallest[3][1])).slice(0, 2), '8f');
  assert.equal(hex(enc.encode(smallest.find(([f]) => f === 'map 16 0xde')![1])).slice(0, 6), 'de0010');
});

// Forms a decoder must accept though our encoder would pick a smaller one.
const decodeOnly: [string, string, unknown][] = [
  ['uint 8 holding 1', 'cc01', 1],
  ['uint 16 holding 1', 'cd0001', 1],
  ['uint 32 holding 1', 'ce00000001', 1],
  ['uint 64 holding 1', 'cf0000000000000001', 1],
  ['int 8 holding 1', 'd001', 1],
  ['int 16 holding -1', 'd1ffff', -1],
  ['int 32 holding -1', 'd2ffffffff', -1],
  ['int 64 holding -1', 'd3ffffffffffffffff', -1],
  ['uint 64 2^53 (not safe: bigint)', 'cf0020000000000000', 2n ** 53n],
  ['int 64 -2^53 (not safe: bigint)', 'd3ffe0000000000000', -(2n ** 53n)],
  ['float 32 0xca', 'ca3fc00000', 1.5],
  ['float 32 NaN', 'ca7fc00000', Number.NaN],
  ['str 8 holding "a"', 'd90161', 'a'],
  ['str 16 holding "a"', 'da000161', 'a'],
  ['str 32 holding "a"', 'db0000000161', 'a'],
  ['bin 16 holding 1 byte', 'c5000107', new Uint8Array([7])],
  ['bin 32 holding 1 byte', 'c60000000107', new Uint8Array([7])],
  ['array 16 holding 1', 'dc000101', [1]],
  ['array 32 holding 1', 'dd0000000101', [1]],
  ['ext 8 holding 1 byte', 'c7010509', new MsgpackExt(5, new Uint8Array([9]))],
  ['timestamp 64 with zero nanoseconds', 'd7ff0000000000000001', new Date(1000)],
  ['timestamp 96 with zero nanoseconds', 'c70cff000000000000000000000001', new Date(1000)],
];

test('non-smallest forms decode to the same values', () => {
  for (const [what, bytes, expected] of decodeOnly)
    assert.deepStrictEqual(dec.decode(fromHex(bytes)), expected, what);
  const map16 = dec.decode(fromHex('de0001a161c3')) as Record<string, unknown>;
  assert.equal(map16.a, true);
  const map32 = dec.decode(fromHex('df00000001a161c2')) as Record<string, unknown>;
  assert.equal(map32.a, false);
});

test('int64AsBigInt decodes every uint 64 / int 64 as bigint, and only those', () => {
  const big = new MsgpackDecoder({ int64AsBigInt: true });
  assert.equal(big.decode(fromHex('cf0000000000000001')), 1n);
  assert.equal(big.decode(fromHex('d3ffffffffffffffff')), -1n);
  assert.equal(big.decode(fromHex('ceffffffff')), 2 ** 32 - 1);
});

test("float32: 'exact' writes float 32 only when that loses nothing", () => {
  const e = new MsgpackEncoder({ float32: 'exact' });
  assert.equal(hex(e.encode(1.5)), 'ca3fc00000');
  assert.equal(hex(e.encode(0.1)), 'cb3fb999999999999a');
  assert.equal(hex(e.encode(3)), '03', 'integers still use int formats');
});

test('timestamps: Date by default, full nanosecond precision with timestamp: object', () => {
  const bytes = enc.encode(new MsgpackTimestamp(1_700_000_000, 123_456_789));
  assert.deepStrictEqual(dec.decode(bytes), new Date(1_700_000_000_123));
  const exact = new MsgpackDecoder({ timestamp: 'object' });
  assert.deepStrictEqual(exact.decode(bytes), new MsgpackTimestamp(1_700_000_000, 123_456_789));
  const far = enc.encode(new MsgpackTimestamp(2n ** 62n, 1));
  assert.deepStrictEqual(exact.decode(far), new MsgpackTimestamp(2n ** 62n, 1));
  assert.throws(() => dec.decode(far), { code: MsgpackDecodeCode.timestamp });
});

test('extensions registered by class encode and decode; unknown types survive as MsgpackExt', () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const extensions = new MsgpackExtensions().register({
    type: 9,
    cls: Point,
    encode: (p) => new Uint8Array([p.x, p.y]),
    decode: (d) => new Point(d[0], d[1]),
  });
  const bytes = new MsgpackEncoder({ extensions }).encode([new Point(1, 2)]);
  assert.equal(hex(bytes), '91d5090102');
  assert.deepStrictEqual(new MsgpackDecoder({ extensions }).decode(bytes), [new Point(1, 2)]);
  assert.deepStrictEqual(dec.decode(bytes), [new MsgpackExt(9, new Uint8Array([1, 2]))]);
  assert.throws(() =>
    extensions.register({
      type: 9,
      cls: Point,
      encode: () => new Uint8Array(),
      decode: () => new Point(0, 0),
    }),
  );
  assert.throws(() =>
    extensions.register({ type: -1, cls: Date, encode: () => new Uint8Array(), decode: () => new Date(0) }),
  );
  const failing = new MsgpackExtensions().register({
    type: 9,
    cls: Point,
    encode: () => new Uint8Array(),
    decode: () => {
      throw new Error('bad point');
    },
  });
  assert.throws(
    () => new MsgpackDecoder({ extensions: failing }).decode(bytes),
    (e: unknown) => {
      assert.ok(e instanceof DecodeError);
      assert.equal(e.code, MsgpackDecodeCode.extension);
      assert.equal(e.offset, 1);
      return true;
    },
  );
});

test('an extension may encode and decode its nested payload with the same encoder and decoder', () => {
  class Envelope {
    constructor(readonly inner: unknown) {}
  }
  const extensions = new MsgpackExtensions();
  const encoder = new MsgpackEncoder({ extensions, output: 'view' });
  const decoder = new MsgpackDecoder({ extensions });
  extensions.register({
    type: 3,
    cls: Envelope,
    encode: (e) => encoder.encode(e.inner),
    decode: (d) => new Envelope(decoder.decode(d)),
  });
  const value = ['before', new Envelope({ deep: new Envelope([1, 'two']) }), 'after'];
  const bytes = encoder.encode(value).slice();
  const back = decoder.decode(bytes) as unknown[];
  assert.equal(back[0], 'before');
  assert.equal(back[2], 'after');
  const outer = back[1] as Envelope;
  assert.ok(outer instanceof Envelope);
  const inner = (outer.inner as { deep: Envelope }).deep;
  assert.deepStrictEqual(inner, new Envelope([1, 'two']));
  assert.equal(hex(new MsgpackEncoder({ extensions }).encode(value)), hex(bytes));
});

test('bin accepts other binary views; output: view returns the reused buffer', () => {
  assert.equal(hex(enc.encode(new Uint16Array([0x0102]))), 'c4020201');
  assert.equal(hex(enc.encode(new Uint8Array([1]).buffer)), 'c40101');
  const viewEncoder = new MsgpackEncoder({ output: 'view', initialBufferSize: 16 });
  const first = viewEncoder.encode('a');
  assert.equal(hex(first), 'a161');
  viewEncoder.encode('b');
  assert.equal(hex(first), 'a162', 'a view is overwritten by the next encode');
  const big = viewEncoder.encode('x'.repeat(1000));
  assert.equal(big.length, 1003, 'the buffer grows past its initial size');
  const copies = [enc.encode('a'), enc.encode('b')];
  assert.deepStrictEqual(copies.map(hex), ['a161', 'a162'], 'copies are independent');
  const viewDecoder = new MsgpackDecoder({ binary: 'view' });
  const input = fromHex('c403010203');
  const bin = viewDecoder.decode(input) as Uint8Array;
  assert.equal(bin.buffer, input.buffer);
});

test('values without a MessagePack form are typed encode errors', () => {
  const cases: [unknown, string][] = [
    [() => 0, MsgpackEncodeCode.unsupported],
    [Symbol('s'), MsgpackEncodeCode.unsupported],
    [new (class Foo {})(), MsgpackEncodeCode.unsupported],
    [2n ** 64n, MsgpackEncodeCode.range],
    [-(2n ** 63n) - 1n, MsgpackEncodeCode.range],
    [new Date(Number.NaN), MsgpackEncodeCode.range],
    [new MsgpackExt(128, new Uint8Array()), MsgpackEncodeCode.range],
    [new MsgpackTimestamp(0, 1e9), MsgpackEncodeCode.range],
    [new MsgpackTimestamp(1.5, 0), MsgpackEncodeCode.range],
  ];
  for (const [value, code] of cases) {
    assert.throws(
      () => enc.encode(value),
      (e: unknown) => e instanceof MsgpackEncodeError && e.code === code,
      String(value),
    );
  }
  class Bad {}
  const badExtensions = new MsgpackExtensions().register({
    type: 4,
    cls: Bad,
    encode: () => [1, 2] as unknown as Uint8Array,
    decode: () => new Bad(),
  });
  assert.throws(() => new MsgpackEncoder({ extensions: badExtensions }).encode(new Bad()), {
    code: MsgpackEncodeCode.unsupported,
  });
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  assert.throws(() => enc.encode(cyclic), { code: MsgpackEncodeCode.depth });
  assert.equal(
    hex(enc.encode('still works')),
    'ab7374696c6c20776f726b73',
    'the encoder recovers after an error',
  );
});

// [what, bytes, code, offset]
const malformed: [string, string, string, number][] = [
  ['0xc1 is never used', 'c1', MsgpackDecodeCode.reserved, 0],
  ['0xc1 inside an array', '92 01 c1', MsgpackDecodeCode.reserved, 2],
  ['empty input', '', MsgpackDecodeCode.truncated, 0],
  ['uint 16 missing a byte', 'cd 01', MsgpackDecodeCode.truncated, 0],
  ['float 64 missing bytes', 'cb 00 00', MsgpackDecodeCode.truncated, 0],
  ['uint 64 missing bytes', 'cf 00 00 00 00 00', MsgpackDecodeCode.truncated, 0],
  ['int 64 missing bytes in an array', '91 d3 00', MsgpackDecodeCode.truncated, 1],
  ['fixstr missing its payload', 'a3 61', MsgpackDecodeCode.truncated, 0],
  ['str 8 missing its length', 'd9', MsgpackDecodeCode.truncated, 0],
  ['bin 32 declaring more than remains', 'c6 00 00 01 00 01', MsgpackDecodeCode.truncated, 0],
  ['ext 8 missing its type', 'c7 01', MsgpackDecodeCode.truncated, 0],
  ['array missing elements', '93 01 02', MsgpackDecodeCode.truncated, 0],
  ['map missing a value', '81 a1 61', MsgpackDecodeCode.truncated, 3],
  ['trailing bytes', 'c0 c0', MsgpackDecodeCode.trailing, 1],
  ['overlong UTF-8', 'a2 c0 80', MsgpackDecodeCode.utf8, 0],
  ['UTF-16 surrogate in UTF-8', 'a3 ed a0 80', MsgpackDecodeCode.utf8, 0],
  ['truncated UTF-8 sequence', 'a1 e2', MsgpackDecodeCode.utf8, 0],
  ['invalid UTF-8 in a long string', `d9 40 ${rep('61', 63)} ff`, MsgpackDecodeCode.utf8, 0],
  ['invalid UTF-8 in a map key', '81 a1 ff c0', MsgpackDecodeCode.utf8, 1],
  ['timestamp of 5 bytes', 'c7 05 ff 00 00 00 00 00', MsgpackDecodeCode.timestamp, 0],
  [
    'timestamp with 1e9 nanoseconds',
    'c7 0c ff 3b 9a ca 00 00 00 00 00 00 00 00 00',
    MsgpackDecodeCode.timestamp,
    0,
  ],
];

test('a truncated 64-bit integer reports the 8 bytes it needs and all that remain, like float 64', () => {
  assert.throws(() => dec.decode(fromHex('cf00000000000000')), {
    code: MsgpackDecodeCode.truncated,
    offset: 0,
    message: 'uint 64 needs 8 bytes but only 7 remain (at offset 0)',
  });
  assert.throws(() => dec.decode(fromHex('91d3ff')), {
    code: MsgpackDecodeCode.truncated,
    offset: 1,
    message: 'int 64 needs 8 bytes but only 1 remain (at offset 1)',
  });
  assert.throws(() => dec.decode(fromHex('cb000000')), {
    message: 'float 64 needs 8 bytes but only 3 remain (at offset 0)',
  });
});

test('malformed input: a typed DecodeError with the code and the offset of the bad value', () => {
  for (const [what, bytes, code, offset] of malformed) {
    assert.throws(
      () => dec.decode(fromHex(bytes.replaceAll(' ', ''))),
      (e: unknown) => {
        assert.ok(e instanceof DecodeError, `${what}: ${e}`);
        assert.equal(e.code, code, what);
        assert.equal(e.offset, offset, what);
        assert.match(e.message, /at offset \d+/, what);
        return true;
      },
    );
  }
});
