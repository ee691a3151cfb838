import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { base64Decode, base64Encode, loadProtoSchema, type ProtoMessage } from '../../src/protobuf/index.js';
import { FIXTURES, plain, protocEncode } from './protoc-oracle.js';
import { python } from './python-oracle.js';

const schema = loadProtoSchema([`${FIXTURES}/all_types.proto`, `${FIXTURES}/well_known.proto`], {
  includePaths: [FIXTURES],
});
const AllTypes = schema.message('wstest.AllTypes');
const T = 'wstest.AllTypes';

const texts = [
  `f_double: 1.5 f_float: -3.25 f_int64: -1234567890123 f_uint64: 18446744073709551615 f_int32: -150
   f_fixed64: 7 f_fixed32: 9 f_bool: true f_string: "héllo 🎉" f_bytes: "\\000\\377ab?" f_uint32: 300
   f_enum: NEGATIVE f_sfixed32: -5 f_sfixed64: -9223372036854775808 f_sint32: -64 f_sint64: 63`,
  // No -0 here: JSON.stringify writes -0 as 0, a JavaScript limit and not one of the mapping.
  'f_double: inf f_float: -inf r_double: [nan, 0.1, 5e-324, 1e300]',
  `r_int32: [1, -1] r_enum: [RED, NEGATIVE, 5] r_string: ["a", ""] r_nested: [{a: 1}, {}] r_bool: [true]
   r_uint64: [0, 18446744073709551615] r_sint64: [-9223372036854775808]`,
  `m_string_int32 { key: "a" value: 1 } m_string_int32 { key: "__proto__" value: 2 }
   m_int64_string { key: -3 value: "neg" } m_bool_nested { key: true value { a: 9 } }
   m_uint32_enum { key: 7 value: GREEN }`,
  'o_int32: 0 p_string: "" f_nested { a: 1 child { b: "x" } }',
  'f_bytes: "\\001" r_nested: [{b: "\\342\\202\\254"}]',
  '',
];

test('toJson matches python-protobuf json_format.MessageToJson on protoc-made messages', () => {
  const goldens = texts.map((t) => protocEncode('all_types.proto', T, t));
  const results = python(goldens.map((bytes) => ({ op: 'toJson' as const, type: T, bytes })));
  goldens.forEach((bytes, i) => {
    const r = results[i];
    assert.ok('ok' in r, JSON.stringify(r));
    const ours = JSON.parse(JSON.stringify(AllTypes.toJson(AllTypes.decode(bytes))));
    assert.deepEqual(ours, r.ok, texts[i]);
  });
});

test('fromJson reads what python-protobuf writes, and python reads what we write', () => {
  const goldens = texts.map((t) => protocEncode('all_types.proto', T, t));
  const theirJson = python(goldens.map((bytes) => ({ op: 'toJson' as const, type: T, bytes })));
  goldens.forEach((bytes, i) => {
    const fromTheirs = AllTypes.fromJson((theirJson[i] as { ok: unknown }).ok);
    assert.deepEqual(plain(fromTheirs), plain(AllTypes.decode(bytes)), texts[i]);
  });
  const ourJson = goldens.map((b) => JSON.stringify(AllTypes.toJson(AllTypes.decode(b))));
  const back = python(ourJson.map((json) => ({ op: 'fromJson' as const, type: T, json })));
  back.forEach((r, i) => {
    assert.ok('ok' in r, JSON.stringify(r));
    const bytes = new Uint8Array(Buffer.from(r.ok as string, 'base64'));
    assert.deepEqual(plain(AllTypes.decode(bytes)), plain(AllTypes.decode(goldens[i])), texts[i]);
  });
});

test('fromJson accepts the lenient forms the mapping allows', () => {
  const m = AllTypes.fromJson({
    f_int32: '-5', // proto name, number as string
    fInt64: 12, // 64-bit as a JSON number
    fUint64: '1e3',
    fFloat: 'Infinity',
    fEnum: 2,
    fBytes: '-_8', // URL-safe base64 without padding
    rNested: [{}],
    fNested: null, // null means unset
  });
  assert.equal(m.fInt32, -5);
  assert.equal(m.fInt64, 12n);
  assert.equal(m.fUint64, 1000n);
  assert.equal(m.fFloat, Infinity);
  assert.equal(m.fEnum, 2);
  assert.deepEqual(m.fBytes, Uint8Array.of(0xfb, 0xff));
  assert.equal(m.fNested, undefined);
});

test('fromJson rejects values that do not fit, naming the field', () => {
  const bad: [unknown, RegExp][] = [
    [{ fInt32: 2 ** 31 }, /fInt32: 2147483648 is out of range for int32/],
    [{ fInt32: 1.5 }, /fInt32: expected an integer/],
    [{ fUint64: '-1' }, /fUint64: -1 is out of range for uint64/],
    [{ fBool: 'true' }, /fBool: expected true or false/],
    [{ fEnum: 'PURPLE' }, /fEnum: "PURPLE" is not a value of wstest.Color/],
    [{ fBytes: 'a$' }, /fBytes: invalid base64/],
    [{ rInt32: 1 }, /rInt32: expected a JSON array/],
    [{ nope: 1 }, /no field named nope/],
    [{ oString: 'a', oInt32: 1 }, /oneof choice already has o_string/],
    [[], /expected a JSON object/],
  ];
  for (const [json, message] of bad) {
    assert.throws(
      () => AllTypes.fromJson(json),
      (e: Error & { code?: string }) => e.code === 'EPROTOJSON' && message.test(e.message),
      JSON.stringify(json),
    );
  }
});

