import { shortAscii } from '../buf/short-ascii.js';

/**
 * UTF-8 for the MessagePack str family: a JS path for short strings (most keys and values are short
 * ASCII, where a native call costs more than the loop) and the platform's TextEncoder/TextDecoder for
 * long ones. Decoding is strict: invalid UTF-8 is reported, never silently replaced.
 */

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Below this many UTF-16 units the JS loop beats `encodeInto` (measured on Node 20). */
export const SHORT_STRING_UNITS = 24;
/** Below this many bytes the JS loop beats `TextDecoder.decode`. */
const SHORT_STRING_BYTES = 48;

/**
 * Writes `s` as UTF-8 into `out` at `at` and returns the number of bytes written. `out` must have
 * room for `3 * s.length` bytes. Lone surrogates become U+FFFD, as TextEncoder does.
 */
export function writeUtf8(s: string, out: Uint8Array, at: number): number {
  const n = s.length;
  if (n >= SHORT_STRING_UNITS) return encoder.encodeInto(s, out.subarray(at)).written;
  let p = at;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[p++] = 0xf0 | (c >> 18);
          out[p++] = 0x80 | ((c >> 12) & 0x3f);
          out[p++] = 0x80 | ((c >> 6) & 0x3f);
          out[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - at;
}

/**
 * Decodes `bytes[start, end)` as strict UTF-8. Returns `undefined` when the bytes are not valid
 * UTF-8 (overlong forms, surrogates, code points above U+10FFFF, truncated sequences), so the caller
 * can raise its own typed error with the right offset.
 */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  const len = end - start;
  if (len > SHORT_STRING_BYTES) {
    try {
      return strictDecoder.decode(bytes.subarray(start, end));
    } catch {
      return undefined;
    }
  }
  if (len <= 16) {
    const ascii = shortAscii(bytes, start, len);
    if (ascii !== undefined) return ascii;
  }
  let s = '';
  let i = start;
  // ASCII fast path: eight bytes per String.fromCharCode call, one allocation per eight characters.
  while (i + 8 <= end) {
    const b0 = bytes[i];
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const b3 = bytes[i + 3];
    const b4 = bytes[i + 4];
    const b5 = bytes[i + 5];
    const b6 = bytes[i + 6];
    const b7 = bytes[i + 7];
    if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7) >= 0x80) break;
    s += String.fromCharCode(b0, b1, b2, b3, b4, b5, b6, b7);
    i += 8;
  }
  switch (end - i) {
    case 0:
      return s;
    case 1:
      if (bytes[i] < 0x80) return s + String.fromCharCode(bytes[i]);
      break;
    case 2:
      if ((bytes[i] | bytes[i + 1]) < 0x80) return s + String.fromCharCode(bytes[i], bytes[i + 1]);
      break;
    case 3:
      if ((bytes[i] | bytes[i + 1] | bytes[i + 2]) < 0x80) {
        return s + String.fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2]);
      }
      break;
    case 4:
      if ((bytes[i] | bytes[i + 1] | bytes[i + 2] | bytes[i + 3]) < 0x80) {
        return s + String.fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]);
      }
      break;
  }
  while (i < end) {
    const b = bytes[i];
    if (b < 0x80) {
      s += String.fromCharCode(b);
      i++;
      continue;
    }
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 >= end) return undefined;
      const b1 = bytes[i + 1];
      if ((b1 & 0xc0) !== 0x80) return undefined;
      cp = ((b & 0x1f) << 6) | (b1 & 0x3f);
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 >= end) return undefined;
      const b1 = bytes[i + 1];
      const b2 = bytes[i + 2];
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) return undefined;
      cp = ((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      // Overlong three-byte forms and UTF-16 surrogates are not valid UTF-8.
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 >= end) return undefined;
      const b1 = bytes[i + 1];
      const b2 = bytes[i + 2];
      const b3 = bytes[i + 3];
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return undefined;
      cp = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return undefined;
      i += 4;
      cp -= 0x10000;
      s += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      continue;
    } else {
      return undefined;
    }
    s += String.fromCharCode(cp);
  }
  return s;
}
