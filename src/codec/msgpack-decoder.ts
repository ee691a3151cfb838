import { DecodeError } from '../buf/errors.js';
import { type MsgpackDecoderOptions, type MsgpackLimits, resolveLimits } from './msgpack-decoder-options.js';
import { MsgpackDecodeCode, overLimit, truncated } from './msgpack-errors.js';
import { MsgpackExt } from './msgpack-ext.js';
import type { MsgpackExtensions } from './msgpack-extensions.js';
import { MsgpackKeyCache } from './msgpack-key-cache.js';
import { MsgpackRecord } from './msgpack-record.js';
import { type MsgpackShape, MsgpackShapeCache } from './msgpack-shape-cache.js';
import { readTimestamp, TIMESTAMP_EXT_TYPE } from './msgpack-timestamp.js';
import { readUtf8 } from './utf8.js';

const EMPTY = new Uint8Array(0);
/**
 * One cache for all decoders: keys are immutable strings, and a cache per decoder (so per
 * connection) would cost ~100 KB each.
 */
const keyCache = new MsgpackKeyCache();
/** Shared for the same reason; a decoder can be given its own (`shapeCache`). */
const defaultShapeCache = new MsgpackShapeCache();
const TWO_32 = 0x100000000;

/**
 * Decodes one MessagePack value from bytes. Reads straight from the input view and keeps no state
 * between calls (short map keys and records' key sequences go through module-wide caches), so one
 * instance can decode any number of inputs, and an extension decoder may call it again for a nested
 * payload.
 * Every malformed input ends in a {@link DecodeError} (limits: `LimitExceeded`) that names the offset.
 *
 * @example
 * const decoder = new MsgpackDecoder({ maxDepth: 32 });
 * decoder.decode(new Uint8Array([0x82, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0xc3])); // { a: 1, b: true }
 */
export class MsgpackDecoder {
  private bytes: Uint8Array = EMPTY;
  private pos = 0;
  private end = 0;
  /** Added to positions in error offsets (the stream decoder decodes slices of a longer stream). */
  private base = 0;
  private readonly limits: MsgpackLimits;
  private readonly int64AsBigInt: boolean;
  private readonly mapAsMap: boolean;
  private readonly timestampAsDate: boolean;
  private readonly copyBinary: boolean;
  private readonly extensions: MsgpackExtensions | undefined;
  private readonly shapes: MsgpackShapeCache;
  /** Set by `readKey`: the key cache's slot for the key it returned, or -1. */
  private keySlot = -1;

  constructor(options: MsgpackDecoderOptions = {}) {
    this.limits = resolveLimits(options);
    this.int64AsBigInt = options.int64AsBigInt === true;
    this.mapAsMap = options.mapType === 'map';
    this.timestampAsDate = options.timestamp !== 'object';
    this.copyBinary = options.binary !== 'view';
    this.extensions = options.extensions;
    this.shapes = options.shapeCache === false ? DISABLED_SHAPES : (options.shapeCache ?? defaultShapeCache);
  }

  /** Decodes exactly one value that must fill `input`; trailing bytes are an error. */
  decode(input: Uint8Array): unknown {
    return this.decodeRange(input, 0, input.length, 0);
  }

  /**
   * Decodes the one value that fills `input[start, end)`. `base` is the absolute stream offset of
   * `input[start]`, so that error offsets count from the start of a stream. Used by the stream decoder.
   */
  decodeRange(input: Uint8Array, start: number, end: number, base: number): unknown {
    this.bytes = input;
    this.pos = start;
    this.end = end;
    this.base = base - start;
    try {
      const value = this.read(0);
      if (this.pos !== end) {
        throw new DecodeError(
          MsgpackDecodeCode.trailing,
          `${end - this.pos} bytes after the value`,
          this.pos + this.base,
        );
      }
      return value;
    } finally {
      this.bytes = EMPTY;
    }
  }

