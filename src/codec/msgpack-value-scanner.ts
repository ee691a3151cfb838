import { DecodeError } from '../buf/errors.js';
import type { MsgpackLimits } from './msgpack-decoder-options.js';
import { MsgpackDecodeCode, overLimit } from './msgpack-errors.js';

/**
 * Finds where the next complete MessagePack value ends without decoding it, resuming where it
 * stopped when more bytes arrive: the stream decoder's way to tell "complete" from "need more" in
 * time linear in the input, however it is chunked. It enforces the same limits as the decoder, in
 * the same order, as soon as a header is visible, so a hostile length fails before its payload is
 * buffered. It keeps an explicit stack of open containers, so depth never touches the JS stack.
 */
export class MsgpackValueScanner {
  /** Scan position relative to the start of the value being scanned. */
  private rel = 0;
  /** Items still expected by each open array/map (a map of n pairs expects 2n items). */
  private readonly open: number[] = [];

  constructor(private readonly limits: MsgpackLimits) {}

  /**
   * Scans the value starting at `bytes[start]` with data up to `end`. Returns the index just past the
   * value, or -1 when it is incomplete (call again with the same `start` and more data). `base` is
   * the absolute stream offset of `bytes[0]`, for error offsets.
   */
  scan(bytes: Uint8Array, start: number, end: number, base: number): number {
    const open = this.open;
    const limits = this.limits;
    let p = start + this.rel;
    for (;;) {
      if (p >= end) break;
      const b = bytes[p];
      let header = 1;
      let payload = 0;
      let items = -1;
      let isMap = false;
      if (b < 0x80 || b >= 0xe0) {
        // fixint: one byte
      } else if (b < 0x90) {
        items = (b & 0x0f) * 2;
        isMap = true;
      } else if (b < 0xa0) {
        items = b & 0x0f;
      } else if (b < 0xc0) {
        payload = b & 0x1f;
        if (payload > limits.maxStrLength) {
          overLimit('maxStrLength', limits.maxStrLength, payload, 'str length', base + p);
        }
      } else {
        const kind = FORMATS[b - 0xc0];
        if (kind === RESERVED) {
          throw new DecodeError(MsgpackDecodeCode.reserved, 'reserved byte 0xc1', base + p);
        }
        const sizeBytes = kind & 7;
        const fixed = kind >>> 8;
        if (sizeBytes === 0) {
          payload = fixed;
          if ((kind & EXT) !== 0) {
            header = 2;
            if (payload > limits.maxExtLength) {
              overLimit('maxExtLength', limits.maxExtLength, payload, 'ext length', base + p);
            }
          }
        } else {
          if (p + 1 + sizeBytes > end) break;
          let n = bytes[p + 1];
          if (sizeBytes >= 2) n = (n << 8) | bytes[p + 2];
          if (sizeBytes === 4) n = n * 0x10000 + ((bytes[p + 3] << 8) | bytes[p + 4]);
          header = 1 + sizeBytes;
          if ((kind & STR) !== 0) {
            if (n > limits.maxStrLength)
              overLimit('maxStrLength', limits.maxStrLength, n, 'str length', base + p);
            payload = n;
          } else if ((kind & BIN) !== 0) {
            if (n > limits.maxBinLength)
              overLimit('maxBinLength', limits.maxBinLength, n, 'bin length', base + p);
            payload = n;
          } else if ((kind & EXT) !== 0) {
            if (n > limits.maxExtLength)
              overLimit('maxExtLength', limits.maxExtLength, n, 'ext length', base + p);
            payload = n;
            header++;
          } else if ((kind & MAP) !== 0) {
            items = n * 2;
            isMap = true;
          } else {
            items = n;
          }
        }
      }
      if (items >= 0) {
        if (open.length >= limits.maxDepth) {
          overLimit('maxDepth', limits.maxDepth, open.length + 1, 'nesting depth', base + p);
        }
        const count = isMap ? items / 2 : items;
        const max = isMap ? limits.maxMapLength : limits.maxArrayLength;
        if (count > max) {
          overLimit(
            isMap ? 'maxMapLength' : 'maxArrayLength',
            max,
            count,
            isMap ? 'map size' : 'array length',
            base + p,
          );
        }
        if (p + header > end) break;
        p += header;
        if (items > 0) {
          open.push(items);
          continue;
        }
      } else {
        if (p + header + payload > end) break;
        p += header + payload;
      }
      // One item is complete: close every container it completes.
      for (;;) {
        const depth = open.length;
        if (depth === 0) {
          this.rel = 0;
          return p;
        }
        const left = open[depth - 1] - 1;
        if (left > 0) {
          open[depth - 1] = left;
          break;
        }
        open.pop();
      }
    }
    this.rel = p - start;
    return -1;
  }
}

// Per format byte 0xc0..0xdf: size-field bytes (low 3 bits), kind flags, fixed payload length << 8.
const STR = 8;
const BIN = 16;
const EXT = 32;
const MAP = 64;
const ARRAY = 128;
const RESERVED = -1;
const FORMATS = [
  0, // c0 nil
  RESERVED, // c1
  0, // c2 false
  0, // c3 true
  BIN | 1,
  BIN | 2,
  BIN | 4,
  EXT | 1,
  EXT | 2,
  EXT | 4,
  4 << 8, // ca float 32
  8 << 8,
  1 << 8, // cc uint 8
  2 << 8,
  4 << 8,
  8 << 8,
  1 << 8, // d0 int 8
  2 << 8,
  4 << 8,
  8 << 8,
  EXT | (1 << 8), // d4 fixext 1
  EXT | (2 << 8),
  EXT | (4 << 8),
  EXT | (8 << 8),
  EXT | (16 << 8),
  STR | 1, // d9 str 8
  STR | 2,
  STR | 4,
  ARRAY | 2, // dc array 16
  ARRAY | 4,
  MAP | 2, // de map 16
  MAP | 4,
];