test('toJson options: emitDefaults, enumsAsNumbers, useProtoNames', () => {
  const m = AllTypes.create({ fEnum: 1 });
  const j = AllTypes.toJson(m, { emitDefaults: true, enumsAsNumbers: true, useProtoNames: true }) as Record<
    string,
    unknown
  >;
  assert.equal(j.f_enum, 1);
  assert.equal(j.f_int64, '0');
  assert.deepEqual(j.r_int32, []);
  assert.equal('p_int32' in j, false); // explicit presence: unset stays absent
});

test('base64: matches Buffer for every length mod 3 and random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 50 }), (b) => {
      const s = base64Encode(b);
      assert.equal(s, Buffer.from(b).toString('base64'));
      assert.deepEqual(base64Decode(s), b);
      assert.deepEqual(base64Decode(s.replace(/=+$/, '')), b);
    }),
    { numRuns: 200 },
  );
});

test('property: toJson then fromJson is the identity on random messages', () => {
  const msg = fc
    .record(
      {
        fInt64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fDouble: fc.double().map((d) => (d === 0 ? 0 : d)), // JSON has no -0 once stringified
        fString: fc.string({ unit: 'grapheme' }),
        fBytes: fc.uint8Array({ maxLength: 10 }),
        rSint64: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 3 }),
        mStringInt32: fc
          .array(fc.tuple(fc.string(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 3 })
          .map((e) => new Map(e)),
      },
      { requiredKeys: [] },
    )
    .map((v) => AllTypes.create(v));
  fc.assert(
    fc.property(msg, (m: ProtoMessage) => {
      const json = JSON.parse(JSON.stringify(AllTypes.toJson(m)));
      assert.deepEqual(plain(AllTypes.fromJson(json)), plain(m));
    }),
    { numRuns: 200 },
  );
});

const W = 'wstest.wkt.WellKnown';
const WellKnown = schema.message(W);
const wktTexts = [
  'ts { seconds: 1700000000 nanos: 5000000 } dur { seconds: -1 nanos: -500000000 } mask { paths: ["f_int32", "f_nested.child_x"] }',
  'ts { seconds: -62135596800 } tss: [{ seconds: 253402300799 nanos: 999999999 }, { nanos: 1000 }] dur { nanos: 1 }',
  `st { fields { key: "a" value { number_value: 1.5 } } fields { key: "b" value { list_value { values: [{ null_value: NULL_VALUE }, { bool_value: true }, { string_value: "s" }] } } } fields { key: "c" value { struct_value { } } } }
   val { string_value: "v" } list { values: [{ number_value: -2 }] }`,
  'i64 { value: -9007199254740993 } bin { value: "\\001\\002" } flag { } str { value: "" } empty { }',
  `any { type_url: "type.googleapis.com/wstest.Nested" value: "\\010\\001\\022\\001x" }
   anys: [{ type_url: "type.googleapis.com/google.protobuf.Duration" value: "\\010\\003" }]`,
];

test('well-known types: toJson matches python-protobuf and fromJson reads its output back', () => {
  const goldens = wktTexts.map((t) => protocEncode('well_known.proto', W, t));
  const theirs = python(goldens.map((bytes) => ({ op: 'toJson' as const, type: W, bytes })));
  goldens.forEach((bytes, i) => {
    const r = theirs[i];
    assert.ok('ok' in r, JSON.stringify(r));
    const ours = JSON.parse(JSON.stringify(WellKnown.toJson(WellKnown.decode(bytes))));
    assert.deepEqual(ours, r.ok, wktTexts[i]);
    assert.deepEqual(plain(WellKnown.fromJson(r.ok)), plain(WellKnown.decode(bytes)), wktTexts[i]);
  });
});

test('well-known types: timestamps with offsets, and out-of-range values are errors', () => {
  const m = WellKnown.fromJson({ ts: '1970-01-01T01:00:00.5+01:00', dur: '0.000000001s' });
  assert.deepEqual(plain(m.ts), { seconds: 0n, nanos: 500000000 });
  assert.deepEqual(plain(m.dur), { seconds: 0n, nanos: 1 });
  assert.throws(() => WellKnown.fromJson({ ts: '10000-01-01T00:00:00Z' }), { code: 'EPROTOJSON' });
  assert.throws(() => WellKnown.fromJson({ ts: '2020-01-01 00:00:00' }), { code: 'EPROTOJSON' });
  assert.throws(() => WellKnown.fromJson({ dur: '1.5' }), { code: 'EPROTOJSON' });
  assert.throws(() => WellKnown.toJson(WellKnown.create({ ts: { seconds: 253402300800n, nanos: 0 } })), {
    code: 'EPROTOJSON',
  });
  assert.throws(
    () => WellKnown.fromJson({ any: { '@type': 'type.googleapis.com/no.Such' } }),
    /not in the schema/,
  );
});

test('JSON nesting: 100 levels read, 101 is an error; a cyclic message is an error, not a stack overflow', () => {
  const Nested = schema.message('wstest.Nested');
  const deep = (n: number) => {
    let j: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) j = { child: j };
    return j;
  };
  assert.doesNotThrow(() => Nested.fromJson(deep(100)));
  assert.throws(
    () => Nested.fromJson(deep(101)),
    (e: Error & { code?: string }) => e.code === 'EPROTOJSON' && /too deep/.test(e.message),
  );
  const cyclic = Nested.create({ a: 1 });
  cyclic.child = cyclic;
  assert.throws(() => Nested.toJson(cyclic), { code: 'EPROTOJSON' });
});
