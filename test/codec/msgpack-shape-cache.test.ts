import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { DecodeError } from '../../src/buf/errors.js';
import { MsgpackDecoder } from '../../src/codec/msgpack-decoder.js';
import { MsgpackEncoder } from '../../src/codec/msgpack-encoder.js';
import { MsgpackRecord } from '../../src/codec/msgpack-record.js';
import { MSGPACK_SHAPE_CACHE_DEFAULTS, MsgpackShapeCache } from '../../src/codec/msgpack-shape-cache.js';
import { anyValues } from './msgpack-values.js';

/** Enough decodes of one shape to get past `compileAfter` whatever the default is. */
const PLENTY = MSGPACK_SHAPE_CACHE_DEFAULTS.compileAfter + 4;
const plain = new MsgpackDecoder({ shapeCache: false });

/** A fixstr or str 8. */
function str(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return b.length < 32 ? [0xa0 | b.length, ...b] : [0xd9, b.length, ...b];
}

/** A fixmap of raw keys and values (so tests can send duplicate keys and any key order). */
function map(pairs: [number[], number[]][]): Uint8Array {
  return new Uint8Array([0x80 | pairs.length, ...pairs.flatMap(([k, v]) => [...k, ...v])]);
}

const fixint = (n: number) => [n];

/** Records and Maps as ordered entry lists, so comparisons see key order and prototypes. */
function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof Map) return ['Map', [...v].map(([k, x]) => [canon(k), canon(x)])];
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === MsgpackRecord.prototype) {
    return ['Record', Object.keys(v).map((k) => [k, canon((v as Record<string, unknown>)[k])])];
  }
  return v;
}

/** Decodes `bytes` `times` times with `decoder`; every result must equal the key-by-key decoding. */
function decodeAgreeing(decoder: MsgpackDecoder, bytes: Uint8Array, times = PLENTY): unknown {
  const expected = canon(plain.decode(bytes));
  let last: unknown;
  for (let i = 0; i < times; i++) {
    last = decoder.decode(bytes);
    assert.deepEqual(canon(last), expected);
  }
  return last;
}

test('same keys in different orders are different shapes, each keeping its wire order', () => {
  const cache = new MsgpackShapeCache();
  const dec = new MsgpackDecoder({ shapeCache: cache });
  const enc = new MsgpackEncoder();
  const ab = decodeAgreeing(dec, enc.encode({ a: 1, b: 'x', c: [1] })) as object;
  const ba = decodeAgreeing(dec, enc.encode({ b: 'y', a: 2, c: [2] })) as object;
  const ca = decodeAgreeing(dec, enc.encode({ c: null, b: 'z', a: 3 })) as object;
  assert.deepEqual(Object.keys(ab), ['a', 'b', 'c']);
  assert.deepEqual(Object.keys(ba), ['b', 'a', 'c']);
  assert.deepEqual(Object.keys(ca), ['c', 'b', 'a']);
  assert.equal(Object.getPrototypeOf(ab), MsgpackRecord.prototype);
  assert.deepEqual(cache.stats(), { shapes: 3, compiled: 3 });
});

test('shapes sharing a first key and length (tagged unions) do not evict or confuse each other', () => {
  const cache = new MsgpackShapeCache();
  const dec = new MsgpackDecoder({ shapeCache: cache });
  const enc = new MsgpackEncoder();
  const variants = [
    { type: 'a', x: 1, y: 2 },
    { type: 'b', p: 'q', r: [] },
    { type: 'c', x: 1, z: 3 }, // shares its first two keys with 'a'
    { type: 'd', p: 1, y: 2 },
  ].map((v) => enc.encode(v));
  for (let round = 0; round < PLENTY; round++) for (const v of variants) decodeAgreeing(dec, v, 1);
  assert.deepEqual(cache.stats(), { shapes: 4, compiled: 4 });
  // A fifth variant in the same slot replaces the oldest one; all still decode right.
  const more = [...variants, enc.encode({ type: 'e', q: 0, w: 0 })];
  for (let round = 0; round < PLENTY; round++) for (const v of more) decodeAgreeing(dec, v, 1);
  assert.ok(cache.stats().shapes <= MSGPACK_SHAPE_CACHE_DEFAULTS.maxShapes);
});

test('a map that departs from its predicted shape part way, or has a non-string key, decodes as without the cache', () => {
  const dec = new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ compileAfter: 1 }) });
  const known = map([
    [str('id'), fixint(1)],
    [str('name'), str('n')],
    [str('kind'), fixint(2)],
  ]);
  decodeAgreeing(dec, known);
  const departs = [
    map([
      [str('id'), fixint(1)],
      [str('name'), str('n')],
      [str('other'), fixint(2)],
    ]),
    map([
      [str('id'), fixint(1)],
      [fixint(7), str('n')],
      [str('kind'), fixint(2)],
    ]),
    map([
      [str('id'), fixint(1)],
      [str('name'), str('n')],
      [[0xc3], fixint(2)],
    ]),
    map([
      [fixint(1), fixint(1)],
      [str('name'), str('n')],
      [str('kind'), fixint(2)],
    ]),
  ];
  for (const bytes of departs) {
    decodeAgreeing(dec, bytes);
    decodeAgreeing(dec, known, 2);
  }
  assert.ok(dec.decode(departs[1]) instanceof Map);
});

