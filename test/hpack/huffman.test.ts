import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HpackDecodingError, HpackEncodingError } from '../../src/hpack/errors.js';
import { HuffmanCodec } from '../../src/hpack/huffman.js';
import { EOS, HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from '../../src/hpack/huffman-code.js';

const encode = (s: string) => {
  const out = new Uint8Array(HuffmanCodec.encodedLength(s));
  assert.equal(HuffmanCodec.encode(s, out, 0), out.length);
  return out;
};
const decode = (bytes: Uint8Array) => {
  const out = Buffer.alloc(HuffmanCodec.maxDecodedLength(bytes.length));
  const n = HuffmanCodec.decode(bytes, 0, bytes.length, out);
  return out.toString('latin1', 0, n);
};
const isHuffmanError = (e: unknown) => e instanceof HpackDecodingError && e.code === 'EHPACKHUFFMAN';

test('codes rebuilt from the lengths match codes quoted from RFC 7541 Appendix B', () => {
  // (sym, code as hex, len) rows transcribed from Appendix B.
  const rows: [number, number, number][] = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [10, 0x3ffffffc, 30],
    [32, 0x14, 6],
    [48, 0x0, 5],
    [97, 0x3, 5],
    [116, 0x9, 5],
    [127, 0xffffffc, 28],
    [128, 0xfffe6, 20],
    [255, 0x3ffffee, 26],
    [256, 0x3fffffff, 30],
  ];
  for (const [sym, code, len] of rows) {
    assert.equal(HUFFMAN_CODES[sym], code, `code of ${sym}`);
    assert.equal(HUFFMAN_CODE_LENGTHS[sym], len, `length of ${sym}`);
  }
  assert.equal(HUFFMAN_CODE_LENGTHS.length, 257);
  // A complete prefix code: the Kraft sum is exactly 1.
  assert.equal(
    HUFFMAN_CODE_LENGTHS.reduce((s, l) => s + 2 ** -l, 0),
    1,
  );
});

test('RFC 7541 C.4.1: "www.example.com" encodes to f1e3 c2e5 f23a 6ba0 ab90 f4ff', () => {
  assert.equal(Buffer.from(encode('www.example.com')).toString('hex'), 'f1e3c2e5f23a6ba0ab90f4ff');
  assert.equal(decode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex')), 'www.example.com');
});

test('encode then decode round-trips any octet string', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const s = Buffer.from(bytes).toString('latin1');
      assert.equal(decode(encode(s)), s);
    }),
    { numRuns: 300 },
  );
});

test('every single symbol round-trips, including the 30-bit ones', () => {
  for (let c = 0; c < 256; c++) {
    const s = String.fromCharCode(c).repeat(3);
    assert.equal(decode(encode(s)), s, `symbol ${c}`);
  }
});

test('EOS in the data is a decoding error (RFC 7541 §5.2)', () => {
  // 30 one bits (EOS) followed by 2 padding ones: four 0xff octets.
  assert.throws(() => decode(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), isHuffmanError);
  // "a" (00011) then EOS then padding.
  const bits = `00011${'1'.repeat(30)}`;
  const padded = bits + '1'.repeat((8 - (bits.length % 8)) % 8);
  const bytes = Uint8Array.from(padded.match(/.{8}/g)!.map((b) => Number.parseInt(b, 2)));
  assert.throws(() => decode(bytes), isHuffmanError);
  assert.equal(EOS, 256);
});

test('padding longer than 7 bits is a decoding error (RFC 7541 §5.2)', () => {
  // "0" is 00000 (5 bits); then 11 one bits: 8 bits of padding beyond the octet holding the symbol.
  assert.equal(decode(Uint8Array.of(0b00000111)), '0');
  assert.throws(() => decode(Uint8Array.of(0b00000111, 0xff)), isHuffmanError);
  // A whole octet of ones alone is 8 bits of padding.
  assert.throws(() => decode(Uint8Array.of(0xff)), isHuffmanError);
});

test('padding that is not all ones is a decoding error (RFC 7541 §5.2)', () => {
  // "0" then padding 110 instead of 111.
  assert.throws(() => decode(Uint8Array.of(0b00000110)), isHuffmanError);
  // "0" then padding 011, which is not a prefix of EOS.
  assert.throws(() => decode(Uint8Array.of(0b00000011)), isHuffmanError);
});

test('random octets decode or fail with the typed error only', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decode(bytes);
      } catch (e) {
        assert.ok(isHuffmanError(e), String(e));
      }
    }),
    { numRuns: 1000 },
  );
});

test('a character above U+00FF cannot be encoded', () => {
  assert.throws(
    () => HuffmanCodec.encodedLength('caf\u20ac'),
    (e: unknown) => e instanceof HpackEncodingError && e.code === 'EHPACKCHAR',
  );
});

test('encoded length is the sum of the code lengths rounded up to octets', () => {
  assert.equal(HuffmanCodec.encodedLength(''), 0);
  assert.equal(HuffmanCodec.encodedLength('no-cache'), 6);
  assert.equal(HuffmanCodec.encodedLength('\x00'), 2);
});
