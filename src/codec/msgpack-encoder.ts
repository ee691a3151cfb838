import { MsgpackEncodeCode, MsgpackEncodeError } from './msgpack-errors.js';
import { MsgpackExt } from './msgpack-ext.js';
import type { MsgpackExtensions } from './msgpack-extensions.js';
import { MsgpackRecord } from './msgpack-record.js';
import { MsgpackTimestamp, TIMESTAMP_EXT_TYPE } from './msgpack-timestamp.js';
import { writeUtf8 } from './utf8.js';

/**
 * Encoder options.
 *
 * @example
 * // Write each result straight to a socket, no copy; floats that fit in 32 bits take 5 bytes.
 * const encoder = new MsgpackEncoder({ output: 'view', float32: 'exact' });
 */
export interface MsgpackEncoderOptions {
  /**
   * `'never'` (default): non-integer numbers are float 64. `'exact'`: float 32 when that loses
   * nothing (`Math.fround(x) === x`), saving 4 bytes; float 64 otherwise.
   */
  float32?: 'never' | 'exact';
  /**
   * `'copy'` (default): `encode` returns a new Uint8Array the caller owns. `'view'`: a view of the
   * encoder's internal buffer, valid only until the next `encode` (no copy; write it out at once).
   */
  output?: 'copy' | 'view';
  /** Starting size of the reused buffer in bytes; it doubles as needed and is kept. Default 2048. */
  initialBufferSize?: number;
  /** Deepest nesting of arrays and maps to write (a cycle hits this). Default 100, as the decoder. */
  maxDepth?: number;
  /** Application extension types, looked up by exact class. */
  extensions?: MsgpackExtensions;
}

const TWO_32 = 0x100000000;
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_RESULT = 8192;
// One slab for all encoders (results never overlap), so an encoder per connection stays small.
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;
const UINT64_MAX = 0xffffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

function hasEnumerableKeys(obj: object): boolean {
  for (const _ in obj) return true;
  return false;
}

/** How many header bytes a str of `len` bytes takes in its smallest form. */
function strHeaderSize(len: number): number {
  return len < 32 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 5;
}

/**
 * Encodes JS values as MessagePack, always in the smallest form the spec allows (so equal values
 * give equal bytes, and our output matches other conforming encoders byte for byte). Writes into one
 * buffer that is reused across calls and grows by doubling.
 *
 * Type mapping: null/undefined → nil; boolean → bool; integer number → the smallest int format
 * (positive as uint, negative as int; beyond 2^53 a number is written as float 64 since it is not
 * exact anyway; -0 stays float 64); other number → float 64 (or 32, see options); bigint → smallest
 * int, uint64/int64 beyond 32 bits; string → str (UTF-8); Uint8Array/ArrayBuffer/other views → bin;
 * Array → array; Map → map with any keys; plain, null-prototype or decoded (MsgpackRecord) object →
 * map with string keys;
 * Date/MsgpackTimestamp → timestamp ext (-1) in its smallest width; MsgpackExt → ext; registered
 * classes → their ext.
 *
 * @example
 * const encoder = new MsgpackEncoder();
 * encoder.encode({ a: 1, b: true }); // Uint8Array [0x82, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0xc3]
 */
export class MsgpackEncoder {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  /** Set while `encode` runs, so that a re-entrant call (from an extension) gets its own encoder. */
  private busy = false;
  /** Object.prototype has enumerable keys (it was polluted): encode own keys only, the slower way. */
  private inheritedKeys = false;
  private nested: MsgpackEncoder | undefined;
  private readonly options: MsgpackEncoderOptions;
  private readonly float32: boolean;
  private readonly copyOut: boolean;
  private readonly maxDepth: number;
  private readonly extensions: MsgpackExtensions | undefined;

  constructor(options: MsgpackEncoderOptions = {}) {
    this.options = options;
    this.buf = new Uint8Array(Math.max(16, options.initialBufferSize ?? 2048));
    this.view = new DataView(this.buf.buffer);
    this.float32 = options.float32 === 'exact';
    this.copyOut = options.output !== 'view';
    this.maxDepth = options.maxDepth ?? 100;
    this.extensions = options.extensions;
  }

  /** Encodes `value` and returns its bytes (a copy, or a view with `output: 'view'`). */
  encode(value: unknown): Uint8Array {
    if (this.busy) {
      this.nested ??= new MsgpackEncoder({ ...this.options, output: 'copy' });
      return this.nested.encode(value);
    }
    this.busy = true;
    try {
      this.inheritedKeys = hasEnumerableKeys(Object.prototype);
      this.pos = 0;
      this.write(value, 0);
      return this.copyOut ? this.copyOfOutput() : this.buf.subarray(0, this.pos);
    } finally {
      this.busy = false;
    }
  }