test('a predicted key sent with a longer header than needed (str 8 for a short key) still matches', () => {
  const dec = new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ compileAfter: 1 }) });
  const canonical = map([
    [str('id'), fixint(1)],
    [str('name'), fixint(2)],
  ]);
  const str8 = map([
    [str('id'), fixint(1)],
    [[0xd9, 4, ...Buffer.from('name')], fixint(2)],
  ]);
  decodeAgreeing(dec, canonical);
  const out = decodeAgreeing(dec, str8) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out), ['id', 'name']);
});

test("a shape learned by a lax decoder does not let a key past a stricter decoder's maxStrLength", () => {
  const cache = new MsgpackShapeCache({ compileAfter: 1 });
  const lax = new MsgpackDecoder({ shapeCache: cache });
  const strict = new MsgpackDecoder({ shapeCache: cache, maxStrLength: 5 });
  const bytes = map([
    [str('id'), fixint(1)],
    [str('a-long-key'), fixint(2)],
  ]);
  decodeAgreeing(lax, bytes);
  assert.throws(() => strict.decode(bytes), { code: 'EMSGPACKLIMIT', limit: 'maxStrLength', offset: 5 });
});

test('duplicate keys: the last value wins at the first position, as when built key by key', () => {
  const dec = new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ compileAfter: 1 }) });
  const bytes = map([
    [str('a'), fixint(1)],
    [str('b'), fixint(2)],
    [str('a'), fixint(3)],
  ]);
  const out = decodeAgreeing(dec, bytes) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out), ['a', 'b']);
  assert.equal(out.a, 3);
});

test('integer-like keys are ordered as JavaScript orders them, with or without the cache', () => {
  const dec = new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ compileAfter: 1 }) });
  const out = decodeAgreeing(
    dec,
    map([
      [str('z'), fixint(1)],
      [str('10'), fixint(2)],
      [str('2'), fixint(3)],
    ]),
  ) as object;
  assert.deepEqual(Object.keys(out), ['2', '10', 'z']);
});

test('prototype pollution through a compiled shape: __proto__ and friends stay own data properties', () => {
  const cache = new MsgpackShapeCache({ compileAfter: 1 });
  const dec = new MsgpackDecoder({ shapeCache: cache });
  const bytes = map([
    [str('__proto__'), [...map([[str('polluted'), [0xc3]]])]],
    [str('constructor'), fixint(1)],
    [str('toString'), fixint(2)],
    [str('prototype'), fixint(3)],
  ]);
  for (let i = 0; i < PLENTY; i++) {
    const out = dec.decode(bytes) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), MsgpackRecord.prototype);
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.deepEqual(
      { ...(Object.getOwnPropertyDescriptor(out, '__proto__')?.value as object) },
      { polluted: true },
    );
    assert.deepEqual(Object.keys(out), ['__proto__', 'constructor', 'toString', 'prototype']);
    assert.equal(out.toString, 2);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
  }
  assert.deepEqual(cache.stats(), { shapes: 2, compiled: 2 });
  assert.ok(Object.isFrozen(MsgpackRecord.prototype));
});

test('key text cannot inject code into a generated constructor', () => {
  const dec = new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ compileAfter: 1 }) });
  const g = globalThis as Record<string, unknown>;
  const hostile = [
    '"]=1;globalThis.pwned=1;this["',
    "'];globalThis.pwned=1;//",
    '\\"; globalThis.pwned = 1; //',
    'a\nglobalThis.pwned=1//',
    '\u2028globalThis.pwned=1',
    '}; globalThis.pwned = 1; function x() {',
    ['$', '{globalThis.pwned=1}'].join(''),
    '*/globalThis.pwned=1/*',
  ];
  const bytes = map(hostile.map((k, i) => [str(k), fixint(i)]));
  for (let i = 0; i < PLENTY; i++) {
    const out = dec.decode(bytes) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), hostile);
    assert.deepEqual(
      hostile.map((k) => out[k]),
      hostile.map((_, j) => j),
    );
  }
  assert.equal(g.pwned, undefined);
});

