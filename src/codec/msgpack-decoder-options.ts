import type { MsgpackExtensions } from './msgpack-extensions.js';
import type { MsgpackShapeCache } from './msgpack-shape-cache.js';

/**
 * Decoder options. Every limit has a default that is safe for input from an untrusted peer; raise a
 * limit for a trusted source. Independently of the limits, a declared length or element count larger
 * than the bytes that remain fails before anything is allocated.
 *
 * @example
 * // A trusted internal peer sending large batches of 64-bit ids:
 * new MsgpackDecoder({ maxArrayLength: 10_000_000, int64AsBigInt: true, mapType: 'map' });
 */
export interface MsgpackDecoderOptions {
  /** Longest str payload in bytes. Default 16 MiB. */
  maxStrLength?: number;
  /** Longest bin payload in bytes. Default 64 MiB. */
  maxBinLength?: number;
  /** Most elements in one array. Default 1 000 000. */
  maxArrayLength?: number;
  /** Most key/value pairs in one map. Default 100 000. */
  maxMapLength?: number;
  /** Longest ext payload in bytes. Default 16 MiB. */
  maxExtLength?: number;
  /** Deepest nesting of arrays and maps (a top-level scalar is depth 0, `[]` is 1). Default 100. */
  maxDepth?: number;
  /** Decode every int64/uint64 (0xd3/0xcf) as bigint; by default only those beyond 2^53 are. */
  int64AsBigInt?: boolean;
  /**
   * `'object'` (default): string-keyed maps become null-prototype objects (so `__proto__` and
   * `constructor` are plain keys), maps with any other key become `Map`. `'map'`: always `Map`.
   */
  mapType?: 'object' | 'map';
  /** Timestamps (ext -1) as `Date` (default; milliseconds) or as `MsgpackTimestamp` (nanoseconds). */
  timestamp?: 'date' | 'object';
  /**
   * `'copy'` (default): bin values are fresh Uint8Arrays. `'view'`: subarrays of the input (no copy;
   * valid while the caller keeps the input unchanged). The stream decoder always copies.
   */
  binary?: 'copy' | 'view';
  /** Application extension types. Unknown types decode to `MsgpackExt`. */
  extensions?: MsgpackExtensions;
  /**
   * Where records' key sequences are remembered (see `MsgpackShapeCache`). Default: one cache shared
   * by all decoders, with the default bounds; `false`: every record is built key by key.
   */
  shapeCache?: MsgpackShapeCache | false;
}

/**
 * The limits' defaults, exported so docs and tests name the same numbers.
 *
 * @example
 * new MsgpackDecoder({ maxStrLength: 4 * MSGPACK_DECODE_DEFAULTS.maxStrLength });
 */
export const MSGPACK_DECODE_DEFAULTS = {
  maxStrLength: 16 * 1024 * 1024,
  maxBinLength: 64 * 1024 * 1024,
  maxArrayLength: 1_000_000,
  maxMapLength: 100_000,
  maxExtLength: 16 * 1024 * 1024,
  maxDepth: 100,
} as const;

/**
 * The deepest nesting the recursive decoder accepts whatever the options say: deeper input would risk
 * the JS stack, so `maxDepth` above this is rejected at construction.
 */
export const MSGPACK_MAX_DEPTH_CEILING = 2000;

export interface MsgpackLimits {
  maxStrLength: number;
  maxBinLength: number;
  maxArrayLength: number;
  maxMapLength: number;
  maxExtLength: number;
  maxDepth: number;
}

/** The effective limits: defaults filled in, values checked. */
export function resolveLimits(options: MsgpackDecoderOptions): MsgpackLimits {
  const limits = { ...MSGPACK_DECODE_DEFAULTS } as MsgpackLimits;
  for (const key of Object.keys(MSGPACK_DECODE_DEFAULTS) as (keyof MsgpackLimits)[]) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${key} must be a non-negative integer, got ${v}`);
    limits[key] = v;
  }
  if (limits.maxDepth > MSGPACK_MAX_DEPTH_CEILING) {
    throw new RangeError(`maxDepth ${limits.maxDepth} is above the supported ${MSGPACK_MAX_DEPTH_CEILING}`);
  }
  return limits;
}
