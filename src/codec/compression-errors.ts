import { DecodeError, LimitExceeded, WirestackError } from '../buf/errors.js';
import type { CompressionName } from './compression-algorithm.js';

/**
 * Stable codes of compression failures. Match on `error.code`.
 *
 * @example
 * try { decompressMessage('gzip', body, { maxDecompressedBytes: 1 << 20 }) } catch (e) {
 *   if (e instanceof LimitExceeded && e.code === CompressionCode.limit) dropPeer('decompression bomb');
 * }
 */
export const CompressionCode = {
  /** The payload decompresses to more than `maxDecompressedBytes` (a decompression bomb, or a limit too low). */
  limit: 'ECOMPRESSLIMIT',
  /** The payload is not a valid stream of the algorithm its header names. */
  corrupt: 'ECOMPRESSCORRUPT',
  /** The algorithm is not available in this Node (zstd before Node 22.15), or the id is unknown. */
  unavailable: 'ECOMPRESSUNAVAILABLE',
} as const;

/**
 * A compressed payload would inflate beyond `maxDecompressedBytes`. Decompression stopped at the limit;
 * the rest was never produced. `actual` is `max + 1`: the true size is unknown, and only that it is larger.
 *
 * @example
 * if (err instanceof DecompressionLimitExceeded) log(`${err.algorithm} payload over ${err.max} bytes`);
 */
export class DecompressionLimitExceeded extends LimitExceeded {
  readonly algorithm: CompressionName;

  constructor(algorithm: CompressionName, max: number) {
    super(
      CompressionCode.limit,
      'maxDecompressedBytes',
      max,
      max + 1,
      `${algorithm} payload decompressed size`,
    );
    this.algorithm = algorithm;
  }
}

/**
 * A payload that does not decompress (truncated, corrupt, or not of the named algorithm).
 *
 * @example
 * if (err instanceof CorruptCompressedPayload) log(err.algorithm, err.cause);
 */
export class CorruptCompressedPayload extends DecodeError {
  readonly algorithm: CompressionName;

  constructor(algorithm: CompressionName, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(CompressionCode.corrupt, `${algorithm} payload does not decompress: ${why}`, -1, { cause });
    this.algorithm = algorithm;
  }
}

/**
 * The named algorithm cannot be used here: zstd on a Node without it, or a header id no version defines.
 *
 * @example
 * new CompressionPolicy({ algorithm: 'zstd' }); // throws CompressionUnavailable on Node 20
 */
export class CompressionUnavailable extends WirestackError {
  constructor(what: string) {
    super(CompressionCode.unavailable, what);
  }
}