test('the cache is bounded: maxShapes shapes at most, maxShapeKeys pairs per shape', () => {
  const cache = new MsgpackShapeCache({ maxShapes: 16, maxShapeKeys: 3, compileAfter: 1 });
  const dec = new MsgpackDecoder({ shapeCache: cache });
  const enc = new MsgpackEncoder();
  for (let i = 0; i < 2000; i++) {
    const bytes = enc.encode({ [`k${i % 97}`]: i, [`j${i}`]: 1 });
    decodeAgreeing(dec, bytes, 2);
    assert.ok(cache.stats().shapes <= 16);
  }
  const wide = new MsgpackShapeCache({ maxShapeKeys: 3, compileAfter: 1 });
  const wideDec = new MsgpackDecoder({ shapeCache: wide });
  decodeAgreeing(wideDec, enc.encode({ a: 1, b: 2, c: 3, d: 4 }));
  assert.deepEqual(wide.stats(), { shapes: 0, compiled: 0 });
  decodeAgreeing(wideDec, enc.encode({ a: 1, b: 2, c: 3 }));
  assert.deepEqual(wide.stats(), { shapes: 1, compiled: 1 });
  for (const maxShapes of [0, 1, 3, 5]) {
    const c = new MsgpackShapeCache({ maxShapes, compileAfter: 1 });
    const d = new MsgpackDecoder({ shapeCache: c });
    for (let i = 0; i < 50; i++) decodeAgreeing(d, enc.encode({ x: i, [`y${i % 9}`]: 0 }), 2);
    assert.ok(c.stats().shapes <= maxShapes, `maxShapes ${maxShapes}: ${c.stats().shapes}`);
  }
  assert.throws(() => new MsgpackShapeCache({ maxShapes: -1 }), RangeError);
  assert.throws(() => new MsgpackShapeCache({ maxShapeKeys: 1.5 }), RangeError);
  assert.throws(() => new MsgpackShapeCache({ maxShapes: 2 ** 25 }), RangeError);
});

test('a constructor is generated only after compileAfter matches', () => {
  const cache = new MsgpackShapeCache({ compileAfter: 3 });
  const dec = new MsgpackDecoder({ shapeCache: cache });
  const bytes = new MsgpackEncoder().encode({ a: 1, b: 2 });
  dec.decode(bytes); // learned
  dec.decode(bytes);
  dec.decode(bytes);
  assert.deepEqual(cache.stats(), { shapes: 1, compiled: 0 });
  dec.decode(bytes);
  assert.deepEqual(cache.stats(), { shapes: 1, compiled: 1 });
});

test('errors inside a predicted map keep their codes and offsets', () => {
  const dec = new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ compileAfter: 1 }) });
  const bytes = new MsgpackEncoder().encode({ id: 1, name: 'abc', tags: ['x'] });
  decodeAgreeing(dec, bytes);
  for (let cut = 1; cut < bytes.length; cut++) {
    const part = bytes.subarray(0, cut);
    const expected = (() => {
      try {
        plain.decode(part);
      } catch (e) {
        return e;
      }
    })() as DecodeError;
    assert.ok(expected instanceof DecodeError);
    assert.throws(
      () => dec.decode(part),
      (e: unknown) => e instanceof DecodeError && e.code === expected.code && e.offset === expected.offset,
    );
  }
  const badUtf8 = bytes.slice();
  badUtf8[bytes.indexOf(0x6e) /* 'n' of name */] = 0xff;
  assert.throws(() => dec.decode(badUtf8), { code: 'EMSGPACKUTF8' });
});

test('random documents decode to the same records, in the same key order, with and without the cache', () => {
  const enc = new MsgpackEncoder();
  const dec = new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ maxShapes: 8, compileAfter: 2 }) });
  fc.assert(
    fc.property(anyValues, (value) => {
      const bytes = enc.encode(value);
      decodeAgreeing(dec, bytes, 3);
    }),
    { numRuns: 300 },
  );
});

test('where code generation is disallowed, records are built key by key and still correct', () => {
  const index = fileURLToPath(new URL('../../src/codec/index.js', import.meta.url));
  const script = `
    const { MsgpackDecoder, MsgpackEncoder, MsgpackShapeCache, MsgpackRecord } = await import(${JSON.stringify(index)});
    const cache = new MsgpackShapeCache({ compileAfter: 1 });
    const dec = new MsgpackDecoder({ shapeCache: cache });
    const bytes = new MsgpackEncoder().encode({ a: 1, b: { c: 'x' }, ['__proto__']: 2 });
    const out = [];
    for (let i = 0; i < 20; i++) {
      const v = dec.decode(bytes);
      out.push([Object.keys(v), v.a, v.b.c, Object.getPrototypeOf(v) === MsgpackRecord.prototype]);
    }
    console.log(JSON.stringify({ out: out[19], codegen: MsgpackShapeCache.codeGeneration, stats: cache.stats() }));
  `;
  const r = spawnSync(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    out: [['a', 'b', '__proto__'], 1, 'x', true],
    codegen: false,
    stats: { shapes: 2, compiled: 0 },
  });
  assert.equal(MsgpackShapeCache.codeGeneration, true, 'this process was not affected');
});
