const MINUS = 45;
const ZERO = 48;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * An argument read as a signed 64-bit integer the way Redis's string2ll does: optional `-`, digits,
 * no `+`, no spaces, no leading zeros. Returns a number when it is a safe integer, a bigint beyond
 * that, or null when the bytes are not such an integer (`ERR value is not an integer or out of range`).
 *
 * @example
 * parseInt64(stringToBytes('-42')) // -42
 */
export function parseInt64(bytes: Uint8Array): number | bigint | null {
  const n = bytes.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const negative = bytes[0] === MINUS;
  if (negative) {
    i = 1;
    if (n === 1) return null;
  }
  if (bytes[i] === ZERO && n > i + 1) return null;
  if (negative && bytes[i] === ZERO) return null;
  let value = 0;
  for (let k = i; k < n; k++) {
    const d = bytes[k] - ZERO;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  if (n - i <= 15) return negative ? -value : value;
  // Past 15 digits a double can lose precision: redo it exactly.
  let exact = 0n;
  for (let k = i; k < n; k++) exact = exact * 10n + BigInt(bytes[k] - ZERO);
  if (negative) exact = -exact;
  if (exact > INT64_MAX || exact < INT64_MIN) return null;
  return Number.isSafeInteger(Number(exact)) && BigInt(Number(exact)) === exact ? Number(exact) : exact;
}

/** a + b in int64, or null on overflow (`ERR increment or decrement would overflow`). */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  const exact = BigInt(a) + BigInt(b);
  if (exact > INT64_MAX || exact < INT64_MIN) return null;
  return exact;
}
