import type { WireType } from './wire-type.js';

const utf8 = new TextEncoder();
// 64-bit integers are split into 32-bit words by storing them in a BigInt64Array and reading the two
// halves back: V8 compiles the store to machine arithmetic, about twice as fast as Number(v) and several
// times faster than bigint masking and shifting. (Little-endian, like the wire format and every
// platform wirestack runs on.) The store wraps modulo 2^64, so callers check the range first.
const scratch64 = new BigInt64Array(1);
const scratchWords = new Uint32Array(scratch64.buffer);

/** Bytes a varint of the unsigned 32-bit value `n` takes. */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/**
 * Builds one protobuf-encoded buffer. The buffer grows by doubling and is reused across `finish()`
 * calls. Length-delimited fields whose size is not known up front (embedded messages, packed
 * repeated) use `fork()` / `join()`: fork reserves one byte for the length, join writes it and shifts
 * the payload only if the length needed more than that byte.
 *
 * @example
 * const w = new WireWriter();
 * w.tag(1, WireType.VARINT); w.uint32(150);
 * w.finish(); // Uint8Array [0x08, 0x96, 0x01]
 */
export class WireWriter {
  private buf: Uint8Array;
  pos = 0;
  private readonly forks: number[] = [];
  private view: DataView;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Returns a copy of what was written and rewinds, keeping the grown buffer for the next message. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    if (this.forks.length !== 0) this.forks.length = 0;
    return out;
  }

  /** Drops what was written (after an error mid-message), keeping the buffer. */
  reset(): void {
    this.pos = 0;
    if (this.forks.length !== 0) this.forks.length = 0;
  }

  tag(field: number, wireType: WireType): void {
    this.uint32(((field << 3) | wireType) >>> 0);
  }

  uint32(n: number): void {
    if (this.buf.length - this.pos < 5) this.grow(5);
    const buf = this.buf;
    let pos = this.pos;
    while (n > 0x7f) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** Negative int32s are sign-extended to 64 bits, hence always 10 bytes: that is what protobuf does. */
  int32(n: number): void {
    if (n >= 0) this.uint32(n);
    else this.varint64(n >>> 0, 0xffffffff);
  }

  sint32(n: number): void {
    this.uint32(((n << 1) ^ (n >> 31)) >>> 0);
  }

  bool(b: boolean): void {
    if (this.buf.length - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = b ? 1 : 0;
  }

  private varint64(lo: number, hi: number): void {
    if (this.buf.length - this.pos < 10) this.grow(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** int64 and uint64 share a wire encoding: the 64-bit two's complement value as a varint. */
  int64(v: bigint): void {
    scratch64[0] = v;
    const hi = scratchWords[1];
    if (hi === 0) this.uint32(scratchWords[0]);
    else this.varint64(scratchWords[0], hi);
  }

  uint64(v: bigint): void {
    this.int64(v);
  }

  /** zigzag, (v << 1) ^ (v >> 63), done on the two 32-bit words. */
  sint64(v: bigint): void {
    scratch64[0] = v;
    const lo = scratchWords[0];
    const hi = scratchWords[1];
    const sign = hi >> 31; // 0, or -1 (all ones) for a negative value
    const zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
    const zlo = ((lo << 1) ^ sign) >>> 0;
    if (zhi === 0) this.uint32(zlo);
    else this.varint64(zlo, zhi);
  }

  fixed32(n: number): void {
    if (this.buf.length - this.pos < 4) this.grow(4);
    this.view.setUint32(this.pos, n >>> 0, true);
    this.pos += 4;
  }

  sfixed32(n: number): void {
    this.fixed32(n);
  }

  fixed64(v: bigint): void {
    scratch64[0] = v;
    const hi = scratchWords[1];
    this.fixed32(scratchWords[0]);
    this.fixed32(hi);
  }

  sfixed64(v: bigint): void {
    this.fixed64(v);
  }

  float(n: number): void {
    if (this.buf.length - this.pos < 4) this.grow(4);
    this.view.setFloat32(this.pos, n, true);
    this.pos += 4;
  }

  double(n: number): void {
    if (this.buf.length - this.pos < 8) this.grow(8);
    this.view.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  /** Length-prefixed bytes. */
  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    this.raw(b);
  }

  /** Bytes copied as they are (already-encoded fields, such as preserved unknown fields). */
  raw(b: Uint8Array): void {
    if (this.buf.length - this.pos < b.length) this.grow(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Length-prefixed UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
  string(s: string): void {
    const n = s.length;
    // UTF-16 code units expand to at most 3 UTF-8 bytes; reserve the prefix for that worst case.
    const max = n * 3;
    const prefix = varintSize(max);
    // +5, not +prefix: uint32() below must not grow (and so drop the bytes written past pos).
    if (this.buf.length - this.pos < max + 5) this.grow(max + 5);
    const buf = this.buf;
    const start = this.pos + prefix;
    let len: number;
    if (n < 32) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      len = i === n ? n : utf8.encodeInto(s, buf.subarray(start)).written;
    } else {
      len = utf8.encodeInto(s, buf.subarray(start)).written;
    }
    const actual = varintSize(len);
    if (actual !== prefix) buf.copyWithin(this.pos + actual, start, start + len);
    this.uint32(len);
    this.pos += len;
  }

  /** Starts a length-delimited field whose length is not known yet; pair with `join()`. */
  fork(): void {
    if (this.buf.length - this.pos < 1) this.grow(1);
    this.forks.push(this.pos);
    this.pos += 1;
  }

  /** Ends the innermost `fork()`, writing its length prefix. */
  join(): void {
    const start = this.forks.pop()!;
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    const size = varintSize(len);
    if (this.buf.length - this.pos < size) this.grow(size);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    const end = this.pos + size - 1;
    this.pos = start;
    this.uint32(len);
    this.pos = end;
  }
}
