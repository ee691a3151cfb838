import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError, LimitExceeded } from '../../src/buf/errors.js';
import { loadProtoSchema, ProtoEncodeError, ProtoSchema, UNKNOWN_FIELDS } from '../../src/protobuf/index.js';
import { FIXTURES, plain, protocDecode, protocEncode } from './protoc-oracle.js';
import { python } from './python-oracle.js';

const schema = loadProtoSchema([`${FIXTURES}/all_types.proto`, `${FIXTURES}/service.proto`], {
  includePaths: [FIXTURES],
});
const AllTypes = schema.message('wstest.AllTypes');
const Nested = schema.message('wstest.Nested');
const Recursive = schema.message('wstest.svc.Recursive');

/** `n` Recursive messages nested inside the top-level one, built by hand (field 1, length-delimited). */
function nestedBytes(n: number): Uint8Array {
  let b = new Uint8Array(0);
  for (let i = 0; i < n; i++) {
    const prefix: number[] = [];
    let len = b.length;
    while (len >= 0x80) {
      prefix.push((len & 0x7f) | 0x80);
      len >>>= 7;
    }
    prefix.push(len);
    b = Uint8Array.from([0x0a, ...prefix, ...b]);
  }
  return b;
}

test('depth: 100 nested messages decode, 101 is LimitExceeded (python-protobuf draws the line at the same place)', () => {
  let m = Recursive.decode(nestedBytes(100));
  let depth = 0;
  while (m.child) {
    m = m.child as typeof m;
    depth++;
  }
  assert.equal(depth, 100);
  assert.throws(
    () => Recursive.decode(nestedBytes(101)),
    (e) => e instanceof LimitExceeded && e.code === 'EPROTODEPTH' && e.limit === 'maxDepth' && e.max === 100,
  );
  assert.doesNotThrow(() => Recursive.decode(nestedBytes(101), { maxDepth: 101 }));
  const [at100, at101] = python(
    [100, 101].map((n) => ({
      op: 'reserialize' as const,
      type: 'wstest.svc.Recursive',
      bytes: nestedBytes(n),
    })),
  );
  assert.ok('ok' in at100, JSON.stringify(at100));
  assert.ok('error' in at101, JSON.stringify(at101));
});

test('depth: 100k nested START_GROUPs in a message are a DecodeError, not a RangeError', () => {
  const data = new Uint8Array(100_000).fill(0x1b); // field 3, START_GROUP: unknown to Recursive
  assert.throws(
    () => Recursive.decode(data),
    (e) => e instanceof DecodeError && e.code === 'EPROTODEPTH',
  );
});

test('depth: 5000 nested length-delimited messages are LimitExceeded, not a stack overflow', () => {
  const data = nestedBytes(5000);
  assert.throws(
    () => Recursive.decode(data),
    (e) => e instanceof LimitExceeded && e.actual === 101,
  );
});

test('message size: input over maxMessageBytes is refused before decoding', () => {
  const data = AllTypes.encode({ fString: 'x'.repeat(100) });
  assert.throws(
    () => AllTypes.decode(data, { maxMessageBytes: 64 }),
    (e) => e instanceof LimitExceeded && e.limit === 'maxMessageBytes' && e.actual === data.length,
  );
  assert.equal(AllTypes.decode(data, { maxMessageBytes: 1024 }).fString, 'x'.repeat(100));
});

test('encode depth: a cyclic object is a ProtoEncodeError, not a stack overflow', () => {
  const a: Record<string, unknown> = { value: 1 };
  a.child = a;
  assert.throws(
    () => Recursive.encode(a),
    (e) => e instanceof ProtoEncodeError && e.code === 'EPROTODEPTH',
  );
});

