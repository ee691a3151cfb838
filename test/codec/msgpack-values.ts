// Value generators and expectations shared by the MessagePack tests (not a test file itself).
import fc from 'fast-check';
import { MsgpackExt } from '../../src/codec/msgpack-ext.js';
import { MsgpackRecord } from '../../src/codec/msgpack-record.js';
import { MsgpackTimestamp } from '../../src/codec/msgpack-timestamp.js';

/** Sets `key` as an own data property even when it is `__proto__`. */
function defineOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Keys that must never reach a prototype. */
export const hostileKeys = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
);
const keys = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: hostileKeys },
);

/** Integers at every width boundary and in between. */
export const integers = fc.oneof(
  fc.integer({ min: -40, max: 200 }),
  fc.constantFrom(
    0,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
    -32,
    -33,
    -128,
    -129,
    -32768,
    -32769,
    -(2 ** 31),
    -(2 ** 31) - 1,
    Number.MIN_SAFE_INTEGER,
  ),
  fc.integer(),
  fc.maxSafeInteger(),
);

/** 64-bit integers a number cannot hold exactly: decoded as bigint. */
export const wideBigInts = fc.oneof(
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }),
);

/** Scalars both this codec and @msgpack/msgpack map the same way with default options. */
export const commonScalars = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  integers,
  fc.double().filter((d) => !Object.is(d, -0)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.date({ noInvalidDate: true }),
);

/** JSON-like documents both codecs agree on (string keys; no -0, bigint, Map or ext). */
export const commonValues = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    commonScalars,
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 20, noNullPrototype: true }),
  ),
})).value;

/** Everything this codec supports, for round trips. */
export const anyValues = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    commonScalars,
    fc.constant(undefined),
    fc.constant(-0),
    wideBigInts,
    fc
      .integer({ min: 0, max: 127 })
      .chain((type) => fc.uint8Array({ maxLength: 40 }).map((d) => new MsgpackExt(type, d))),
    fc
      .tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 999_999_999 }))
      .map(([s, ns]) => new MsgpackTimestamp(s, ns)),
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 20 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.integer(), fc.boolean()), tie('value')), {
        maxLength: 8,
        selector: ([k]) => k,
      })
      .map((entries) => new Map(entries)),
  ),
})).value;

/** What our decoder (default options) yields for a value our encoder wrote. */
export function expectedDecode(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(expectedDecode);
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof Date) return value;
  if (value instanceof MsgpackExt) return new MsgpackExt(value.type, new Uint8Array(value.data));
  if (value instanceof MsgpackTimestamp) return new MsgpackTimestamp(value.sec, value.nsec).toDate();
  if (value instanceof Map) {
    // A map whose keys are all strings (or an empty one) is indistinguishable from an object.
    if ([...value.keys()].every((k) => typeof k === 'string')) {
      const record = new MsgpackRecord();
      for (const [k, v] of value) defineOwn(record, k as string, expectedDecode(v));
      return record;
    }
    const out = new Map();
    for (const [k, v] of value) out.set(expectedDecode(k), expectedDecode(v));
    return out;
  }
  const record = new MsgpackRecord();
  for (const key of Object.keys(value))
    defineOwn(record, key, expectedDecode((value as Record<string, unknown>)[key]));
  return record;
}

/** Our decoded value with records turned into plain objects, for comparison with other decoders. */
export function toPlain(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [toPlain(k), toPlain(v)]));
  if (Object.getPrototypeOf(value) !== MsgpackRecord.prototype) return value;
  const out = {};
  for (const key of Object.keys(value)) defineOwn(out, key, toPlain((value as Record<string, unknown>)[key]));
  return out;
}

/** Lowercase hex of bytes, for messages and the Python bridge. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
