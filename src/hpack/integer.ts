import type { ByteWriter } from './byte-writer.js';
import type { Cursor } from './cursor.js';
import { HpackDecodingError } from './errors.js';

/**
 * The largest integer the decoder accepts. RFC 7541 §5.1 leaves the bound to the implementation
 * ("Integer encodings that exceed implementation limits ... MUST be treated as decoding errors");
 * every HPACK integer (an index, a length, a table size) fits in 2^31 - 1, as in nghttp2.
 */
export const MAX_HPACK_INTEGER = 0x7fffffff;

/**
 * At most 5 continuation octets: 4 prefix bits + 5 x 7 bits covers 2^31. More octets can only be
 * redundant zero padding (0x80 0x80 ...), which would let a peer make us spin on one integer.
 */
const MAX_CONTINUATION_OCTETS = 5;

/**
 * Decodes an N-bit prefix integer (RFC 7541 §5.1) at `cur.pos`, advancing the cursor.
 * The first octet's bits above the prefix (the representation flags) are ignored.
 *
 * @example
 * const cur = { pos: 0 };
 * decodeInteger(Uint8Array.of(0x1f, 0x9a, 0x0a), 3, cur, 5); // 1337 (RFC 7541 C.1.2), cur.pos === 3
 */
export function decodeInteger(src: Uint8Array, end: number, cur: Cursor, prefixBits: number): number {
  let pos = cur.pos;
  const start = pos;
  if (pos >= end) throw truncated(pos);
  const mask = (1 << prefixBits) - 1;
  let value = src[pos++] & mask;
  if (value < mask) {
    cur.pos = pos;
    return value;
  }
  let multiplier = 1;
  for (let i = 1; ; i++) {
    if (pos >= end) throw truncated(pos);
    const b = src[pos++];
    // Plain arithmetic, not shifts: shifts are 32-bit and would wrap before the bound check.
    value += (b & 0x7f) * multiplier;
    if (value > MAX_HPACK_INTEGER) {
      throw new HpackDecodingError(
        'EHPACKINTEGER',
        `integer exceeds ${MAX_HPACK_INTEGER} (RFC 7541 §5.1)`,
        start,
      );
    }
    if ((b & 0x80) === 0) break;
    if (i >= MAX_CONTINUATION_OCTETS) {
      throw new HpackDecodingError(
        'EHPACKINTEGER',
        `integer uses more than ${MAX_CONTINUATION_OCTETS} continuation octets (RFC 7541 §5.1)`,
        start,
      );
    }
    multiplier *= 128;
  }
  cur.pos = pos;
  return value;
}

/**
 * Encodes `value` as an N-bit prefix integer (RFC 7541 §5.1); `flags` fills the bits above the prefix.
 *
 * @example
 * encodeInteger(w, 1337, 5, 0); // writes 1f 9a 0a
 */
export function encodeInteger(w: ByteWriter, value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    w.byte(flags | value);
    return;
  }
  w.byte(flags | max);
  let rest = value - max;
  while (rest >= 128) {
    w.byte((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  w.byte(rest);
}

function truncated(offset: number): HpackDecodingError {
  return new HpackDecodingError('EHPACKTRUNCATED', 'header block ends inside an integer', offset);
}
