// fast-check generators and helpers for RESP values, shared by the RESP tests.
import fc from 'fast-check';
import type { RespValue } from '../../src/framing/resp-value.js';

const lineText = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' '));
const int64 = fc
  .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
  .map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b));
// Bulk payloads often hold \r\n: they must be read by length, never scanned.
const bulkBytes = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(Uint8Array.of(13, 10), Uint8Array.of(13), Uint8Array.of(36, 51, 13, 10, 13, 10)),
);

const resp2Leaf: fc.Arbitrary<RespValue> = fc.oneof(
  lineText.map((value) => ({ type: 'simple' as const, value })),
  lineText.map((value) => ({ type: 'error' as const, value })),
  fc.oneof(fc.integer(), int64).map((value) => ({ type: 'integer' as const, value })),
  bulkBytes.map((value) => ({ type: 'bulk' as const, value })),
  fc.constant({ type: 'null' as const }),
);

const resp3Leaf: fc.Arbitrary<RespValue> = fc.oneof(
  resp2Leaf,
  fc.boolean().map((value) => ({ type: 'boolean' as const, value })),
  fc.double().map((value) => ({ type: 'double' as const, value })),
  fc.bigInt().map((value) => ({ type: 'bignum' as const, value })),
  bulkBytes.map((value) => ({ type: 'bulkError' as const, value })),
  fc
    .tuple(fc.constantFrom('txt', 'mkd'), bulkBytes)
    .map(([format, value]) => ({ type: 'verbatim' as const, format, value })),
);

const even = <T>(items: T[]): T[] => (items.length % 2 === 0 ? items : items.slice(1));

export const resp2Value: fc.Arbitrary<RespValue> = fc.letrec<{ value: RespValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    resp2Leaf,
    fc.array(tie('value'), { maxLength: 5 }).map((value) => ({ type: 'array' as const, value })),
  ),
})).value;

export const resp3Value: fc.Arbitrary<RespValue> = fc.letrec<{ value: RespValue; plain: RespValue }>(
  (tie) => ({
    plain: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      resp3Leaf,
      fc.array(tie('value'), { maxLength: 5 }).map((value) => ({ type: 'array' as const, value })),
      fc.array(tie('value'), { maxLength: 6 }).map((v) => ({ type: 'map' as const, value: even(v) })),
      fc.array(tie('value'), { maxLength: 5 }).map((value) => ({ type: 'set' as const, value })),
      fc.array(tie('value'), { maxLength: 5 }).map((value) => ({ type: 'push' as const, value })),
    ),
    value: fc
      .tuple(tie('plain'), fc.option(fc.array(resp3Leaf, { maxLength: 4 }), { freq: 6 }))
      .map(([v, attributes]) => (attributes === null ? v : { ...v, attributes: even(attributes) })),
  }),
).value;

/** A deep copy whose byte payloads are new arrays (parsed payloads are views that expire). */
export function cloneValue(v: RespValue): RespValue {
  const out = { ...v } as RespValue & { value?: unknown; attributes?: RespValue[] };
  if (v.attributes !== undefined) out.attributes = v.attributes.map(cloneValue);
  if ('value' in v) {
    if (v.value instanceof Uint8Array) out.value = v.value.slice();
    else if (Array.isArray(v.value)) out.value = v.value.map(cloneValue);
  }
  return out;
}
