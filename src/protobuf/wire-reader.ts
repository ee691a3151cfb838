import { DecodeError, LimitExceeded } from '../buf/errors.js';
import { shortAscii } from '../buf/short-ascii.js';
import { WireType } from './wire-type.js';

// Floats (and 64-bit integers, see join64) go through this scratch space: no DataView per input buffer.
// (Both Node and every platform wirestack targets are little-endian, like the wire format.)
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchF64 = new Float64Array(scratch);
const scratchWords = new Uint32Array(scratch);
const scratchI64 = new BigInt64Array(scratch);
const scratchU64 = new BigUint64Array(scratch);
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');
// Node's native Latin-1 slicer, applied to a plain Uint8Array: for ASCII bytes it is the string, built in
// one native call, several times faster than JS concatenation or TextDecoder on short strings. Looked up
// defensively: it is an undocumented Buffer method, and without it the JS loop below is used.
const latin1Slice = (globalThis.Buffer?.prototype as { latin1Slice?: unknown } | undefined)?.latin1Slice as
  | ((this: Uint8Array, start: number, end: number) => string)
  | undefined;

/**
 * The 64-bit integer with these 32-bit halves. Values within 2^53 (most of them) take one exact
 * Number-to-bigint conversion instead of bigint arithmetic.
 */
function join64(lo: number, hi: number, signed: boolean): bigint {
  if (hi === 0 && lo >= 0) return BigInt(lo); // a small integer: V8's fastest conversion
  // Otherwise through a 64-bit typed array, which V8 compiles to a direct load: faster than
  // BigInt(hi * 2^32 + lo) and much faster than bigint arithmetic.
  scratchWords[0] = lo;
  scratchWords[1] = hi;
  return signed ? scratchI64[0] : scratchU64[0];
}

/**
 * A cursor over one protobuf-encoded buffer. Every read checks the current `limit` (the end of the
 * enclosing length-delimited field), so a nested message can never read past its own length, and a
 * malformed length is caught before anything is allocated for it. `bytes()` returns views into the
 * input, not copies.
 *
 * @example
 * const r = new WireReader(Uint8Array.of(0x08, 0x96, 0x01));
 * const tag = r.tag(); // field 1, wire type 0
 * r.uint32(); // 150
 */
