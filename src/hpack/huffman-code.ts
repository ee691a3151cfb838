/**
 * The HPACK Huffman code, RFC 7541 Appendix B, as data: the code length in bits of each symbol
 * 0..255 and of EOS (256), sixteen symbols per row.
 *
 * The Appendix B code is canonical: within each length the codes count up in symbol order, and
 * each length's first code follows the last code of the shorter lengths. So the lengths alone
 * determine every code; `HUFFMAN_CODES` is rebuilt from them at module load, and the tests check it
 * against codes quoted from Appendix B and against python3-hpack.
 */
export const HUFFMAN_CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28,
  28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7,
  8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19,
  13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13,
  28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21,
  22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23,
  22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25,
  25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

/** The end-of-string symbol; its code (30 one bits) must never appear in a string (RFC 7541 §5.2). */
export const EOS = 256;

/** The code of each symbol, right-aligned: symbol s is the low HUFFMAN_CODE_LENGTHS[s] bits. */
export const HUFFMAN_CODES: Uint32Array = buildCanonicalCodes(HUFFMAN_CODE_LENGTHS);

function buildCanonicalCodes(lengths: readonly number[]): Uint32Array {
  const order = lengths.map((_, sym) => sym).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let prevLength = lengths[order[0]];
  for (let i = 0; i < order.length; i++) {
    const sym = order[i];
    if (i > 0) code = (code + 1) * 2 ** (lengths[sym] - prevLength);
    prevLength = lengths[sym];
    codes[sym] = code;
  }
  return codes;
}
