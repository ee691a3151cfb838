import { COMPRESSION_LEVELS, type CompressionName, isCompressionAvailable } from './compression-algorithm.js';
import { CompressionUnavailable } from './compression-errors.js';
import { compressMessage } from './message-compression.js';

/** Options of a {@link CompressionPolicy}; every one has a default measured by `wirestack codec analyze`. */
export interface CompressionPolicyOptions {
  /**
   * The algorithm to use when compression pays. Default `'brotli'` (at level 1): in `wirestack codec analyze`
   * it gave the lowest total transfer time for JSON, MessagePack and logs from 16 KiB up, and it gives up on
   * incompressible data about 40-50× faster than zlib's deflate.
   */
  algorithm?: CompressionName;
  /** Used when the peer does not accept `algorithm` (from the handshake). Default `'gzip'`. */
  fallback?: CompressionName;
  /** Level per algorithm; unset ones use `COMPRESSION_LEVELS[name].default` (the fastest useful level). */
  levels?: Partial<Record<Exclude<CompressionName, 'none'>, number>>;
  /** Payloads shorter than this are never compressed: headers and CPU outweigh the savings. Default 1024. */
  minBytes?: number;
  /**
   * The largest compressed/original size ratio worth sending; above it the original goes out. Default
   * 0.9: saving under 10% rarely pays for the receiver's decompression on a fast link.
   */
  maxRatio?: number;
  /**
   * Payloads longer than 4× this are first probed by compressing their first `sampleBytes` bytes; if the
   * sample's ratio is above `maxRatio` (random, encrypted or already compressed data), the whole payload is
   * sent as is without spending CPU on it. 0 disables the probe. Default 4096.
   */
  sampleBytes?: number;
}

/** What {@link CompressionPolicy.apply} decided: the algorithm and the bytes to send. */
export interface CompressedPayload {
  compression: CompressionName;
  body: Uint8Array;
}

/**
 * Decides per message whether to compress and how: never below `minBytes`, never when a sample of the
 * payload shows it does not compress, and never when the result saves too little. Only algorithms the
 * peer accepts are used (from the handshake).
 *
 * @example
 * const policy = new CompressionPolicy({ algorithm: 'brotli', levels: { brotli: 4 }, minBytes: 2048 });
 * const { compression, body } = policy.apply(payload, agreed.compressions);
 * const frame = frames.encode(body, { compression, codec: 'msgpack' });
 */
export class CompressionPolicy {
  readonly algorithm: CompressionName;
  readonly fallback: CompressionName;
  readonly level: number;
  readonly minBytes: number;
  readonly maxRatio: number;
  readonly sampleBytes: number;
  private readonly levels: CompressionPolicyOptions['levels'];

  constructor(options: CompressionPolicyOptions = {}) {
    this.algorithm = options.algorithm ?? 'brotli';
    this.fallback = options.fallback ?? 'gzip';
    if (!isCompressionAvailable(this.fallback)) {
      throw new CompressionUnavailable(`${this.fallback} is not available in Node ${process.version}`);
    }
    this.levels = { ...options.levels };
    for (const [name, level] of Object.entries(this.levels) as [keyof typeof COMPRESSION_LEVELS, number][]) {
      const range = COMPRESSION_LEVELS[name];
      if (!range) throw new RangeError(`levels: unknown algorithm ${JSON.stringify(name)}`);
      if (!Number.isInteger(level) || level < range.min || level > range.max) {
        throw new RangeError(`${name} level must be in [${range.min}, ${range.max}], got ${level}`);
      }
    }
    if (!isCompressionAvailable(this.algorithm)) {
      throw new CompressionUnavailable(`${this.algorithm} is not available in Node ${process.version}`);
    }
    this.level =
      this.algorithm === 'none'
        ? 0
        : (options.levels?.[this.algorithm] ?? COMPRESSION_LEVELS[this.algorithm].default);
    if (this.algorithm !== 'none') {
      const range = COMPRESSION_LEVELS[this.algorithm];
      if (!Number.isInteger(this.level) || this.level < range.min || this.level > range.max) {
        throw new RangeError(
          `${this.algorithm} level must be in [${range.min}, ${range.max}], got ${this.level}`,
        );
      }
    }
    this.minBytes = options.minBytes ?? 1024;
    this.maxRatio = options.maxRatio ?? 0.9;
    this.sampleBytes = options.sampleBytes ?? 4096;
    if (!Number.isSafeInteger(this.minBytes) || this.minBytes < 0) {
      throw new RangeError(`minBytes must be a non-negative integer, got ${this.minBytes}`);
    }
    if (!(this.maxRatio > 0 && this.maxRatio <= 1))
      throw new RangeError(`maxRatio must be in (0, 1], got ${this.maxRatio}`);
    if (!Number.isSafeInteger(this.sampleBytes) || this.sampleBytes < 0) {
      throw new RangeError(`sampleBytes must be a non-negative integer, got ${this.sampleBytes}`);
    }
  }

  /**
   * The algorithm this payload would get before compressing it (the sample probe included), or `'none'`.
   * `accepted` lists what the peer can decompress; omit it when both sides share this policy.
   */
  choose(payload: Uint8Array, accepted?: readonly CompressionName[]): CompressionName {
    if (payload.length < this.minBytes) return 'none';
    const algorithm = !accepted || accepted.includes(this.algorithm) ? this.algorithm : this.fallback;
    if (algorithm === 'none' || (accepted && !accepted.includes(algorithm))) return 'none';
    if (this.sampleBytes > 0 && payload.length > 4 * this.sampleBytes) {
      // The sample is compressed at the same level: a cheaper level would misjudge borderline data.
      const sample = payload.subarray(0, this.sampleBytes);
      const packed = compressMessage(algorithm, sample, this.levelOf(algorithm));
      if (packed.length > sample.length * this.maxRatio) return 'none';
    }
    return algorithm;
  }

  /** The level this policy uses for `name`. */
  levelOf(name: Exclude<CompressionName, 'none'>): number {
    return name === this.algorithm ? this.level : (this.levels?.[name] ?? COMPRESSION_LEVELS[name].default);
  }

  /**
   * Compresses `payload` if it pays, else returns it unchanged with `compression: 'none'`.
   *
   * @example
   * const { compression, body } = policy.apply(encoder.encode(value));
   */
  apply(payload: Uint8Array, accepted?: readonly CompressionName[]): CompressedPayload {
    const algorithm = this.choose(payload, accepted);
    if (algorithm === 'none') return { compression: 'none', body: payload };
    const body = compressMessage(algorithm, payload, this.levelOf(algorithm));
    if (body.length > payload.length * this.maxRatio) return { compression: 'none', body: payload };
    return { compression: algorithm, body };
  }

  /**
   * Compresses with `name` at this policy's level for it, whatever the size and ratio: for a caller that
   * has already decided (the frame codec's explicit `compression` option).
   */
  compressWith(name: CompressionName, payload: Uint8Array): Uint8Array {
    if (name === 'none') return payload;
    if (!isCompressionAvailable(name))
      throw new CompressionUnavailable(`${name} is not available in Node ${process.version}`);
    return compressMessage(name, payload, this.levelOf(name));
  }
}