  private read(depth: number): unknown {
    const pos = this.pos;
    if (pos >= this.end) truncated('a value', 1, 0, pos + this.base);
    const b = this.bytes[pos];
    this.pos = pos + 1;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b < 0x90) return this.readMap(b & 0x0f, depth, pos);
    if (b < 0xa0) return this.readArray(b & 0x0f, depth, pos);
    if (b < 0xc0) return this.readStr(b & 0x1f, pos);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.readBin(this.readUint(1, pos), pos);
      case 0xc5:
        return this.readBin(this.readUint(2, pos), pos);
      case 0xc6:
        return this.readBin(this.readUint(4, pos), pos);
      case 0xc7:
        return this.readExt(this.readUint(1, pos), pos);
      case 0xc8:
        return this.readExt(this.readUint(2, pos), pos);
      case 0xc9:
        return this.readExt(this.readUint(4, pos), pos);
      case 0xca:
        this.need(4, pos);
        this.pos += 4;
        return readFloat32(this.bytes, pos + 1);
      case 0xcb:
        this.need(8, pos);
        this.pos += 8;
        return readFloat64(this.bytes, pos + 1);
      case 0xcc:
        return this.readUint(1, pos);
      case 0xcd:
        return this.readUint(2, pos);
      case 0xce:
        return this.readUint(4, pos);
      case 0xcf:
        return this.readInt64(false, pos);
      case 0xd0: {
        const v = this.readUint(1, pos);
        return v < 0x80 ? v : v - 0x100;
      }
      case 0xd1: {
        const v = this.readUint(2, pos);
        return v < 0x8000 ? v : v - 0x10000;
      }
      case 0xd2:
        return this.readUint(4, pos) | 0;
      case 0xd3:
        return this.readInt64(true, pos);
      case 0xd4:
        return this.readExt(1, pos);
      case 0xd5:
        return this.readExt(2, pos);
      case 0xd6:
        return this.readExt(4, pos);
      case 0xd7:
        return this.readExt(8, pos);
      case 0xd8:
        return this.readExt(16, pos);
      case 0xd9:
        return this.readStr(this.readUint(1, pos), pos);
      case 0xda:
        return this.readStr(this.readUint(2, pos), pos);
      case 0xdb:
        return this.readStr(this.readUint(4, pos), pos);
      case 0xdc:
        return this.readArray(this.readUint(2, pos), depth, pos);
      case 0xdd:
        return this.readArray(this.readUint(4, pos), depth, pos);
      case 0xde:
        return this.readMap(this.readUint(2, pos), depth, pos);
      case 0xdf:
        return this.readMap(this.readUint(4, pos), depth, pos);
      default:
        // 0xc1 is the only byte left: the spec reserves it and no encoder may emit it.
        throw new DecodeError(MsgpackDecodeCode.reserved, 'reserved byte 0xc1', pos + this.base);
    }
  }

  /** Fails unless `n` more bytes follow the current position (`at` is the value's first byte). */
  private need(n: number, at: number): void {
    const remain = this.end - this.pos;
    if (n > remain) truncated(describe(this.bytes[at]), n, remain, at + this.base);
  }

  /** Reads a big-endian unsigned integer of 1, 2 or 4 bytes. */
  private readUint(n: 1 | 2 | 4, at: number): number {
    this.need(n, at);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + n;
    if (n === 1) return b[p];
    if (n === 2) return (b[p] << 8) | b[p + 1];
    return b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  private readInt64(signed: boolean, at: number): number | bigint {
    this.need(8, at);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 8;
    const hi = b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
    const lo = b[p + 4] * 0x1000000 + ((b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]);
    const high = signed && hi >= 0x80000000 ? hi - TWO_32 : hi;
    if (!this.int64AsBigInt) {
      // Exact while |value| < 2^53; any larger value rounds to a magnitude >= 2^53 and is not "safe".
      const n = high * TWO_32 + lo;
      if (Number.isSafeInteger(n)) return n;
    }
    return (BigInt(high) << 32n) | BigInt(lo);
  }

  private readStr(len: number, at: number): string {
    if (len > this.limits.maxStrLength) {
      overLimit('maxStrLength', this.limits.maxStrLength, len, 'str length', at + this.base);
    }
    this.need(len, at);
    const start = this.pos;
    this.pos = start + len;
    const s = readUtf8(this.bytes, start, start + len);
    if (s === undefined) {
      throw new DecodeError(MsgpackDecodeCode.utf8, 'str is not valid UTF-8', at + this.base);
    }
    return s;
  }

  private readBin(len: number, at: number): Uint8Array {
    if (len > this.limits.maxBinLength) {
      overLimit('maxBinLength', this.limits.maxBinLength, len, 'bin length', at + this.base);
    }
    this.need(len, at);
    const start = this.pos;
    this.pos = start + len;
    return this.copyBinary ? this.bytes.slice(start, start + len) : this.bytes.subarray(start, start + len);
  }

  private readExt(len: number, at: number): unknown {
    if (len > this.limits.maxExtLength) {
      overLimit('maxExtLength', this.limits.maxExtLength, len, 'ext length', at + this.base);
    }
    this.need(len + 1, at);
    const type = (this.bytes[this.pos] << 24) >> 24;
    const start = this.pos + 1;
    this.pos = start + len;
    if (type === TIMESTAMP_EXT_TYPE) {
      const ts = readTimestamp(this.bytes, start, len, at + this.base);
      if (!this.timestampAsDate) return ts;
      const date = ts.toDate();
      if (date === undefined) {
        throw new DecodeError(
          MsgpackDecodeCode.timestamp,
          `timestamp ${ts.sec}s is outside Date's range (decode with timestamp: 'object')`,
          at + this.base,
        );
      }
      return date;
    }
    const data = this.bytes.slice(start, start + len);
    const extension = this.extensions?.forType(type);
    if (extension === undefined) return new MsgpackExt(type, data);
    // An extension's decoder may decode a nested payload with this same decoder: keep our place.
    const { bytes, pos, end, base } = this;
    try {
      return extension.decode(data);
    } catch (cause) {
      throw new DecodeError(
        MsgpackDecodeCode.extension,
        `extension type ${type} decoder failed: ${(cause as Error)?.message}`,
        at + base,
        { cause },
      );
    } finally {
      this.bytes = bytes;
      this.pos = pos;
      this.end = end;
      this.base = base;
    }
  }

  /** Checks depth, the length limit and that `count * minBytes` bytes can still follow. */
  private enter(count: number, depth: number, at: number, isMap: boolean): void {
    const { maxDepth, maxArrayLength, maxMapLength } = this.limits;
    if (depth >= maxDepth) overLimit('maxDepth', maxDepth, depth + 1, 'nesting depth', at + this.base);
    const max = isMap ? maxMapLength : maxArrayLength;
    if (count > max) {
      overLimit(
        isMap ? 'maxMapLength' : 'maxArrayLength',
        max,
        count,
        isMap ? 'map size' : 'array length',
        at + this.base,
      );
    }
    // Every element takes at least one byte: a count the input cannot hold fails before allocating.
    const need = isMap ? count * 2 : count;
    const remain = this.end - this.pos;
    if (need > remain) truncated(`${describe(this.bytes[at])} of ${count}`, need, remain, at + this.base);
  }

  private readArray(count: number, depth: number, at: number): unknown[] {
    this.enter(count, depth, at, false);
    const out = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.read(depth + 1);
    return out;
  }

  private readMap(count: number, depth: number, at: number): unknown {
    this.enter(count, depth, at, true);
    if (this.mapAsMap) return this.fillMap(new Map(), 0, count, depth);
    const shapes = this.shapes;
    if (count === 0 || count > shapes.maxShapeKeys || !shapes.enabled) {
      return this.fillRecord(new MsgpackRecord(), undefined, 0, count, depth);
    }
    const first = this.readKey(depth);
    if (typeof first !== 'string') return this.toMap(new MsgpackRecord(), first, 1, count, depth);
    const slot = this.keySlot;
    const found = slot < 0 ? undefined : shapes.lookup(slot, first, count);
    if (found === undefined) {
      const keys = [first];
      const obj = new MsgpackRecord();
      obj[first] = this.read(depth + 1);
      const out = this.fillRecord(obj, keys, 1, count, depth);
      if (slot >= 0 && keys.length === count) shapes.learn(slot, keys);
      return out;
    }
    // A shape predicts the keys: collect the values and build the record in one go.
    let shape: MsgpackShape = found;
    let keys = shape.keys;
    // A key that is byte for byte the predicted one needs no lookup and no UTF-8 check (the shape's
    // keys were valid when learned), unless this decoder's maxStrLength is below a key's length.
    const maxStr = this.limits.maxStrLength;
    const bytes = this.bytes;
    const values = new Array(count);
    values[0] = this.read(depth + 1);
    for (let i = 1; i < count; i++) {
      if (shape.longestKey <= maxStr) {
        const wire = shape.wire;
        const from = shape.wireEnds[i - 1];
        const n = shape.wireEnds[i] - from;
        const p = this.pos;
        if (p + n <= this.end) {
          let j = 0;
          while (j < n && bytes[p + j] === wire[from + j]) j++;
          if (j === n) {
            this.pos = p + n;
            values[i] = this.read(depth + 1);
            continue;
          }
        }
      }
      const key = this.readKey(depth);
      if (key !== keys[i]) {
        const other = typeof key === 'string' ? shapes.divert(slot, shape, i, key) : undefined;
        if (other === undefined) return this.unpredicted(keys, values, key, slot, i, count, depth);
        shape = other;
        keys = other.keys;
      }
      values[i] = this.read(depth + 1);
    }
    shapes.hit(shape);
    return shape.make(values);
  }

  /**
   * Finishes a map whose key `i` (`key`, just read) no shape predicted: the pairs so far go into a
   * record key by key, and the whole key sequence is learned as a new shape.
   */
  private unpredicted(
    predicted: readonly string[],
    values: unknown[],
    key: unknown,
    slot: number,
    i: number,
    count: number,
    depth: number,
  ): unknown {
    const obj = new MsgpackRecord();
    for (let j = 0; j < i; j++) obj[predicted[j]] = values[j];
    if (typeof key !== 'string') return this.toMap(obj, key, i + 1, count, depth);
    const keys = predicted.slice(0, i);
    keys.push(key);
    obj[key] = this.read(depth + 1);
    const out = this.fillRecord(obj, keys, i + 1, count, depth);
    if (keys.length === count) this.shapes.learn(slot, keys);
    return out;
  }

  /** Reads pairs `from` up to `count` into `obj`, noting the keys in `keys` if given. */
  private fillRecord(
    obj: Record<string, unknown>,
    keys: string[] | undefined,
    from: number,
    count: number,
    depth: number,
  ): unknown {
    for (let i = from; i < count; i++) {
      const key = this.readKey(depth);
      if (typeof key !== 'string') return this.toMap(obj, key, i + 1, count, depth);
      keys?.push(key);
      obj[key] = this.read(depth + 1);
    }
    return obj;
  }

  /**
   * A non-string key (just read; its pair is number `next - 1`): this map cannot be an object, so
   * what was read so far is carried into a Map.
   */
  private toMap(
    obj: Record<string, unknown>,
    key: unknown,
    next: number,
    count: number,
    depth: number,
  ): Map<unknown, unknown> {
    const map = new Map<unknown, unknown>();
    for (const k of Object.keys(obj)) map.set(k, obj[k]);
    map.set(key, this.read(depth + 1));
    return this.fillMap(map, next, count, depth);
  }

  private fillMap(
    map: Map<unknown, unknown>,
    from: number,
    count: number,
    depth: number,
  ): Map<unknown, unknown> {
    for (let i = from; i < count; i++) {
      const key = this.read(depth + 1);
      map.set(key, this.read(depth + 1));
    }
    return map;
  }

  /** A map key: short strings come from the key cache, anything else is an ordinary value. */
  private readKey(depth: number): unknown {
    const at = this.pos;
    this.keySlot = -1;
    if (at >= this.end) return this.read(depth + 1);
    const b = this.bytes[at];
    let len: number;
    let start: number;
    if (b >= 0xa0 && b <= 0xbf) {
      len = b & 0x1f;
      start = at + 1;
    } else if (b === 0xd9 && at + 1 < this.end) {
      len = this.bytes[at + 1];
      start = at + 2;
    } else {
      return this.read(depth + 1);
    }
    if (len > this.limits.maxStrLength || start + len > this.end) return this.read(depth + 1);
    const s = keyCache.get(this.bytes, start, len);
    if (s === undefined)
      throw new DecodeError(MsgpackDecodeCode.utf8, 'str is not valid UTF-8', at + this.base);
    this.pos = start + len;
    this.keySlot = keyCache.slot;
    return s;
  }
}