test('__proto__: Object.prototype is not on a message\'s chain; a "__proto__" key pollutes nothing', () => {
  const m = AllTypes.decode(AllTypes.encode({ mStringInt32: new Map([['__proto__', 1]]) }));
  assert.equal(m instanceof Object, false); // Object.prototype is not on the chain
  assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(m)), null);
  assert.equal((m.mStringInt32 as Map<string, number>).get('__proto__'), 1);
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "fInt32": 3}');
  assert.equal(AllTypes.encode(hostile).length, 2);
  const fromJson = AllTypes.fromJson(hostile, { ignoreUnknownFields: true });
  assert.equal(fromJson.fInt32, 3);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.throws(() => AllTypes.fromJson(hostile), { code: 'EPROTOJSON' });
  const s = ProtoSchema.fromSources({ 'p.proto': 'syntax = "proto3"; message P { int32 __proto__ = 1; }' });
  const P = s.message('P');
  const key = s.messageDescriptor('P').fields[0].localName;
  const decoded = P.decode(Uint8Array.of(0x08, 0x05));
  assert.equal(decoded[key], 5);
  assert.equal(decoded instanceof Object, false);
  // Writing the key itself makes an own property instead of changing the prototype.
  const created = P.create();
  const protoKey = '__proto__';
  created[protoKey] = { polluted: true };
  assert.equal(Object.hasOwn(created, '__proto__'), true);
  assert.equal((created as Record<string, unknown>).polluted, undefined);
});

test('oneof: setting two members is a ProtoEncodeError; on the wire the last member wins', () => {
  assert.throws(
    () => AllTypes.encode({ oString: 'a', oInt32: 1 }),
    (e) => e instanceof ProtoEncodeError && e.code === 'EPROTOONEOF',
  );
  const both = Uint8Array.from([...AllTypes.encode({ oString: 'a' }), ...AllTypes.encode({ oInt32: 0 })]);
  const m = AllTypes.decode(both);
  assert.equal(m.oInt32, 0);
  assert.equal('oString' in m, false);
});

test('repeated scalars: packed and unpacked encodings are both accepted on decode', () => {
  const packed = AllTypes.encode({ rInt32: [1, 2, 3] }); // r_int32 is packed
  const unpacked = Uint8Array.of(0xf8, 0x01, 1, 0xf8, 0x01, 2, 0xf8, 0x01, 3); // field 31, varint, x3
  assert.deepEqual(AllTypes.decode(packed).rInt32, [1, 2, 3]);
  assert.deepEqual(AllTypes.decode(unpacked).rInt32, [1, 2, 3]);
  // And the other way: an unpacked field sent packed.
  const packedForUnpacked = Uint8Array.of(0x9a, 0x02, 2, 7, 8); // field 35, LEN, [7, 8]
  assert.deepEqual(AllTypes.decode(packedForUnpacked).rInt32Unpacked, [7, 8]);
  assert.deepEqual(AllTypes.encode({ rInt32Unpacked: [7, 8] }), Uint8Array.of(0x98, 0x02, 7, 0x98, 0x02, 8));
});

test('packed runs: sized up front or pushed, several runs append, malformed runs fail where they fail', () => {
  const decode = (...b: number[]) => AllTypes.decode(Uint8Array.from(b));
  // field 31 (r_int32) in two runs, [1, 300] then [5], and an unpacked value between them
  const m = decode(0xfa, 0x01, 3, 1, 0xac, 0x02, 0xf8, 0x01, 9, 0xfa, 0x01, 1, 5);
  assert.deepEqual(m.rInt32, [1, 300, 9, 5]);
  assert.deepEqual(decode(0xfa, 0x01, 0).rInt32, []);
  assert.deepEqual(decode(0xba, 0x02, 3, 1, 0, 2).rBool, [true, false, true]); // field 39
  // field 40 (r_uint64): 2^64 - 1 in ten bytes; field 32 (r_sint64): -1, 1
  const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
  assert.deepEqual(decode(0xc2, 0x02, 11, ...max, 0).rUint64, [2n ** 64n - 1n, 0n]);
  assert.deepEqual(decode(0x82, 0x02, 2, 1, 2).rSint64, [-1n, 1n]);
  // field 33 (r_double): fixed width
  assert.deepEqual(
    decode(0x8a, 0x02, 16, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0xc0).rDouble,
    [1.5, -2],
  );
  // Long runs (past the up-front sizing) and a long run after a short one.
  const long = Array.from({ length: 400 }, (_, i) => i % 100);
  assert.deepEqual(decode(0xfa, 0x01, 0x90, 0x03, ...long).rInt32, long);
  assert.deepEqual(decode(0xfa, 0x01, 1, 7, 0xfa, 0x01, 0x90, 0x03, ...long).rInt32, [7, ...long]);
  const fails = (bytes: number[], code: string, offset: number) =>
    assert.throws(
      () => decode(...bytes),
      (e) => e instanceof DecodeError && e.code === code && e.offset === offset,
    );
  fails([0xfa, 0x01, 3, 1, 0x80, 0x80], 'EPROTOTRUNCATED', 4); // the last varint never ends
  fails([0xfa, 0x01, 12, ...new Array(11).fill(0xff), 0x01], 'EPROTOVARINT', 3);
  fails([0x8a, 0x02, 12, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 1, 2, 3, 4], 'EPROTOTRUNCATED', 11); // 1.5 and half a double
  fails([0xfa, 0x01, 5, 1, 2], 'EPROTOTRUNCATED', 2);
});