  /**
   * A copy of the output the caller owns. Small results are carved out of a shared slab, as Node's
   * Buffer pool does: allocating an ArrayBuffer per result cost more than encoding a small object.
   * The slab is never written again once handed out; a result's `.buffer` is the whole slab.
   */
  private copyOfOutput(): Uint8Array {
    const n = this.pos;
    if (n > SLAB_MAX_RESULT) return this.buf.slice(0, n);
    if (slabUsed + n > SLAB_SIZE) {
      slab = new ArrayBuffer(SLAB_SIZE);
      slabUsed = 0;
    }
    const out = new Uint8Array(slab, slabUsed, n);
    out.set(this.buf.subarray(0, n));
    // Keep results 8-byte aligned so a caller can lay a Float64Array or DataView over them.
    slabUsed = (slabUsed + n + 7) & ~7;
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private write(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'number':
        this.writeNumber(value);
        return;
      case 'string':
        this.writeString(value);
        return;
      case 'boolean':
        this.ensure(1);
        this.buf[this.pos++] = value ? 0xc3 : 0xc2;
        return;
      case 'undefined':
        this.ensure(1);
        this.buf[this.pos++] = 0xc0;
        return;
      case 'bigint':
        this.writeBigInt(value);
        return;
      case 'object':
        if (value === null) {
          this.ensure(1);
          this.buf[this.pos++] = 0xc0;
          return;
        }
        this.writeObject(value, depth);
        return;
      default:
        throw new MsgpackEncodeError(MsgpackEncodeCode.unsupported, `cannot encode a ${typeof value}`);
    }
  }

  private writeNumber(v: number): void {
    if (Number.isSafeInteger(v) && !(v === 0 && 1 / v < 0)) {
      this.writeInteger(v);
      return;
    }
    if (this.float32 && Math.fround(v) === v) {
      this.ensure(5);
      this.buf[this.pos] = 0xca;
      this.view.setFloat32(this.pos + 1, v);
      this.pos += 5;
      return;
    }
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.view.setFloat64(this.pos + 1, v);
    this.pos += 9;
  }

  /** A safe integer in its smallest form: uint formats for v >= 0, int formats below. */
  private writeInteger(v: number): void {
    this.ensure(9);
    const b = this.buf;
    let p = this.pos;
    if (v >= 0) {
      if (v < 0x80) {
        b[p++] = v;
      } else if (v < 0x100) {
        b[p++] = 0xcc;
        b[p++] = v;
      } else if (v < 0x10000) {
        b[p++] = 0xcd;
        b[p++] = v >>> 8;
        b[p++] = v;
      } else if (v < TWO_32) {
        b[p++] = 0xce;
        b[p++] = v >>> 24;
        b[p++] = v >>> 16;
        b[p++] = v >>> 8;
        b[p++] = v;
      } else {
        b[p++] = 0xcf;
        p = this.put64(p, Math.floor(v / TWO_32), v >>> 0);
      }
    } else if (v >= -32) {
      b[p++] = v & 0xff;
    } else if (v >= -0x80) {
      b[p++] = 0xd0;
      b[p++] = v;
    } else if (v >= -0x8000) {
      b[p++] = 0xd1;
      b[p++] = v >> 8;
      b[p++] = v;
    } else if (v >= -0x80000000) {
      b[p++] = 0xd2;
      b[p++] = v >> 24;
      b[p++] = v >> 16;
      b[p++] = v >> 8;
      b[p++] = v;
    } else {
      // v = hi * 2^32 + lo with hi negative and lo in [0, 2^32): the two halves of its two's complement.
      const hi = Math.floor(v / TWO_32);
      b[p++] = 0xd3;
      p = this.put64(p, hi, v - hi * TWO_32);
    }
    this.pos = p;
  }

  private put64(p: number, hi: number, lo: number): number {
    const b = this.buf;
    b[p] = hi >>> 24;
    b[p + 1] = hi >>> 16;
    b[p + 2] = hi >>> 8;
    b[p + 3] = hi;
    b[p + 4] = lo >>> 24;
    b[p + 5] = lo >>> 16;
    b[p + 6] = lo >>> 8;
    b[p + 7] = lo;
    return p + 8;
  }

