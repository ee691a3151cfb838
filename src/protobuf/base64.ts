import { WirestackError } from '../buf/errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
// The JSON mapping accepts the URL-safe alphabet too.
DECODE['-'.charCodeAt(0)] = 62;
DECODE['_'.charCodeAt(0)] = 63;

/**
 * Standard base64 with padding, as the proto3 JSON mapping writes bytes fields.
 *
 * @example
 * base64Encode(Uint8Array.of(0xfb, 0xff)); // '+/8='
 */
export function base64Encode(b: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  if (i < b.length) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < b.length ? `${ALPHABET[(n >> 6) & 63]}=` : '==';
  }
  return out;
}

/**
 * Decodes standard or URL-safe base64, padded or not; anything else is an EPROTOJSON error.
 *
 * @example
 * base64Decode('-_8'); // Uint8Array [0xfb, 0xff]
 */
export function base64Decode(s: string): Uint8Array {
  let end = s.length;
  while (end > 0 && s[end - 1] === '=') end--;
  if (s.length - end > 2 || end % 4 === 1)
    throw new WirestackError('EPROTOJSON', `invalid base64 length in "${s.slice(0, 20)}"`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0) throw new WirestackError('EPROTOJSON', `invalid base64 character ${JSON.stringify(s[i])}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
