import { MsgpackRecord } from './msgpack-record.js';
import { writeUtf8 } from './utf8.js';

/** Builds one record from the values of a shape's keys, in key order. */
type Make = (values: unknown[]) => Record<string, unknown>;

/** One remembered key sequence. */
export interface MsgpackShape {
  readonly keys: readonly string[];
  /**
   * The keys as MessagePack str values (shortest header), back to back: key `i` is
   * `wire[wireEnds[i - 1], wireEnds[i])`. Lets the decoder match a predicted key by comparing bytes.
   */
  readonly wire: Uint8Array;
  readonly wireEnds: Int32Array;
  /** The longest key's UTF-8 length, checked against the decoder's `maxStrLength`. */
  readonly longestKey: number;
  /** Until the shape has been seen `compileAfter` times: a key-by-key build. */
  make: Make;
  /** Whether `make` is a generated constructor. */
  compiled: boolean;
  hits: number;
  /** The next shape in the same slot (same first key and length, or a hash collision). */
  next: MsgpackShape | undefined;
}

/**
 * Shapes kept per slot. Tagged unions (`{type: 'a', x}` / `{type: 'b', y}`) share their first key and
 * often their length, so a slot keeps a few shapes rather than letting them evict each other.
 */
const PER_SLOT = 4;

/**
 * The bounds of a {@link MsgpackShapeCache}. Every map in every message may add a shape, so the table
 * is fixed-size: a new shape replaces the oldest one in its slot.
 */
export interface MsgpackShapeCacheOptions {
  /** Most shapes remembered; 0 turns the cache off. Default 512. */
  maxShapes?: number;
  /** Maps with more pairs than this are built key by key and never cached. Default 32. */
  maxShapeKeys?: number;
  /**
   * How many times a shape must be matched before a constructor is generated for it (0 and 1: at the
   * first match), so that input which keeps changing shape costs no compilation. Default 8.
   */
  compileAfter?: number;
}

/** The defaults of {@link MsgpackShapeCacheOptions}, exported so docs and tests name the same numbers. */
export const MSGPACK_SHAPE_CACHE_DEFAULTS = {
  maxShapes: 512,
  maxShapeKeys: 32,
  compileAfter: 8,
} as const;

/** False once `new Function` has thrown (CSP, `--disallow-code-generation-from-strings`). */
let codegen = true;

/**
 * Remembers the key sequences of decoded maps and, for each one seen often enough, a generated
 * constructor that creates the record with all its properties at once.
 *
 * Why: setting decoded keys one by one (`obj[key] = value`) is a keyed store that walks V8's hidden
 * class transitions every time; it was the largest cost of decoding small documents. A constructor per
 * shape has constant property names, so V8 gives each shape one stable hidden class with in-object
 * properties and the stores are plain field writes. A predicted key is also cheaper to read: its bytes
 * are compared with the shape's instead of being hashed and looked up in the key cache.
 *
 * Without generated constructors the prediction does not pay (collecting the values first and then
 * storing them key by key measured 9% slower than storing them as they come), so where code generation
 * is disallowed the decoder does not use the cache at all.
 *
 * Safety: key text never becomes source code: each name is written as `JSON.stringify(key)`, a string
 * literal, inside a fixed `this[...] = v[n]` template. The constructor's prototype is
 * `MsgpackRecord.prototype` (frozen, null prototype), so `__proto__`, `constructor` and the like are
 * plain own data properties exactly as when built key by key. If code generation is disallowed, the
 * first attempt turns shape caching off for the process and every record is built key by key.
 *
 * @example
 * // A decoder for a peer that sends many differently shaped messages:
 * new MsgpackDecoder({ shapeCache: new MsgpackShapeCache({ maxShapes: 4096 }) });
 */
export class MsgpackShapeCache {
  /** Larger maps skip the cache; -1 when the cache is off. */
  readonly maxShapeKeys: number;
  private readonly compileAfter: number;
  private readonly bits: number;
  private readonly perSlot: number;
  private readonly slots: (MsgpackShape | undefined)[];

  constructor(options: MsgpackShapeCacheOptions = {}) {
    const o = { ...MSGPACK_SHAPE_CACHE_DEFAULTS, ...options };
    for (const k of ['maxShapes', 'maxShapeKeys', 'compileAfter'] as const) {
      const v = o[k];
      if (!Number.isInteger(v) || v < 0)
        throw new RangeError(`${k} must be a non-negative integer, got ${v}`);
    }
    if (o.maxShapes > 1 << 24) throw new RangeError(`maxShapes ${o.maxShapes} is above 2^24`);
    this.perSlot = Math.min(PER_SLOT, o.maxShapes);
    // The largest power of two of slots that keeps slots * perSlot within maxShapes.
    let bits = 0;
    while (2 << bits <= o.maxShapes / PER_SLOT) bits++;
    this.bits = bits;
    this.slots = new Array(o.maxShapes === 0 ? 0 : 1 << bits).fill(undefined);
    this.maxShapeKeys = o.maxShapes === 0 ? -1 : o.maxShapeKeys;
    this.compileAfter = Math.max(1, o.compileAfter);
  }

