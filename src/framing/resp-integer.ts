const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Reads bytes[from, end) the way Redis's string2ll does: an optional `-`, then digits with no leading
 * zero (`0` alone is fine, `-0`, `+1`, `01`, ` 1` and the empty string are not), within signed 64 bits.
 * Returns NaN when invalid. Past 2^53 the result is inexact but still ordered, which is all a length
 * check needs; use `parseRespIntegerExact` when the value itself matters.
 */
export function parseRespInteger(bytes: Uint8Array, from: number, end = bytes.length): number {
  let i = from;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  const digits = end - i;
  if (digits <= 0 || digits > 19) return Number.NaN;
  if (bytes[i] === ZERO && (digits > 1 || negative)) return Number.NaN;
  let value = 0;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c < ZERO || c > NINE) return Number.NaN;
    value = value * 10 + (c - ZERO);
  }
  if (digits >= 16 && !inInt64(bytes, from, end)) return Number.NaN;
  return negative ? -value : value;
}

/** Like parseRespInteger, but exact: a number when it is a safe integer, else a bigint. */
export function parseRespIntegerExact(bytes: Uint8Array, from: number, end = bytes.length): number | bigint {
  const approx = parseRespInteger(bytes, from, end);
  if (Number.isNaN(approx) || Number.isSafeInteger(approx)) return approx;
  const exact = BigInt(latin1(bytes, from, end));
  return exact >= BigInt(Number.MIN_SAFE_INTEGER) && exact <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(exact)
    : exact;
}

function inInt64(bytes: Uint8Array, from: number, end: number): boolean {
  const v = BigInt(latin1(bytes, from, end));
  return v >= INT64_MIN && v <= INT64_MAX;
}

function latin1(bytes: Uint8Array, from: number, end: number): string {
  let s = '';
  for (let i = from; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