test('short strings decode to exactly their text: ASCII and not, around 16 bytes, hash-alike pairs', () => {
  const utf8 = new TextEncoder();
  // 'Aa' and 'BB' (and 'AaAa', 'BBBB') hash alike under 31-multiplier hashes, a trap for any string cache.
  const texts = [
    'Aa',
    'BB',
    'Aa',
    'AaAa',
    'BBBB',
    'AaBB',
    '',
    'x',
    'protobuf-js',
    'sixteen-chars-16',
    'seventeen-chars17',
  ];
  for (let i = 0; i < 3000; i++) texts.push(`k${i}`, `k${i % 7}`, `ü${i}`, `é`);
  for (const text of texts) {
    const b = utf8.encode(text);
    const bytes = Uint8Array.from([0x4a, b.length, ...b]); // field 9 (f_string); every text is < 128 bytes
    assert.equal(AllTypes.decode(bytes).fString, text);
  }
});

test('decoded messages have every list and map, fresh, in the order create() gives them', () => {
  const empty = AllTypes.decode(new Uint8Array(0));
  const created = AllTypes.create();
  assert.deepEqual(Object.keys(empty), Object.keys(created));
  assert.deepEqual(empty, created);
  for (const f of schema.messageDescriptor('wstest.AllTypes').fields) {
    if (f.mapEntry) assert.ok(empty[f.localName] instanceof Map, f.name);
    else if (f.repeated) assert.deepEqual(empty[f.localName], [], f.name);
  }
  const again = AllTypes.decode(new Uint8Array(0));
  (empty.rInt32 as number[]).push(1);
  assert.deepEqual(again.rInt32, []);
  // Beside nested messages and map values, one list set while the others stay empty.
  const bytes = AllTypes.encode({
    rNested: [{ a: 1 }],
    mBoolNested: new Map([[true, { a: 2 }]]),
    rUint64: [3n],
  });
  const m = AllTypes.decode(bytes);
  assert.deepEqual(
    m,
    AllTypes.create({
      rNested: [Nested.create({ a: 1 })],
      mBoolNested: new Map([[true, Nested.create({ a: 2 })]]),
      rUint64: [3n],
    }),
  );
  assert.deepEqual(m.rInt32, []);
  // A proto2 repeated closed enum and packed list are read outside the compiled switch.
  const proto2 = loadProtoSchema([`${FIXTURES}/proto2.proto`], { includePaths: [FIXTURES] });
  const Legacy = proto2.message('wstest2.Legacy');
  const legacy = Legacy.decode(Legacy.encode({ id: 1, levels: [2, 1], values: [4] }));
  assert.deepEqual([legacy.levels, legacy.values, legacy.packedValues], [[2, 1], [4], []]);
});

test('a known field with the wrong wire type is kept as an unknown field', () => {
  const wrong = Uint8Array.of(0x2d, 1, 2, 3, 4); // field 5 (int32) sent as fixed32
  const m = AllTypes.decode(wrong);
  assert.equal(m.fInt32, 0);
  assert.deepEqual(m[UNKNOWN_FIELDS], wrong);
  assert.deepEqual(AllTypes.encode(m), wrong);
});