  private writeBigInt(v: bigint): void {
    if (v >= -0x80000000n && v < 0x100000000n) {
      this.writeInteger(Number(v));
      return;
    }
    if (v > UINT64_MAX || v < INT64_MIN) {
      throw new MsgpackEncodeError(MsgpackEncodeCode.range, `bigint ${v} does not fit in 64 bits`);
    }
    this.ensure(9);
    if (v > 0n) {
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, v);
    } else {
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, v);
    }
    this.pos += 9;
  }

  private writeString(s: string): void {
    const units = s.length;
    if (units < 32) {
      // Short ASCII (most keys and many values): a fixstr whose length is the unit count, written
      // in one loop with no header guess to correct. Anything else takes the general path below.
      this.ensure(1 + units * 3);
      const b = this.buf;
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < units; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === units) {
        b[start] = 0xa0 | units;
        this.pos = p;
        return;
      }
    }
    // Guess the header from the UTF-16 length (exact for ASCII: the common case), write the bytes
    // after it, and move them only if the real byte length needs a wider header.
    this.ensure(5 + units * 3);
    const guess = strHeaderSize(units);
    const start = this.pos;
    const len = writeUtf8(s, this.buf, start + guess);
    const size = strHeaderSize(len);
    if (size !== guess) this.buf.copyWithin(start + size, start + guess, start + guess + len);
    this.writeLengthHeader(len, 0xa0, 31, 0xd9, 0xda, 0xdb);
    this.pos = start + size + len;
  }

  /** Writes a header at `pos`: fixed form `fix | len` up to `fixMax`, else the 8/16/32-bit form. */
  private writeLengthHeader(
    len: number,
    fix: number,
    fixMax: number,
    f8: number,
    f16: number,
    f32: number,
  ): void {
    const b = this.buf;
    const p = this.pos;
    if (len <= fixMax) {
      b[p] = fix | len;
      this.pos = p + 1;
    } else if (len < 0x100 && f8 !== 0) {
      b[p] = f8;
      b[p + 1] = len;
      this.pos = p + 2;
    } else if (len < 0x10000) {
      b[p] = f16;
      b[p + 1] = len >>> 8;
      b[p + 2] = len;
      this.pos = p + 3;
    } else if (len < TWO_32) {
      b[p] = f32;
      b[p + 1] = len >>> 24;
      b[p + 2] = len >>> 16;
      b[p + 3] = len >>> 8;
      b[p + 4] = len;
      this.pos = p + 5;
    } else {
      throw new MsgpackEncodeError(MsgpackEncodeCode.range, `length ${len} exceeds 2^32-1`);
    }
  }

  private writeObject(value: object, depth: number): void {
    if (Array.isArray(value)) {
      this.writeArray(value, depth);
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === MsgpackRecord.prototype || proto === null) {
      this.writeRecord(value as Record<string, unknown>, depth);
    } else if (value instanceof Uint8Array) {
      this.writeBin(value);
    } else if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) {
        throw new MsgpackEncodeError(MsgpackEncodeCode.range, 'cannot encode an invalid Date');
      }
      this.writeTimestamp(MsgpackTimestamp.fromDate(value));
    } else if (value instanceof MsgpackTimestamp) {
      this.writeTimestamp(value);
    } else if (value instanceof MsgpackExt) {
      this.writeExt(value.type, value.data);
    } else if (value instanceof Map) {
      this.writeMap(value, depth);
    } else {
      const extension = this.extensions?.forClass(value.constructor);
      if (extension !== undefined) {
        this.writeExt(extension.type, extension.encode(value));
      } else if (ArrayBuffer.isView(value)) {
        this.writeBin(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      } else if (value instanceof ArrayBuffer) {
        this.writeBin(new Uint8Array(value));
      } else {
        throw new MsgpackEncodeError(
          MsgpackEncodeCode.unsupported,
          `cannot encode an instance of ${value.constructor?.name ?? 'an unknown class'} (register an extension)`,
        );
      }
    }
  }

  private checkDepth(depth: number): void {
    if (depth >= this.maxDepth) {
      throw new MsgpackEncodeError(
        MsgpackEncodeCode.depth,
        `nesting deeper than maxDepth=${this.maxDepth} (or a cycle)`,
      );
    }
  }

  private writeArray(a: unknown[], depth: number): void {
    this.checkDepth(depth);
    const n = a.length;
    this.ensure(5);
    this.writeLengthHeader(n, 0x90, 15, 0, 0xdc, 0xdd);
    for (let i = 0; i < n; i++) this.write(a[i], depth + 1);
  }

  private writeRecord(obj: Record<string, unknown>, depth: number): void {
    this.checkDepth(depth);
    if (this.inheritedKeys) {
      this.writeOwnKeys(obj, depth);
      return;
    }
    // for-in walks V8's enum cache and makes `obj[key]` a cached load: 10-14% faster than
    // Object.keys on small objects. It would also list inherited enumerable keys, which plain
    // objects have only if Object.prototype was polluted; `encode` checks that first.
    // One pass: a fixmap header is reserved and the count patched in after; the rare map of more
    // than 15 entries moves its body to make room for the wider header (counting first cost more).
    this.ensure(1);
    const headerAt = this.pos++;
    let n = 0;
    for (const key in obj) {
      this.writeString(key);
      this.write(obj[key], depth + 1);
      n++;
    }
    if (n <= 15) {
      this.buf[headerAt] = 0x80 | n;
      return;
    }
    const extra = n < 0x10000 ? 2 : 4;
    this.ensure(extra);
    const end = this.pos;
    this.buf.copyWithin(headerAt + 1 + extra, headerAt + 1, end);
    this.pos = headerAt;
    this.writeLengthHeader(n, 0x80, 15, 0, 0xde, 0xdf);
    this.pos = end + extra;
  }

  private writeOwnKeys(obj: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(obj);
    const n = keys.length;
    this.ensure(5);
    this.writeLengthHeader(n, 0x80, 15, 0, 0xde, 0xdf);
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      this.writeString(key);
      this.write(obj[key], depth + 1);
    }
  }

  private writeMap(map: Map<unknown, unknown>, depth: number): void {
    this.checkDepth(depth);
    this.ensure(5);
    this.writeLengthHeader(map.size, 0x80, 15, 0, 0xde, 0xdf);
    for (const [k, v] of map) {
      this.write(k, depth + 1);
      this.write(v, depth + 1);
    }
  }

  private writeBin(data: Uint8Array): void {
    const n = data.length;
    this.ensure(5 + n);
    this.writeLengthHeader(n, 0, -1, 0xc4, 0xc5, 0xc6);
    this.buf.set(data, this.pos);
    this.pos += n;
  }

  private writeExt(type: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new MsgpackEncodeError(
        MsgpackEncodeCode.unsupported,
        `extension type ${type} payload is not a Uint8Array`,
      );
    }
    if (!Number.isInteger(type) || type < -128 || type > 127) {
      throw new MsgpackEncodeError(MsgpackEncodeCode.range, `extension type ${type} is not in -128..127`);
    }
    const n = data.length;
    this.ensure(6 + n);
    const b = this.buf;
    const fixed = n === 1 ? 0xd4 : n === 2 ? 0xd5 : n === 4 ? 0xd6 : n === 8 ? 0xd7 : n === 16 ? 0xd8 : 0;
    if (fixed !== 0) b[this.pos++] = fixed;
    else this.writeLengthHeader(n, 0, -1, 0xc7, 0xc8, 0xc9);
    b[this.pos++] = type & 0xff;
    b.set(data, this.pos);
    this.pos += n;
  }

  /** The smallest of timestamp 32 / 64 / 96 that holds the instant (the spec's own rule). */
  private writeTimestamp(ts: MsgpackTimestamp): void {
    const { nsec } = ts;
    if (typeof ts.sec !== 'bigint' && !Number.isSafeInteger(ts.sec)) {
      throw new MsgpackEncodeError(
        MsgpackEncodeCode.range,
        `timestamp seconds ${ts.sec} is not a safe integer`,
      );
    }
    const sec = typeof ts.sec === 'bigint' ? ts.sec : BigInt(ts.sec);
    if (
      !Number.isInteger(nsec) ||
      nsec < 0 ||
      nsec > 999_999_999 ||
      sec < INT64_MIN ||
      sec > -(INT64_MIN + 1n)
    ) {
      throw new MsgpackEncodeError(
        MsgpackEncodeCode.range,
        `timestamp ${ts.sec}s ${ts.nsec}ns is out of range`,
      );
    }
    this.ensure(15);
    const b = this.buf;
    if (sec >= 0n && sec < 0x400000000n) {
      const s = Number(sec);
      if (nsec === 0 && s < TWO_32) {
        b[this.pos] = 0xd6;
        b[this.pos + 1] = 0xff;
        this.view.setUint32(this.pos + 2, s);
        this.pos += 6;
        return;
      }
      b[this.pos++] = 0xd7;
      b[this.pos++] = 0xff;
      // 30 bits of nanoseconds, then 34 bits of seconds.
      this.pos = this.put64(this.pos, nsec * 4 + Math.floor(s / TWO_32), s >>> 0);
      return;
    }
    b[this.pos++] = 0xc7;
    b[this.pos++] = 12;
    b[this.pos++] = TIMESTAMP_EXT_TYPE & 0xff;
    this.view.setUint32(this.pos, nsec);
    this.view.setBigInt64(this.pos + 4, sec);
    this.pos += 12;
  }
}
