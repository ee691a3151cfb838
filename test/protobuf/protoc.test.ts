import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../src/buf/errors.js';
import { loadProtoSchema, type ProtoMessage, UNKNOWN_FIELDS } from '../../src/protobuf/index.js';
import { FIXTURES, plain, protocDecode, protocEncode } from './protoc-oracle.js';
import { python } from './python-oracle.js';

const schema = loadProtoSchema([`${FIXTURES}/all_types.proto`, `${FIXTURES}/proto2.proto`], {
  includePaths: [FIXTURES],
});
const AllTypes = schema.message('wstest.AllTypes');
const Nested = schema.message('wstest.Nested');
const N = (init: Record<string, unknown>) => Nested.create(init);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

interface Case {
  name: string;
  text: string;
  value: Record<string, unknown>;
  /** protoc writes map entries in hash order: compare bytes only when that order is fixed. */
  sameBytes?: boolean;
}

const cases: Case[] = [
  {
    name: 'every scalar type, ordinary values',
    text: `f_double: 1.5 f_float: -3.25 f_int64: 1234567890123 f_uint64: 42 f_int32: 150 f_fixed64: 7
      f_fixed32: 9 f_bool: true f_string: "hello" f_bytes: "\\000\\377ab" f_uint32: 300 f_enum: GREEN
      f_sfixed32: -5 f_sfixed64: -6 f_sint32: -64 f_sint64: 63`,
    value: {
      fDouble: 1.5,
      fFloat: -3.25,
      fInt64: 1234567890123n,
      fUint64: 42n,
      fInt32: 150,
      fFixed64: 7n,
      fFixed32: 9,
      fBool: true,
      fString: 'hello',
      fBytes: Uint8Array.of(0, 255, 97, 98),
      fUint32: 300,
      fEnum: 2,
      fSfixed32: -5,
      fSfixed64: -6n,
      fSint32: -64,
      fSint64: 63n,
    },
  },
  {
    name: '64-bit and 32-bit extremes, negative int32 as a 10-byte varint',
    text: `f_int64: ${INT64_MIN} f_uint64: ${UINT64_MAX} f_int32: -2147483648 f_fixed64: ${UINT64_MAX}
      f_fixed32: 4294967295 f_uint32: 4294967295 f_sfixed32: -2147483648 f_sfixed64: ${INT64_MIN}
      f_sint32: 2147483647 f_sint64: ${INT64_MIN} f_enum: NEGATIVE`,
    value: {
      fInt64: INT64_MIN,
      fUint64: UINT64_MAX,
      fInt32: -2147483648,
      fFixed64: UINT64_MAX,
      fFixed32: 4294967295,
      fUint32: 4294967295,
      fSfixed32: -2147483648,
      fSfixed64: INT64_MIN,
      fSint32: 2147483647,
      fSint64: INT64_MIN,
      fEnum: -7,
    },
  },
  {
    name: 'other extremes: int64 max, sint32 min, sint64 max, -1',
    text: `f_int64: ${INT64_MAX} f_int32: -1 f_sfixed64: ${INT64_MAX} f_sint32: -2147483648 f_sint64: ${INT64_MAX}`,
    value: { fInt64: INT64_MAX, fInt32: -1, fSfixed64: INT64_MAX, fSint32: -2147483648, fSint64: INT64_MAX },
  },
  {
    name: 'floats: -0, infinities, NaN, subnormal',
    text: 'f_double: -0 f_float: inf r_double: [-inf, nan, 5e-324, 1.7976931348623157e308]',
    value: {
      fDouble: -0,
      fFloat: Infinity,
      rDouble: [-Infinity, Number.NaN, 5e-324, 1.7976931348623157e308],
    },
  },
  {
    name: 'repeated, packed and unpacked',
    text: `r_int32: [1, -1, 300] r_sint64: [-1, 1, ${INT64_MIN}] r_enum: [RED, NEGATIVE, 5]
      r_int32_unpacked: [7, -7] r_fixed32_unpacked: [1, 4294967295] r_string: ["a", "", "ü"]
      r_nested: [{a: 1}, {}, {b: "x"}] r_bool: [true, false] r_uint64: [0, ${UINT64_MAX}]`,
    value: {
      rInt32: [1, -1, 300],
      rSint64: [-1n, 1n, INT64_MIN],
      rEnum: [1, -7, 5],
      rInt32Unpacked: [7, -7],
      rFixed32Unpacked: [1, 4294967295],
      rString: ['a', '', 'ü'],
      rNested: [N({ a: 1 }), N({}), N({ b: 'x' })],
      rBool: [true, false],
      rUint64: [0n, UINT64_MAX],
    },
  },
  {
    name: 'maps with one entry each (including a message value and an empty key)',
    text: `m_string_int32 { key: "" value: 5 } m_int64_string { key: -3 value: "neg" }
      m_bool_nested { key: true value { a: 9 } } m_uint32_enum { key: 4294967295 value: NEGATIVE }`,
    value: {
      mStringInt32: new Map([['', 5]]),
      mInt64String: new Map([[-3n, 'neg']]),
      mBoolNested: new Map([[true, N({ a: 9 })]]),
      mUint32Enum: new Map([[4294967295, -7]]),
    },
  },
  {
    name: 'maps with several entries (decode only: protoc orders them by hash)',
    text: 'm_string_int32 { key: "a" value: 1 } m_string_int32 { key: "b" value: 2 } m_string_int32 { key: "c" value: 3 }',
    value: {
      mStringInt32: new Map([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]),
    },
    sameBytes: false,
  },
  { name: 'oneof: a string member', text: 'o_string: "pick"', value: { oString: 'pick' } },
  { name: 'oneof: a zero int32 is still written', text: 'o_int32: 0', value: { oInt32: 0 } },
  { name: 'oneof: an empty message member', text: 'o_nested {}', value: { oNested: N({}) } },
  {
    name: 'proto3 optional: zero and empty are written',
    text: 'p_int32: 0 p_string: ""',
    value: { pInt32: 0, pString: '' },
  },
  {
    name: 'nested three deep',
    text: 'f_nested { a: 1 child { b: "x" child { } } }',
    value: { fNested: N({ a: 1, child: N({ b: 'x', child: N({}) }) }) },
  },
  {
    name: 'unicode strings',
    text: 'f_string: "héllo wörld 🎉 日本語" r_string: ["\\u00e9", "𝄞"]',
    value: { fString: 'héllo wörld 🎉 日本語', rString: ['é', '𝄞'] },
  },
  {
    name: 'an imported well-known type and the largest field number',
    text: 'f_timestamp { seconds: 1700000000 nanos: 5 } f_max_field: 7',
    value: {
      fTimestamp: schema.message('google.protobuf.Timestamp').create({ seconds: 1700000000n, nanos: 5 }),
      fMaxField: 7,
    },
  },
  { name: 'all defaults: nothing on the wire', text: 'f_int32: 0 f_string: "" f_bool: false', value: {} },
];

