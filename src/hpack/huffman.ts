import { HpackDecodingError, HpackEncodingError } from './errors.js';
import { EOS, HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from './huffman-code.js';

// ---------------------------------------------------------------------------------------------
// Decoding state machine, generated at module load from the code lengths.
//
// The code tree has 257 leaves and so 256 internal nodes; a decoder state is an internal node
// (0 = root, "between symbols"). The decoder consumes 4 bits at a time: for each state and nibble
// the table holds the state after those 4 bits, and the symbol completed on the way if any. The
// shortest code is 5 bits, so one nibble completes at most one symbol.
// ---------------------------------------------------------------------------------------------

const FLAG_EMIT = 1 << 16;
const FLAG_FAIL = 1 << 17; // the nibble completes EOS
/** Entry: next state (bits 0-7) | emitted symbol (bits 8-15) | FLAG_EMIT | FLAG_FAIL. */
const TRANSITIONS = new Uint32Array(256 * 16);
/**
 * 1 where a string may end in that state: RFC 7541 §5.2 allows only padding of at most 7 bits,
 * all ones (a prefix of EOS). So: the root, or a node reached from the root by 1 to 7 one bits.
 */
const ACCEPTING = new Uint8Array(256);

buildDecoderTables();

function buildDecoderTables(): void {
  // children[node * 2 + bit]: >= 0 an internal node, < 0 a leaf holding symbol -(child + 1).
  const children = new Int32Array(256 * 2);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const len = HUFFMAN_CODE_LENGTHS[sym];
    const code = HUFFMAN_CODES[sym];
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const slot = node * 2 + bit;
      if (i === 0) {
        children[slot] = -(sym + 1);
      } else {
        if (children[slot] === 0) children[slot] = nodes++;
        node = children[slot];
      }
    }
  }
  // Padding states: follow 1-bits from the root for up to 7 steps.
  ACCEPTING[0] = 1;
  let node = 0;
  for (let depth = 1; depth <= 7; depth++) {
    node = children[node * 2 + 1];
    ACCEPTING[node] = 1;
  }
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let cur = state;
      let entry = 0;
      for (let i = 3; i >= 0; i--) {
        const child = children[cur * 2 + ((nibble >> i) & 1)];
        if (child >= 0) {
          cur = child;
          continue;
        }
        const sym = -child - 1;
        if (sym === EOS) entry |= FLAG_FAIL;
        else entry |= FLAG_EMIT | (sym << 8);
        cur = 0;
      }
      TRANSITIONS[state * 16 + nibble] = entry | cur;
    }
  }
}

/**
 * The HPACK Huffman code (RFC 7541 §5.2, Appendix B): a table-driven decoder that reads 4 bits per
 * step and an encoder that writes straight into a caller's buffer. Stateless; all methods are static.
 *
 * @example
 * const out = new Uint8Array(HuffmanCodec.maxDecodedLength(4));
 * const n = HuffmanCodec.decode(Uint8Array.of(0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf), 0, 6, out); // "no-cache"
 */
export const HuffmanCodec = {
  /**
   * The encoded length in octets of a latin1 string; throws HpackEncodingError on a character
   * above U+00FF (it has no octet).
   */
  encodedLength(s: string): number {
    let bits = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) throw badChar(s, i);
      bits += HUFFMAN_CODE_LENGTHS[c];
    }
    return Math.ceil(bits / 8);
  },

  /** An upper bound of the decoded length of `encodedLength` octets: the shortest code is 5 bits. */
  maxDecodedLength(encodedLength: number): number {
    return Math.floor((encodedLength * 8) / 5);
  },

  /**
   * Encodes `s` (latin1, already checked by encodedLength) into `out` at `offset`, which must have
   * room for encodedLength(s) octets, and returns the offset after the last octet written. The last
   * octet is padded with the most significant bits of EOS (ones), as RFC 7541 §5.2 requires.
   */
  encode(s: string, out: Uint8Array, offset: number): number {
    let pos = offset;
    let acc = 0; // pending bits, fewer than 8 between symbols
    let bits = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      let len = HUFFMAN_CODE_LENGTHS[c];
      let code = HUFFMAN_CODES[c];
      // Keep acc within 31 bits: feed codes longer than 24 bits in two pieces.
      if (len > 24) {
        acc = (acc << (len - 16)) | (code >>> 16);
        bits += len - 16;
        while (bits >= 8) {
          bits -= 8;
          out[pos++] = (acc >>> bits) & 0xff;
        }
        acc &= (1 << bits) - 1;
        code &= 0xffff;
        len = 16;
      }
      acc = (acc << len) | code;
      bits += len;
      while (bits >= 8) {
        bits -= 8;
        out[pos++] = (acc >>> bits) & 0xff;
      }
      acc &= (1 << bits) - 1;
    }
    if (bits > 0) out[pos++] = ((acc << (8 - bits)) | (0xff >> bits)) & 0xff;
    return pos;
  },

  /**
   * Decodes src[start, end) into `out` (room for maxDecodedLength(end - start) octets) and returns
   * the decoded length. Throws HpackDecodingError (code EHPACKHUFFMAN) if the data contains EOS, or
   * ends in padding longer than 7 bits or not all ones (RFC 7541 §5.2: both MUST be decoding errors).
   */
  decode(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
    let state = 0;
    let o = 0;
    for (let i = start; i < end; i++) {
      const b = src[i];
      let e = TRANSITIONS[(state << 4) | (b >> 4)];
      if (e & FLAG_EMIT) out[o++] = (e >> 8) & 0xff;
      else if (e & FLAG_FAIL) throw eosError(i);
      e = TRANSITIONS[((e & 0xff) << 4) | (b & 0x0f)];
      if (e & FLAG_EMIT) out[o++] = (e >> 8) & 0xff;
      else if (e & FLAG_FAIL) throw eosError(i);
      state = e & 0xff;
    }
    if (ACCEPTING[state] === 0) {
      throw new HpackDecodingError(
        'EHPACKHUFFMAN',
        'Huffman string ends in padding that is longer than 7 bits or not all ones (RFC 7541 §5.2)',
        end - 1,
      );
    }
    return o;
  },
};

function eosError(offset: number): HpackDecodingError {
  return new HpackDecodingError('EHPACKHUFFMAN', 'Huffman string contains EOS (RFC 7541 §5.2)', offset);
}

function badChar(s: string, i: number): HpackEncodingError {
  return new HpackEncodingError(
    'EHPACKCHAR',
    `character U+${s.charCodeAt(i).toString(16).padStart(4, '0')} at index ${i} is not an octet; header strings are latin1`,
  );
}
