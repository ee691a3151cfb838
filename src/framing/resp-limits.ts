/** Limits a RESP parser enforces on what a peer sends. Defaults follow redis-server's. */
export interface RespLimits {
  /** Largest bulk string, in bytes. Redis `proto-max-bulk-len`: 512 MiB. */
  maxBulkLength?: number;
  /** Most elements in one array (entries in one map). Redis's multibulk limit: 1024 * 1024. */
  maxMultibulkLength?: number;
  /** Longest line: an inline command, a header, a simple string. Redis PROTO_INLINE_MAX_SIZE: 64 KiB. */
  maxInlineLength?: number;
  /** Deepest nesting of aggregates (arrays in arrays). Default 128; redis-server parses no nesting at all. */
  maxDepth?: number;
}

export const DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024;
export const DEFAULT_MAX_MULTIBULK_LENGTH = 1024 * 1024;
export const DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;
export const DEFAULT_MAX_DEPTH = 128;
/** Arrays are preallocated to at most this many slots, so a large announced count costs nothing up front. */
export const MAX_PREALLOCATED_ELEMENTS = 1024;

export function resolveRespLimits(options: RespLimits): Required<RespLimits> {
  const limits = {
    maxBulkLength: options.maxBulkLength ?? DEFAULT_MAX_BULK_LENGTH,
    maxMultibulkLength: options.maxMultibulkLength ?? DEFAULT_MAX_MULTIBULK_LENGTH,
    maxInlineLength: options.maxInlineLength ?? DEFAULT_MAX_INLINE_LENGTH,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative integer`);
  }
  return limits;
}