  /** How many shapes are remembered and how many of them have a generated constructor. */
  stats(): { shapes: number; compiled: number } {
    let shapes = 0;
    let compiled = 0;
    for (let s of this.slots) {
      for (; s !== undefined; s = s.next) {
        shapes++;
        if (s.compiled) compiled++;
      }
    }
    return { shapes, compiled };
  }

  /** False once code generation turned out to be disallowed: records are then built key by key. */
  static get codeGeneration(): boolean {
    return codegen;
  }

  /** Whether decoders should use this cache at all. */
  get enabled(): boolean {
    return codegen && this.maxShapeKeys >= 0;
  }

  /** A shape of `count` keys that starts with `first`, whose key-cache slot is `keySlot`. */
  lookup(keySlot: number, first: string, count: number): MsgpackShape | undefined {
    let shape = this.slots[this.slotOf(keySlot, count)];
    while (shape !== undefined && (shape.keys.length !== count || shape.keys[0] !== first))
      shape = shape.next;
    return shape;
  }

  /**
   * Another shape in the same slot as `shape` that has the same first `i` keys and `key` as key `i`:
   * where a map that `shape` predicted continues when its key `i` was not the predicted one.
   */
  divert(keySlot: number, shape: MsgpackShape, i: number, key: string): MsgpackShape | undefined {
    const keys = shape.keys;
    for (let s = this.slots[this.slotOf(keySlot, keys.length)]; s !== undefined; s = s.next) {
      if (s === shape || s.keys.length !== keys.length || s.keys[i] !== key) continue;
      let j = 0;
      while (j < i && s.keys[j] === keys[j]) j++;
      if (j === i) return s;
    }
    return undefined;
  }

  /**
   * Remembers `keys` (the caller's array, kept as is) as a shape; it goes first in its slot and the
   * slot's oldest shape beyond the bound is forgotten.
   */
  learn(keySlot: number, keys: string[]): void {
    const slot = this.slotOf(keySlot, keys.length);
    const strs = keys.map(strBytes);
    const wire = new Uint8Array(strs.reduce((n, b) => n + b.length, 0));
    const wireEnds = new Int32Array(keys.length);
    let at = 0;
    let longestKey = 0;
    for (let i = 0; i < keys.length; i++) {
      wire.set(strs[i], at);
      at += strs[i].length;
      wireEnds[i] = at;
      const h = strs[i][0];
      const header = h >= 0xa0 && h <= 0xbf ? 1 : h === 0xd9 ? 2 : h === 0xda ? 3 : 5;
      longestKey = Math.max(longestKey, strs[i].length - header);
    }
    const shape: MsgpackShape = {
      keys,
      wire,
      wireEnds,
      longestKey,
      make: (v) => recordOf(keys, v),
      compiled: false,
      hits: 0,
      next: this.slots[slot],
    };
    this.slots[slot] = shape;
    let last = shape;
    for (let n = 1; n < this.perSlot && last.next !== undefined; n++) last = last.next;
    last.next = undefined;
  }

  /** Counts a full match of `shape`, compiling its constructor when it has been matched often enough. */
  hit(shape: MsgpackShape): void {
    if (shape.hits < this.compileAfter && ++shape.hits === this.compileAfter) {
      const make = compile(shape.keys);
      if (make !== undefined) {
        shape.make = make;
        shape.compiled = true;
      }
    }
  }

  private slotOf(keySlot: number, count: number): number {
    if (this.bits === 0) return 0;
    return Math.imul(keySlot ^ (count << 16), 0x9e3779b1) >>> (32 - this.bits);
  }
}

/** A record built key by key: what every record is when no constructor is available. */
export function recordOf(keys: readonly string[], values: unknown[]): Record<string, unknown> {
  const obj = new MsgpackRecord();
  for (let i = 0; i < keys.length; i++) obj[keys[i]] = values[i];
  return obj;
}

function compile(keys: readonly string[]): Make | undefined {
  if (!codegen) return undefined;
  let body = '';
  for (let i = 0; i < keys.length; i++) body += `this[${JSON.stringify(keys[i])}] = v[${i}];\n`;
  try {
    const factory = new Function(
      'P',
      `'use strict';\nfunction R(v) {\n${body}}\nR.prototype = P;\nreturn (v) => new R(v);`,
    );
    return factory(MsgpackRecord.prototype) as Make;
  } catch (e) {
    // EvalError is how CSP and --disallow-code-generation-from-strings refuse; anything else would be
    // a bug here, and only costs this shape its constructor.
    if (e instanceof EvalError) codegen = false;
    return undefined;
  }
}

/** `s` as a MessagePack str with the shortest header. */
function strBytes(s: string): Uint8Array {
  const body = new Uint8Array(3 * s.length);
  const n = writeUtf8(s, body, 0);
  const header =
    n < 32
      ? [0xa0 | n]
      : n < 0x100
        ? [0xd9, n]
        : n < 0x10000
          ? [0xda, n >> 8, n & 0xff]
          : [0xdb, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(header.length + n);
  out.set(header);
  out.set(body.subarray(0, n), header.length);
  return out;
}