test('a message field that appears twice is merged, as protobuf does', () => {
  const twice = Uint8Array.from([
    ...AllTypes.encode({ fNested: { a: 1 } }),
    ...AllTypes.encode({ fNested: { b: 'x' } }),
  ]);
  assert.deepEqual(plain(AllTypes.decode(twice).fNested), plain(Nested.create({ a: 1, b: 'x' })));
});

test('encode: values that do not fit their field are ProtoEncodeErrors naming the field', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ fInt32: '1' }, /wstest\.AllTypes\.f_int32: expected an integer/],
    [{ fInt32: 2 ** 31 }, /f_int32/],
    [{ fUint32: -1 }, /f_uint32/],
    [{ fInt64: 2n ** 63n }, /f_int64/],
    [{ fUint64: -1n }, /f_uint64/],
    [{ fInt64: 2 ** 60 }, /f_int64.*safe integer/],
    [{ fBool: 1 }, /f_bool: expected a boolean/],
    [{ fBytes: 'abc' }, /f_bytes: expected a Uint8Array/],
    [{ rInt32: 5 }, /r_int32: expected an array/],
    [{ fEnum: 'PURPLE' }, /f_enum: expected a value of enum wstest.Color/],
    [{ fNested: 5 }, /wstest.Nested: expected a message object/],
    [{ rString: ['a', null] }, /r_string/],
  ];
  for (const [value, message] of bad) {
    assert.throws(
      () => AllTypes.encode(value),
      (e) => e instanceof ProtoEncodeError && message.test(e.message),
      JSON.stringify(String(Object.keys(value))),
    );
  }
});

test('encode: enum names, safe-integer numbers for 64-bit fields and plain-object maps are accepted', () => {
  const a = AllTypes.encode({
    fEnum: 'NEGATIVE',
    fInt64: -5,
    mStringInt32: { a: 1 },
    mInt64String: { '-3': 'x' },
  });
  const b = AllTypes.encode({
    fEnum: -7,
    fInt64: -5n,
    mStringInt32: new Map([['a', 1]]),
    mInt64String: new Map([[-3n, 'x']]),
  });
  assert.deepEqual(a, b);
  // The zero value given by name is the default, left out like the number 0.
  assert.equal(AllTypes.encode({ fEnum: 'COLOR_UNSPECIFIED' }).length, 0);
});

test('bytes fields decode as views into the input, or as copies with copyBytes', () => {
  const data = AllTypes.encode({ fBytes: Uint8Array.of(1, 2, 3) });
  const m = AllTypes.decode(data);
  assert.equal((m.fBytes as Uint8Array).buffer, data.buffer);
  const copied = AllTypes.decode(data, { copyBytes: true });
  assert.notEqual((copied.fBytes as Uint8Array).buffer, data.buffer);
  data.fill(0);
  assert.deepEqual(copied.fBytes, Uint8Array.of(1, 2, 3));
});

// --- property tests ------------------------------------------------------------------------------

const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
const uint32 = fc.nat({ max: 0xffffffff });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const str = fc.string({ unit: 'grapheme', maxLength: 20 });
const enumValue = fc.constantFrom(0, 1, 2, -7, 9);
const leaf = fc.record({ a: int32, b: str }).map((v) => Nested.create(v));
const nested = fc
  .record({ a: int32, b: str, child: fc.option(leaf, { nil: undefined }) })
  .map(({ child, ...v }) => Nested.create(child ? { ...v, child } : v));