for (const c of cases) {
  test(`protoc cross-check: ${c.name}`, () => {
    const golden = protocEncode('all_types.proto', 'wstest.AllTypes', c.text);
    const expected = AllTypes.create(c.value);
    // protoc's bytes decode to the values we expect...
    assert.deepEqual(plain(AllTypes.decode(golden)), plain(expected));
    // ...our bytes for those values are protoc's bytes...
    const ours = AllTypes.encode(expected);
    if (c.sameBytes !== false) assert.deepEqual(ours, golden);
    // ...and protoc reads ours back to the same text it reads its own as.
    assert.equal(
      protocDecode('all_types.proto', 'wstest.AllTypes', ours),
      protocDecode('all_types.proto', 'wstest.AllTypes', golden),
    );
  });
}

test('protoc cross-check: an empty message is zero bytes both ways', () => {
  const golden = protocEncode('all_types.proto', 'wstest.Empty', '');
  assert.equal(golden.length, 0);
  assert.equal(schema.message('wstest.Empty').encode({}).length, 0);
});

test('protoc cross-check: proto2 required, defaults, unpacked/packed repeated, closed enum, group', () => {
  const Legacy = schema.message('wstest2.Legacy');
  const text = 'id: -1 name: "x" values: [1, 2] packed_values: [3, 4] level: HIGH Item { x: 5 y: "g" }';
  const golden = protocEncode('proto2.proto', 'wstest2.Legacy', text);
  const item = schema.message('wstest2.Legacy.Item').create({ x: 5, y: 'g' });
  const expected = Legacy.create({ id: -1, name: 'x', values: [1, 2], packedValues: [3, 4], level: 2, item });
  assert.deepEqual(plain(Legacy.decode(golden)), plain(expected));
  assert.deepEqual(Legacy.encode(expected), golden);
});

test('proto2: an unknown closed-enum value goes to unknown fields and is re-emitted', () => {
  const Legacy = schema.message('wstest2.Legacy');
  const golden = protocEncode('proto2.proto', 'wstest2.Legacy', 'id: 1');
  const withBadEnum = Uint8Array.from([...golden, 0x28, 0x09]); // field 5 (level) = 9, not a Level
  const msg = Legacy.decode(withBadEnum);
  assert.equal(msg.level, undefined);
  assert.deepEqual(msg[UNKNOWN_FIELDS], Uint8Array.of(0x28, 0x09));
  assert.deepEqual(Legacy.encode(msg), withBadEnum);
});

test('proto2: unknown closed-enum values in a packed run become unknown varint fields', () => {
  const Legacy = schema.message('wstest2.Legacy');
  const golden = protocEncode('proto2.proto', 'wstest2.Legacy', 'id: 1');
  const packed = Uint8Array.from([...golden, 0x4a, 0x03, 0x01, 0x09, 0x02]); // field 9: [LOW, 9, HIGH]
  const msg = Legacy.decode(packed);
  assert.deepEqual(msg.levels, [1, 2]);
  assert.deepEqual(msg[UNKNOWN_FIELDS], Uint8Array.of(0x48, 0x09));
  // protoc agrees: the known values stay in the field, 9 is printed as unknown field 9.
  const text = protocDecode('proto2.proto', 'wstest2.Legacy', Legacy.encode(msg));
  assert.match(text, /levels: LOW\nlevels: HIGH\n9: 9\n/);
  assert.equal(protocDecode('proto2.proto', 'wstest2.Legacy', packed), text);
});

