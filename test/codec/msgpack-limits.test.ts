import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError, LimitExceeded } from '../../src/buf/errors.js';
import { MsgpackDecoder } from '../../src/codec/msgpack-decoder.js';
import {
  MSGPACK_DECODE_DEFAULTS,
  MSGPACK_MAX_DEPTH_CEILING,
} from '../../src/codec/msgpack-decoder-options.js';
import { MsgpackEncoder } from '../../src/codec/msgpack-encoder.js';
import { MsgpackDecodeCode } from '../../src/codec/msgpack-errors.js';
import { MsgpackRecord } from '../../src/codec/msgpack-record.js';
import {
  MSGPACK_DEFAULT_MAX_BUFFERED_BYTES,
  MsgpackStreamDecoder,
  NEED_MORE,
} from '../../src/codec/msgpack-stream-decoder.js';
import { anyValues, fromHex } from './msgpack-values.js';

const dec = new MsgpackDecoder();

/** Asserts `fn` throws LimitExceeded for `limit` at `offset`. */
function assertLimit(fn: () => unknown, limit: string, offset: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LimitExceeded, String(e));
    assert.equal(e.code, MsgpackDecodeCode.limit);
    assert.equal(e.limit, limit);
    assert.equal(e.offset, offset);
    assert.match(e.message, new RegExp(limit));
    return true;
  });
}

/** Runs `fn`, which must fail quickly and without growing the heap by anything like the declared size. */
function assertFailsCheaply(fn: () => unknown): void {
  const heapBefore = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  assert.throws(fn, DecodeError);
  assert.ok(performance.now() - t0 < 250, 'rejected at once');
  assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 1 << 20, 'nothing large was allocated');
}

test('the documented defaults are the ones in force', () => {
  assert.deepEqual(MSGPACK_DECODE_DEFAULTS, {
    maxStrLength: 16 * 1024 * 1024,
    maxBinLength: 64 * 1024 * 1024,
    maxArrayLength: 1_000_000,
    maxMapLength: 100_000,
    maxExtLength: 16 * 1024 * 1024,
    maxDepth: 100,
  });
  assert.equal(MSGPACK_DEFAULT_MAX_BUFFERED_BYTES, 2 * MSGPACK_DECODE_DEFAULTS.maxBinLength);
  assert.throws(() => new MsgpackDecoder({ maxStrLength: -1 }), RangeError);
  assert.throws(() => new MsgpackDecoder({ maxDepth: MSGPACK_MAX_DEPTH_CEILING + 1 }), RangeError);
});

test('huge string claim (memory exhaustion): str 32 of 4 GiB is refused by maxStrLength before allocating', () => {
  assertFailsCheaply(() => dec.decode(fromHex('dbffffffff61')));
  assertLimit(() => dec.decode(fromHex('dbffffffff61')), 'maxStrLength', 0);
  assertLimit(
    () => new MsgpackDecoder({ maxStrLength: 3 }).decode(fromHex('91a461616161')),
    'maxStrLength',
    1,
  );
  assert.equal(new MsgpackDecoder({ maxStrLength: 4 }).decode(fromHex('a461616161')), 'aaaa');
});

test('huge binary claim (memory exhaustion): bin 32 of 4 GiB is refused by maxBinLength before allocating', () => {
  assertFailsCheaply(() => dec.decode(fromHex('c6ffffffff00')));
  assertLimit(() => dec.decode(fromHex('c6ffffffff00')), 'maxBinLength', 0);
  assertLimit(() => new MsgpackDecoder({ maxBinLength: 1 }).decode(fromHex('c4020102')), 'maxBinLength', 0);
});

test('huge extension claim (memory exhaustion): ext 32 of 4 GiB is refused by maxExtLength', () => {
  assertFailsCheaply(() => dec.decode(fromHex('c9ffffffff0100')));
  assertLimit(() => dec.decode(fromHex('c9ffffffff0100')), 'maxExtLength', 0);
  assertLimit(
    () => new MsgpackDecoder({ maxExtLength: 8 }).decode(fromHex(`d801${'00'.repeat(16)}`)),
    'maxExtLength',
    0,
  );
});

test('huge array claim (allocation amplification): array 32 of 2^32-1 items in 10 bytes fails at once', () => {
  const bytes = fromHex('ddffffffff0102030405');
  assertFailsCheaply(() => dec.decode(bytes));
  assertLimit(() => dec.decode(bytes), 'maxArrayLength', 0);
  // Even with the limit raised out of the way, the count cannot fit in what remains: no allocation.
  const lax = new MsgpackDecoder({ maxArrayLength: 2 ** 32 });
  assertFailsCheaply(() => lax.decode(bytes));
  assert.throws(() => lax.decode(bytes), { code: MsgpackDecodeCode.truncated, offset: 0 });
});

test('huge map claim (allocation amplification): map 32 of 2^32-1 pairs is refused by maxMapLength', () => {
  const bytes = fromHex('dfffffffffa16101');
  assertFailsCheaply(() => dec.decode(bytes));
  assertLimit(() => dec.decode(bytes), 'maxMapLength', 0);
  const lax = new MsgpackDecoder({ maxMapLength: 2 ** 32 });
  assertFailsCheaply(() => lax.decode(bytes));
  assert.throws(() => lax.decode(bytes), { code: MsgpackDecodeCode.truncated });
  assertLimit(
    () => new MsgpackDecoder({ maxMapLength: 1 }).decode(fromHex('82a16101a16202')),
    'maxMapLength',
    0,
  );
});

