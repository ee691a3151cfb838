import { FrameTooLarge } from './errors.js';
import { type LengthPrefix, type LengthPrefixOptions, resolveLengthPrefixOptions } from './length-prefix.js';

/**
 * Writes length headers for frames that a LengthPrefixDecoder with the same options reads back.
 * `frame()` returns the header and the untouched payload as two buffers, ready for a vectored write
 * (writev) without joining them; `encode()` joins them when one buffer is more convenient.
 *
 * @example
 * const encoder = new LengthPrefixEncoder();
 * const [header, payload] = encoder.frame(bytes); // writev(fd, [header, payload])
 * const joined = encoder.encode(bytes);            // one Uint8Array
 */
export class LengthPrefixEncoder {
  readonly prefix: LengthPrefix;
  readonly maxFrameSize: number;

  constructor(options: LengthPrefixOptions = {}) {
    const resolved = resolveLengthPrefixOptions(options);
    this.prefix = resolved.prefix;
    this.maxFrameSize = resolved.maxFrameSize;
  }

  /** Size of the header for a payload of `length` bytes. */
  headerLength(length: number): number {
    this.check(length);
    if (this.prefix !== 'varint') return this.prefix;
    let n = 1;
    for (let v = length; v >= 128; v = Math.floor(v / 128)) n++;
    return n;
  }

  /** Writes the header for `length` into `target` at `offset` (no allocation); returns the bytes written. */
  writeHeader(length: number, target: Uint8Array, offset = 0): number {
    const size = this.headerLength(length);
    if (offset < 0 || offset + size > target.length) {
      throw new RangeError(`header needs ${size} bytes at offset ${offset}, target has ${target.length}`);
    }
    if (this.prefix === 'varint') {
      let v = length;
      let i = offset;
      while (v >= 128) {
        target[i++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      target[i] = v;
    } else {
      // Division instead of shifts: lengths above 2^31 must survive (JS shifts are 32-bit signed).
      let v = length;
      for (let i = offset + size - 1; i >= offset; i--) {
        target[i] = v % 256;
        v = Math.floor(v / 256);
      }
    }
    return size;
  }

  /** A fresh header for `length`: safe to queue, as it is never reused. */
  header(length: number): Uint8Array {
    const out = new Uint8Array(this.headerLength(length));
    this.writeHeader(length, out, 0);
    return out;
  }

  /** `[header, payload]` for a vectored write; the payload is returned as given, not copied. */
  frame(payload: Uint8Array): [Uint8Array, Uint8Array] {
    return [this.header(payload.length), payload];
  }

  /** Header and payload joined in one new buffer. */
  encode(payload: Uint8Array): Uint8Array {
    const size = this.headerLength(payload.length);
    const out = new Uint8Array(size + payload.length);
    this.writeHeader(payload.length, out, 0);
    out.set(payload, size);
    return out;
  }

  private check(length: number): void {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid frame length ${length}`);
    // Refuse to send what a peer with the same settings would reject.
    if (length > this.maxFrameSize) throw new FrameTooLarge(this.maxFrameSize, length);
  }
}
