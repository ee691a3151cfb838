import * as zlib from 'node:zlib';
import { COMPRESSION_LEVELS, type CompressionName, zstdFunctions } from './compression-algorithm.js';
import {
  CompressionUnavailable,
  CorruptCompressedPayload,
  DecompressionLimitExceeded,
} from './compression-errors.js';

/**
 * The largest payload a frame may decompress to unless configured otherwise: 16 MiB, the framing
 * layer's default frame limit, so compression never lets a peer send more than it could uncompressed.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

/**
 * Compresses one message with `name` at `level` (the algorithm's default level when omitted).
 * Synchronous on purpose: the codec is sans-IO, and message-sized inputs finish in microseconds.
 *
 * @example
 * const packed = compressMessage('brotli', encoder.encode(order), 4);
 */
export function compressMessage(name: CompressionName, data: Uint8Array, level?: number): Uint8Array {
  if (name === 'none') return data;
  return plain(compressBuffer(name, data, level));
}

// zlib returns Buffers; callers get plain Uint8Array views of them, like every other codec output.
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

function compressBuffer(
  name: Exclude<CompressionName, 'none'>,
  data: Uint8Array,
  level?: number,
): Uint8Array {
  const range = COMPRESSION_LEVELS[name];
  const l = level ?? range.default;
  if (!Number.isInteger(l) || l < range.min || l > range.max) {
    throw new RangeError(`${name} level must be an integer in [${range.min}, ${range.max}], got ${l}`);
  }
  switch (name) {
    case 'gzip':
      return zlib.gzipSync(data, { level: l });
    case 'deflate':
      return zlib.deflateSync(data, { level: l });
    case 'brotli':
      return zlib.brotliCompressSync(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: l,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      });
    case 'zstd': {
      const z = zstdFunctions();
      if (!z)
        throw new CompressionUnavailable(`zstd needs Node 22.15+ or 23.8+ (this is ${process.version})`);
      return z.compress(data, { params: { [z.levelParam]: l } });
    }
  }
}

/** Options for {@link decompressMessage}. */
export interface DecompressOptions {
  /**
   * The most bytes the payload may decompress to; beyond it decompression stops and throws
   * {@link DecompressionLimitExceeded}. Default {@link DEFAULT_MAX_DECOMPRESSED_BYTES}.
   */
  maxDecompressedBytes?: number;
}

/**
 * Decompresses one message, producing at most `maxDecompressedBytes` bytes: the inflater is given that
 * as its output cap (`maxOutputLength`), so a bomb is stopped after the limit's worth of output, never
 * inflated in full. Every failure is typed: {@link DecompressionLimitExceeded} for the limit,
 * {@link CorruptCompressedPayload} for bad input, {@link CompressionUnavailable} for zstd without support.
 *
 * @example
 * const body = decompressMessage('gzip', frameBody, { maxDecompressedBytes: 1 << 20 });
 */
export function decompressMessage(
  name: CompressionName,
  data: Uint8Array,
  options: DecompressOptions = {},
): Uint8Array {
  const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new RangeError(`maxDecompressedBytes must be a non-negative integer, got ${max}`);
  }
  if (name === 'none') {
    if (data.length > max) throw new DecompressionLimitExceeded(name, max);
    return data;
  }
  // zlib rejects a cap of 0; cap at 1 and check the length below.
  const cap = Math.min(Math.max(max, 1), 2 ** 32);
  let out: Uint8Array;
  try {
    switch (name) {
      case 'gzip':
        out = zlib.gunzipSync(data, { maxOutputLength: cap });
        break;
      case 'deflate':
        out = zlib.inflateSync(data, { maxOutputLength: cap });
        break;
      case 'brotli':
        out = zlib.brotliDecompressSync(data, { maxOutputLength: cap });
        break;
      case 'zstd': {
        const z = zstdFunctions();
        if (!z)
          throw new CompressionUnavailable(`zstd needs Node 22.15+ or 23.8+ (this is ${process.version})`);
        out = z.decompress(data, { maxOutputLength: cap });
        break;
      }
    }
  } catch (err) {
    if (err instanceof CompressionUnavailable) throw err;
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DecompressionLimitExceeded(name, max);
    throw new CorruptCompressedPayload(name, err);
  }
  if (out.length > max) throw new DecompressionLimitExceeded(name, max);
  return plain(out);
}