test('proto2: a missing required field is a DecodeError on decode and an error on encode', () => {
  const Legacy = schema.message('wstest2.Legacy');
  assert.throws(
    () => Legacy.decode(new Uint8Array(0)),
    (e) => e instanceof DecodeError && e.code === 'EPROTOREQUIRED',
  );
  assert.throws(() => Legacy.encode({}), { code: 'EPROTOREQUIRED' });
});

test('unknown fields survive decode then encode, byte for byte', () => {
  const golden = protocEncode(
    'all_types.proto',
    'wstest.AllTypes',
    [cases[0], cases[4], cases[13]].map((c) => c.text).join(' '),
  );
  const asEmpty: ProtoMessage = schema.message('wstest.Empty').decode(golden);
  assert.deepEqual(Object.keys(asEmpty), []);
  assert.deepEqual(schema.message('wstest.Empty').encode(asEmpty), golden);
  // A schema that knows some of the fields keeps the rest and writes them after the known ones.
  const partial = Nested.decode(golden);
  const again = AllTypes.decode(Nested.encode(partial));
  assert.deepEqual(plain(again), plain(AllTypes.decode(golden)));
});

test('every non-empty strict prefix of a message holding one nested field is a DecodeError', () => {
  const golden = protocEncode(
    'all_types.proto',
    'wstest.AllTypes',
    `f_nested { a: -1 b: "truncate me" child { a: 300 child { b: "x" } } }`,
  );
  for (let n = 1; n < golden.length; n++) {
    assert.throws(() => AllTypes.decode(golden.subarray(0, n)), DecodeError, `prefix of ${n} bytes`);
  }
});

test('every strict prefix of a rich golden message decodes or fails with a DecodeError, nothing else', () => {
  const golden = protocEncode('all_types.proto', 'wstest.AllTypes', `${cases[1].text} ${cases[4].text}`);
  let failures = 0;
  for (let n = 0; n < golden.length; n++) {
    try {
      AllTypes.decode(golden.subarray(0, n));
    } catch (e) {
      assert.ok(e instanceof DecodeError, `prefix of ${n} bytes threw ${e}`);
      failures++;
    }
  }
  assert.ok(failures > golden.length / 2, `only ${failures} prefixes failed`);
});

test('python-protobuf reads our bytes for every cross-check case and writes back the same bytes', () => {
  // Deterministic serialization sorts map keys; ours follows Map order, so compare sorted-key inputs.
  const sorted = cases.filter((c) => c.sameBytes !== false);
  const ours = sorted.map((c) => AllTypes.encode(AllTypes.create(c.value)));
  const legacyItem = schema.message('wstest2.Legacy.Item').create({ x: 5, y: 'g' });
  const legacy = schema
    .message('wstest2.Legacy')
    .encode({ id: 3, values: [1, 2], level: 2, item: legacyItem, levels: [1, 2] });
  const results = python([
    ...ours.map((bytes) => ({ op: 'reserialize' as const, type: 'wstest.AllTypes', bytes })),
    { op: 'reserialize' as const, type: 'wstest2.Legacy', bytes: legacy },
  ]);
  [...ours, legacy].forEach((bytes, i) => {
    const r = results[i];
    assert.ok('ok' in r, JSON.stringify(r));
    assert.deepEqual(
      new Uint8Array(Buffer.from(r.ok as string, 'base64')),
      bytes,
      sorted[i]?.name ?? 'proto2 Legacy',
    );
  });
});

test('property: random proto2 messages (groups, closed enums, required) survive protoc and back', () => {
  const Legacy = schema.message('wstest2.Legacy');
  const Item = schema.message('wstest2.Legacy.Item');
  const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
  const legacy = fc
    .record(
      {
        name: fc.string({ unit: 'grapheme', maxLength: 10 }),
        values: fc.array(int32, { maxLength: 4 }),
        packedValues: fc.array(int32, { maxLength: 4 }),
        level: fc.constantFrom(1, 2),
        item: fc
          .record({ x: int32, y: fc.string({ maxLength: 5 }) }, { requiredKeys: [] })
          .map((v) => Item.create(v)),
        levels: fc.array(fc.constantFrom(1, 2), { maxLength: 4 }),
      },
      { requiredKeys: [] },
    )
    .chain((v) => int32.map((id) => Legacy.create({ ...v, id })));
  fc.assert(
    fc.property(legacy, (m) => {
      const ours = Legacy.encode(m);
      const theirs = protocEncode(
        'proto2.proto',
        'wstest2.Legacy',
        protocDecode('proto2.proto', 'wstest2.Legacy', ours),
      );
      assert.deepEqual(theirs, ours);
      assert.deepEqual(plain(Legacy.decode(ours)), plain(m));
    }),
    { numRuns: 10 },
  );
});