const DISABLED_SHAPES = new MsgpackShapeCache({ maxShapes: 0 });

// Floats are read through a scratch buffer: creating a DataView per decode costs more than the copy.
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readFloat64(b: Uint8Array, p: number): number {
  if (littleEndian) {
    f64Bytes[0] = b[p + 7];
    f64Bytes[1] = b[p + 6];
    f64Bytes[2] = b[p + 5];
    f64Bytes[3] = b[p + 4];
    f64Bytes[4] = b[p + 3];
    f64Bytes[5] = b[p + 2];
    f64Bytes[6] = b[p + 1];
    f64Bytes[7] = b[p];
  } else {
    for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i];
  }
  return f64[0];
}

function readFloat32(b: Uint8Array, p: number): number {
  if (littleEndian) for (let i = 0; i < 4; i++) f32Bytes[i] = b[p + 3 - i];
  else for (let i = 0; i < 4; i++) f32Bytes[i] = b[p + i];
  return f32[0];
}

/** The spec's name for the format a first byte introduces, for error messages. */
export function describe(b: number): string {
  if (b < 0x80) return 'positive fixint';
  if (b < 0x90) return 'fixmap';
  if (b < 0xa0) return 'fixarray';
  if (b < 0xc0) return 'fixstr';
  if (b >= 0xe0) return 'negative fixint';
  return FORMAT_NAMES[b - 0xc0];
}

const FORMAT_NAMES = [
  'nil',
  '(never used)',
  'false',
  'true',
  'bin 8',
  'bin 16',
  'bin 32',
  'ext 8',
  'ext 16',
  'ext 32',
  'float 32',
  'float 64',
  'uint 8',
  'uint 16',
  'uint 32',
  'uint 64',
  'int 8',
  'int 16',
  'int 32',
  'int 64',
  'fixext 1',
  'fixext 2',
  'fixext 4',
  'fixext 8',
  'fixext 16',
  'str 8',
  'str 16',
  'str 32',
  'array 16',
  'array 32',
  'map 16',
  'map 32',
];