const oneof = fc.oneof(
  fc.constant({}),
  str.map((oString) => ({ oString })),
  int32.map((oInt32) => ({ oInt32 })),
  nested.map((oNested) => ({ oNested })),
);
const allTypes = fc
  .tuple(
    fc.record({
      fDouble: fc.double(),
      fFloat: fc.float(),
      fInt64: int64,
      fUint64: uint64,
      fInt32: int32,
      fFixed64: uint64,
      fFixed32: uint32,
      fBool: fc.boolean(),
      fString: str,
      fBytes: fc.uint8Array({ maxLength: 20 }),
      fUint32: uint32,
      fEnum: enumValue,
      fSfixed32: int32,
      fSfixed64: int64,
      fSint32: int32,
      fSint64: int64,
    }),
    fc.record(
      {
        fNested: nested,
        pInt32: int32,
        pString: str,
      },
      { requiredKeys: [] },
    ),
    fc.record({
      rInt32: fc.array(int32, { maxLength: 5 }),
      rSint64: fc.array(int64, { maxLength: 5 }),
      rDouble: fc.array(fc.double(), { maxLength: 5 }),
      rEnum: fc.array(enumValue, { maxLength: 5 }),
      rInt32Unpacked: fc.array(int32, { maxLength: 5 }),
      rFixed32Unpacked: fc.array(uint32, { maxLength: 5 }),
      rString: fc.array(str, { maxLength: 5 }),
      rNested: fc.array(nested, { maxLength: 3 }),
      rBool: fc.array(fc.boolean(), { maxLength: 5 }),
      rUint64: fc.array(uint64, { maxLength: 5 }),
      mStringInt32: fc.array(fc.tuple(str, int32), { maxLength: 4 }).map((e) => new Map(e)),
      mInt64String: fc.array(fc.tuple(int64, str), { maxLength: 4 }).map((e) => new Map(e)),
      mBoolNested: fc.array(fc.tuple(fc.boolean(), nested), { maxLength: 2 }).map((e) => new Map(e)),
      mUint32Enum: fc.array(fc.tuple(uint32, enumValue), { maxLength: 4 }).map((e) => new Map(e)),
    }),
    oneof,
  )
  .map(([a, b, c, d]) => AllTypes.create({ ...a, ...b, ...c, ...d }));

test('property: random messages round-trip, and re-encoding gives the same bytes', () => {
  fc.assert(
    fc.property(allTypes, (m) => {
      const bytes = AllTypes.encode(m);
      const back = AllTypes.decode(bytes);
      assert.deepEqual(plain(back), plain(m));
      assert.deepEqual(AllTypes.encode(back), bytes);
    }),
    { numRuns: 200 },
  );
});

test('property: protoc reads random messages of ours and writes them back to the same values', () => {
  fc.assert(
    fc.property(allTypes, (m) => {
      const ours = AllTypes.encode(m);
      const text = protocDecode('all_types.proto', 'wstest.AllTypes', ours);
      const theirs = protocEncode('all_types.proto', 'wstest.AllTypes', text);
      assert.deepEqual(plain(AllTypes.decode(theirs)), plain(m));
    }),
    { numRuns: 15 },
  );
});

test('property: random bytes decode to a message or a DecodeError, nothing else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (data) => {
      try {
        AllTypes.decode(data);
      } catch (e) {
        assert.ok(e instanceof DecodeError, String(e));
      }
    }),
    { numRuns: 1000 },
  );
});

test('property: mutated valid messages decode to a message or a DecodeError, nothing else', () => {
  fc.assert(
    fc.property(allTypes, fc.nat(), fc.nat({ max: 255 }), (m, at, byte) => {
      const data = AllTypes.encode(m);
      if (data.length === 0) return;
      data[at % data.length] = byte;
      try {
        AllTypes.decode(data);
      } catch (e) {
        assert.ok(e instanceof DecodeError, String(e));
      }
    }),
    { numRuns: 300 },
  );
});

test('typed message types: schema.message<T>() gives create/encode/decode that type', () => {
  interface NestedShape {
    a: number;
    b: string;
    child?: NestedShape;
  }
  const Typed = schema.message<NestedShape>('wstest.Nested');
  const m: NestedShape = Typed.decode(Typed.encode(Typed.create({ a: 1, child: Typed.create({ b: 'x' }) })));
  assert.equal(m.a + 1, 2);
  assert.equal(m.child?.b, 'x');
});

test('fields named like Object.prototype members are not read from the prototype of plain objects', () => {
  const s = ProtoSchema.fromSources({
    'c.proto':
      'syntax = "proto3"; message C { string constructor = 1; int32 to_string = 2; C value_of = 3; }',
  });
  const C = s.message('C');
  assert.equal(C.encode({}).length, 0);
  assert.deepEqual(Object.keys(C.toJson({}) as object), []);
  const bytes = C.encode({ constructor: 'x', toString: 5, valueOf: {} });
  const back = C.decode(bytes);
  assert.equal(back.constructor, 'x');
  assert.equal(back.toString, 5);
  assert.deepEqual(C.encode(back), bytes);
});