test('nesting bomb (stack exhaustion): 100 000 nested arrays fail on maxDepth, never a RangeError', () => {
  const bomb = new Uint8Array(100_000).fill(0x91);
  assertLimit(() => dec.decode(bomb), 'maxDepth', 100);
  const maps = new Uint8Array(200_000);
  for (let i = 0; i < maps.length; i += 2) maps.set([0x81, 0xc0], i);
  assertLimit(() => dec.decode(maps), 'maxDepth', 200);
  const stream = new MsgpackStreamDecoder();
  stream.push(bomb);
  assertLimit(() => stream.next(), 'maxDepth', 100);
  // Exactly at the limit is fine; one more level is not.
  const at = (n: number) => new Uint8Array([...new Uint8Array(n).fill(0x91), 0xc0]);
  assert.ok(Array.isArray(dec.decode(at(100))));
  assertLimit(() => dec.decode(at(101)), 'maxDepth', 100);
  // The highest configurable depth still decodes within the JS stack.
  const deep = new MsgpackDecoder({ maxDepth: MSGPACK_MAX_DEPTH_CEILING });
  assert.ok(Array.isArray(deep.decode(at(MSGPACK_MAX_DEPTH_CEILING))));
  assertLimit(() => new MsgpackDecoder({ maxDepth: 0 }).decode(fromHex('90')), 'maxDepth', 0);
});

test('prototype pollution: __proto__ and constructor keys stay plain own keys', () => {
  const encoder = new MsgpackEncoder();
  const payloads = [
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { constructor: { prototype: { polluted: true } } },
    JSON.parse('{"a": [{"__proto__": {"polluted": true}}], "toString": 1}'),
  ];
  for (const mapType of ['object', 'map'] as const) {
    const decoder = new MsgpackDecoder({ mapType });
    for (const payload of payloads) {
      const decoded = decoder.decode(encoder.encode(payload)) as Record<string, unknown>;
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
      if (mapType === 'map') {
        assert.ok(decoded instanceof Map);
        continue;
      }
      assert.equal(Object.getPrototypeOf(decoded), MsgpackRecord.prototype);
      assert.deepEqual(Object.keys(decoded), Object.keys(payload));
    }
  }
  const decoded = dec.decode(encoder.encode(payloads[0])) as Record<string, unknown>;
  assert.ok(Object.hasOwn(decoded, '__proto__'), '__proto__ is an own data property');
  assert.deepEqual({ ...Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value }, { polluted: true });
  assert.equal((decoded as { polluted?: unknown }).polluted, undefined);
  assert.ok(Object.isFrozen(MsgpackRecord.prototype));
  assert.equal(Object.getPrototypeOf(MsgpackRecord.prototype), null);
  assert.equal('hasOwnProperty' in decoded, false, 'nothing is inherited from Object.prototype');
});

test('a polluted Object.prototype does not leak into what the encoder writes', () => {
  const encoder = new MsgpackEncoder();
  const proto = Object.prototype as Record<string, unknown>;
  proto.polluted = 'secret';
  try {
    assert.equal(Buffer.from(encoder.encode({ a: 1 })).toString('hex'), '81a16101');
  } finally {
    delete proto.polluted;
  }
  assert.equal(Buffer.from(encoder.encode({ a: 1, b: 2 })).toString('hex'), '82a16101a16202');
});

test('buffer exhaustion: a stream that never completes a value hits maxBufferedBytes', () => {
  const stream = new MsgpackStreamDecoder({ maxBufferedBytes: 1024 });
  stream.push(fromHex('dcffff'));
  let failure: unknown;
  for (let i = 0; i < 200 && failure === undefined; i++) {
    try {
      stream.push(fromHex('a9616161616161616161'));
      assert.equal(stream.next(), NEED_MORE);
    } catch (e) {
      failure = e;
    }
  }
  assert.ok(failure instanceof LimitExceeded);
  assert.equal(failure.limit, 'maxBufferedBytes');
});

test('random bytes (fuzzing): decode returns a value or throws a DecodeError, never hanging (each input under 250 ms even on a loaded machine)', () => {
  const check = (bytes: Uint8Array) => {
    const t0 = performance.now();
    try {
      dec.decode(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    const stream = new MsgpackStreamDecoder();
    stream.push(bytes);
    try {
      while (stream.next() !== NEED_MORE);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    assert.ok(performance.now() - t0 < 250, `slow input ${Buffer.from(bytes).toString('hex')}`);
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 2000 });
  // Headers are where the danger is: bias towards format bytes followed by large lengths.
  const headers = fc.array(
    fc.oneof(fc.integer({ min: 0xc0, max: 0xdf }), fc.constant(0xff), fc.integer({ min: 0x80, max: 0x9f })),
    { maxLength: 60 },
  );
  fc.assert(
    fc.property(headers, (h) => check(new Uint8Array(h))),
    { numRuns: 2000 },
  );
  // Valid documents with a few bytes changed.
  const encoder = new MsgpackEncoder();
  const mutated = fc
    .tuple(
      anyValues,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    )
    .map(([value, edits]) => {
      const bytes = encoder.encode(value);
      for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
      return bytes;
    });
  fc.assert(fc.property(mutated, check), { numRuns: 1000 });
});
