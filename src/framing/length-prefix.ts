/**
 * Which length header precedes each frame: an unsigned big-endian integer of 2, 4 or 8 bytes, or an
 * unsigned LEB128 varint (7 bits per byte, low groups first, high bit set on all but the last byte).
 * The length counts the payload only, never the header.
 */
export type LengthPrefix = 2 | 4 | 8 | 'varint';

export interface LengthPrefixOptions {
  /** Header format. Default 4: big-endian u32, the common choice (fixed size, 4 GiB range, no parsing loop). */
  prefix?: LengthPrefix;
  /** Largest payload accepted or produced, in bytes. Default 16 MiB (capped by what the prefix can express). */
  maxFrameSize?: number;
}

export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;
/** A 64-bit length needs at most 10 LEB128 bytes; anything longer is garbage, not a big number. */
export const MAX_VARINT_BYTES = 10;

/** The largest length a prefix can carry (8-byte and varint lengths are bounded by exact JS integers). */
export function prefixCapacity(prefix: LengthPrefix): number {
  if (prefix === 2) return 0xffff;
  if (prefix === 4) return 0xffffffff;
  return Number.MAX_SAFE_INTEGER;
}

export function resolveLengthPrefixOptions(options: LengthPrefixOptions): {
  prefix: LengthPrefix;
  maxFrameSize: number;
} {
  const prefix = options.prefix ?? 4;
  if (prefix !== 2 && prefix !== 4 && prefix !== 8 && prefix !== 'varint') {
    throw new RangeError(`prefix must be 2, 4, 8 or 'varint', got ${String(prefix)}`);
  }
  const capacity = prefixCapacity(prefix);
  const maxFrameSize = options.maxFrameSize ?? Math.min(DEFAULT_MAX_FRAME_SIZE, capacity);
  if (!Number.isSafeInteger(maxFrameSize) || maxFrameSize < 0 || maxFrameSize > capacity) {
    throw new RangeError(`maxFrameSize must be an integer in [0, ${capacity}] for prefix ${prefix}`);
  }
  return { prefix, maxFrameSize };
}