export class WireReader {
  buf: Uint8Array;
  pos: number;
  /** Reads stop here: the end of the buffer, or of the length-delimited field being read. */
  limit: number;
  /** Make `bytes()` return copies, for callers that will reuse the input buffer. */
  copyBytes = false;
  // Result registers of varint64(): two 32-bit halves, so 64-bit varints need no bigint until the end.
  private lo = 0;
  private hi = 0;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.limit = end;
  }

  /** Points the reader at a new buffer so one reader can serve many messages. */
  reset(buf: Uint8Array): this {
    this.buf = buf;
    this.pos = 0;
    this.limit = buf.length;
    return this;
  }

  truncated(what: string): DecodeError {
    return new DecodeError('EPROTOTRUNCATED', `truncated input: ${what} runs past the end`, this.pos);
  }

  /**
   * Reads a tag and rejects the ones no encoder can produce: field number 0, wire types 6 and 7, and
   * values wider than 32 bits. Returns the raw tag: field number `tag >>> 3`, wire type `tag & 7`.
   */
  tag(): number {
    const start = this.pos;
    return this.checkTag(this.rawTag(), start);
  }

  /**
   * Reads a tag without checking it. For compiled decoders, which compare it against the tags of their
   * fields first (all valid) and call checkTag only on the rest.
   */
  rawTag(): number {
    const start = this.pos;
    const b = this.buf[start];
    if (b < 0x80 && start < this.limit) {
      this.pos = start + 1;
      return b;
    }
    this.varint64();
    if (this.hi !== 0) throw new DecodeError('EPROTOTAG', 'tag does not fit in 32 bits', start);
    return this.lo >>> 0;
  }

  /** Returns `tag` if an encoder could have written it; a DecodeError at `start` otherwise. */
  checkTag(tag: number, start: number): number {
    if (tag >>> 3 === 0) throw new DecodeError('EPROTOTAG', 'field number 0 is not allowed', start);
    if ((tag & 7) > 5) throw new DecodeError('EPROTOWIRETYPE', `invalid wire type ${tag & 7}`, start);
    return tag;
  }

  /**
   * Reads a varint of up to 10 bytes into `lo`/`hi`. An 11th byte is an error, not a wrap-around:
   * no valid encoder produces it, and accepting it would let a peer make us loop on garbage.
   */
  private varint64(): void {
    const buf = this.buf;
    const limit = this.limit;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= limit) throw this.truncated('varint');
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo;
        this.hi = 0;
        return;
      }
    }
    if (pos >= limit) throw this.truncated('varint');
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.pos = pos;
      this.lo = lo;
      this.hi = hi;
      return;
    }
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= limit) throw this.truncated('varint');
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo;
        this.hi = hi;
        return;
      }
    }
    throw new DecodeError('EPROTOVARINT', 'varint longer than 10 bytes', this.pos);
  }

  /** int32 / enum: the low 32 bits, signed (negative int32s are sign-extended to 10 bytes on the wire). */
  int32(): number {
    const b = this.buf[this.pos];
    if (b < 0x80 && this.pos < this.limit) {
      this.pos++;
      return b;
    }
    this.varint64();
    return this.lo | 0;
  }

  uint32(): number {
    const b = this.buf[this.pos];
    if (b < 0x80 && this.pos < this.limit) {
      this.pos++;
      return b;
    }
    this.varint64();
    return this.lo >>> 0;
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  bool(): boolean {
    const b = this.buf[this.pos];
    if (b < 0x80 && this.pos < this.limit) {
      this.pos++;
      return b !== 0;
    }
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  int64(): bigint {
    this.varint64();
    return join64(this.lo, this.hi, true);
  }

  uint64(): bigint {
    this.varint64();
    return join64(this.lo, this.hi, false);
  }

  sint64(): bigint {
    this.varint64();
    const lo = this.lo >>> 0;
    const hi = this.hi >>> 0;
    // zigzag on the two halves: shift right by one across the boundary, then flip all bits if odd.
    const mask = -(lo & 1) >>> 0;
    const rlo = ((lo >>> 1) | (hi << 31)) ^ mask;
    const rhi = (hi >>> 1) ^ mask;
    return join64(rlo, rhi, true);
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (this.limit - p < n) throw this.truncated(what);
    this.pos = p + n;
    return p;
  }

  fixed32(): number {
    const p = this.need(4, 'fixed32');
    const buf = this.buf;
    return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
  }

  sfixed32(): number {
    return this.fixed32() | 0;
  }

  fixed64(): bigint {
    const lo = this.fixed32();
    return join64(lo, this.fixed32(), false);
  }

  sfixed64(): bigint {
    const lo = this.fixed32();
    return join64(lo, this.fixed32(), true);
  }

  float(): number {
    const p = this.need(4, 'float');
    const buf = this.buf;
    scratchBytes[0] = buf[p];
    scratchBytes[1] = buf[p + 1];
    scratchBytes[2] = buf[p + 2];
    scratchBytes[3] = buf[p + 3];
    return scratchF32[0];
  }

  double(): number {
    const p = this.need(8, 'double');
    const buf = this.buf;
    scratchBytes[0] = buf[p];
    scratchBytes[1] = buf[p + 1];
    scratchBytes[2] = buf[p + 2];
    scratchBytes[3] = buf[p + 3];
    scratchBytes[4] = buf[p + 4];
    scratchBytes[5] = buf[p + 5];
    scratchBytes[6] = buf[p + 6];
    scratchBytes[7] = buf[p + 7];
    return scratchF64[0];
  }

  /**
   * Reads a length prefix and checks it against the bytes actually left, so a 2 GiB length in a
   * 10-byte buffer fails here, before anything tries to allocate or loop over it.
   */
  length(): number {
    const start = this.pos;
    const b = this.buf[start];
    let len: number;
    if (b < 0x80 && start < this.limit) {
      this.pos = start + 1;
      len = b;
    } else {
      this.varint64();
      if (this.hi !== 0 || this.lo < 0) {
        throw new DecodeError('EPROTOTRUNCATED', 'length prefix larger than 2 GiB', start);
      }
      len = this.lo;
    }
    if (len > this.limit - this.pos) {
      throw new DecodeError(
        'EPROTOTRUNCATED',
        `length ${len} runs past the end (${this.limit - this.pos} bytes left)`,
        start,
      );
    }
    return len;
  }

  /** The next length-delimited field's payload: a view of the input, or a copy with `copyBytes`. */
  bytes(): Uint8Array {
    const len = this.length();
    const p = this.pos;
    this.pos = p + len;
    return this.copyBytes ? this.buf.slice(p, p + len) : this.buf.subarray(p, p + len);
  }

  /** Reads a string field; with `validate` (proto3) invalid UTF-8 is a DecodeError, as in protobuf. */
  string(validate: boolean): string {
    const len = this.length();
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    const buf = this.buf;
    if (len <= 16) {
      // One String.fromCharCode call, no native call: most field values are short ASCII.
      const ascii = shortAscii(buf, start, len);
      if (ascii !== undefined) return ascii;
    } else if (len < 64) {
      // Up to 63 ASCII bytes, one native slice still beats TextDecoder's call overhead.
      let i = start;
      while (i < end && buf[i] < 0x80) i++;
      if (i === end && latin1Slice !== undefined) return latin1Slice.call(buf, start, end);
    }
    if (!validate) return utf8Lenient.decode(buf.subarray(start, end));
    try {
      return utf8Strict.decode(buf.subarray(start, end));
    } catch {
      throw new DecodeError('EPROTOUTF8', 'string field is not valid UTF-8', start);
    }
  }

  /**
   * Skips the value of a field this reader does not know, given its tag. Groups are skipped by walking
   * their fields until the matching END_GROUP; `depth` counts the nesting so 100k START_GROUPs stop at
   * `maxDepth` with a LimitExceeded instead of overflowing the stack.
   */
  skip(tag: number, depth: number, maxDepth: number): void {
    switch (tag & 7) {
      case WireType.VARINT:
        this.varint64();
        return;
      case WireType.I64:
        this.need(8, 'fixed64');
        return;
      case WireType.LEN: {
        // Not `this.pos += this.length()`: that would add to pos as it was before the prefix was read.
        const len = this.length();
        this.pos += len;
        return;
      }
      case WireType.I32:
        this.need(4, 'fixed32');
        return;
      case WireType.SGROUP: {
        if (depth + 1 > maxDepth) {
          throw new LimitExceeded('EPROTODEPTH', 'maxDepth', maxDepth, depth + 1, 'group nesting', this.pos);
        }
        const field = tag >>> 3;
        for (;;) {
          if (this.pos >= this.limit) throw this.truncated(`group ${field}`);
          const start = this.pos;
          const inner = this.tag();
          if ((inner & 7) === WireType.EGROUP) {
            if (inner >>> 3 !== field) {
              throw new DecodeError(
                'EPROTOGROUP',
                `END_GROUP ${inner >>> 3} does not close group ${field}`,
                start,
              );
            }
            return;
          }
          this.skip(inner, depth + 1, maxDepth);
        }
      }
      default:
        throw new DecodeError('EPROTOGROUP', `unexpected END_GROUP for field ${tag >>> 3}`, this.pos);
    }
  }
}
