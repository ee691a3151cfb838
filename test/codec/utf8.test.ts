// The MessagePack str fast paths against the platform's own UTF-8 codec, at every short length.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readUtf8, writeUtf8 } from '../../src/codec/utf8.js';

const strict = new TextDecoder('utf-8', { fatal: true });

test('short strings of every length 0-40: ASCII, and one non-ASCII character at each position', () => {
  for (let len = 0; len <= 40; len++) {
    const ascii = Array.from({ length: len }, (_, i) => String.fromCharCode(0x21 + ((i * 7) % 90))).join('');
    const variants = [ascii];
    for (let at = 0; at < len; at++) variants.push(`${ascii.slice(0, at)}é${ascii.slice(at + 1)}`);
    for (const s of variants) {
      const bytes = new TextEncoder().encode(s);
      // Decoded in the middle of a larger buffer, as the decoder does.
      const padded = new Uint8Array(bytes.length + 6);
      padded.set(bytes, 3);
      assert.equal(readUtf8(padded, 3, 3 + bytes.length), s, JSON.stringify(s));
      const out = new Uint8Array(s.length * 3 + 4);
      const n = writeUtf8(s, out, 2);
      assert.deepEqual(out.subarray(2, 2 + n), bytes, JSON.stringify(s));
      assert.equal(strict.decode(out.subarray(2, 2 + n)), s);
    }
  }
});

test('invalid UTF-8 in a short string is reported, never replaced', () => {
  for (const bad of [[0x80], [0x61, 0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x61, 0x62, 0xff, 0x63]]) {
    assert.equal(readUtf8(Uint8Array.from(bad), 0, bad.length), undefined, String(bad));
  }
});
