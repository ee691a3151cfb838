/**
 * Up to 16 ASCII bytes as one flat string from a single String.fromCharCode call (most values and
 * keys): building it from pieces made a rope that V8 flattened later, and joining two calls' results
 * (as this did above 8 bytes) cost a second allocation and a copy. Undefined if any byte is not ASCII.
 * Shared by the MessagePack and protobuf decoders; `len` must be at most 16.
 *
 * @example
 * shortAscii(new TextEncoder().encode('hello'), 0, 5); // 'hello'
 */
export function shortAscii(b: Uint8Array, p: number, len: number): string | undefined {
  let or = 0;
  for (let i = 0; i < len; i++) or |= b[p + i];
  if (or >= 0x80) return undefined;
  const f = String.fromCharCode;
  // biome-ignore format: one line per length reads as the table it is
  switch (len) {
    case 0: return '';
    case 1: return f(b[p]);
    case 2: return f(b[p], b[p + 1]);
    case 3: return f(b[p], b[p + 1], b[p + 2]);
    case 4: return f(b[p], b[p + 1], b[p + 2], b[p + 3]);
    case 5: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4]);
    case 6: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5]);
    case 7: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6]);
    case 8: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    case 9: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8]);
    case 10: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9]);
    case 11: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10]);
    case 12: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11]);
    case 13: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12]);
    case 14: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13]);
    case 15: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14]);
    default: return f(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10], b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15]);
  }
}
