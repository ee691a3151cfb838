import { BODY_CODEC_IDS, BODY_CODEC_NAMES, type BodyCodecName } from './body-codec.js';
import { COMPRESSION_IDS, type CompressionName, compressionById } from './compression-algorithm.js';
import { CompressionUnavailable } from './compression-errors.js';
import { CompressionPolicy } from './compression-policy.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decompressMessage } from './message-compression.js';
import { malformed, UnsupportedProtocolVersion } from './protocol-version-errors.js';

/** Bytes of the versioned frame header: `protocol_version`, then the flags byte. */
export const VERSIONED_FRAME_HEADER_BYTES = 2;

// Flags byte: bits 0-2 compression id, bits 3-4 body codec id, bits 5-7 reserved (must be 0, so a
// future meaning for them is a new protocol version, never a silent misreading by an old peer).
const COMPRESSION_MASK = 0b0000_0111;
const CODEC_SHIFT = 3;
const CODEC_MASK = 0b0001_1000;
const RESERVED_MASK = 0b1110_0000;

/** One decoded frame: the header's fields and the body, decompressed. */
export interface VersionedFrame {
  version: number;
  codec: BodyCodecName;
  /** How the body travelled; `body` is already decompressed. */
  compression: CompressionName;
  body: Uint8Array;
}

/** Options of a {@link VersionedFrameCodec}. */
export interface VersionedFrameCodecOptions {
  /** Protocol versions this side reads, 1..255. Default `[1]`. */
  versions?: readonly number[];
  /** The version written on outgoing frames. Default: the highest of `versions` (set it to the agreed one). */
  version?: number;
  /** Decides per message whether to compress. Default: a `CompressionPolicy` with its defaults. */
  policy?: CompressionPolicy;
  /** Algorithms the peer can decompress (from the handshake). Default: only `'none'`, until agreed. */
  peerCompressions?: readonly CompressionName[];
  /** The most bytes one frame body may decompress to. Default 16 MiB ({@link DEFAULT_MAX_DECOMPRESSED_BYTES}). */
  maxDecompressedBytes?: number;
}

/**
 * The payload of one length-prefixed frame: a two-byte header (`protocol_version`, flags for compression
 * and body codec), then the body. Sans-IO: the framing layer's `LengthPrefixEncoder/Decoder` delimit the
 * frames; this class reads and writes what is inside.
 *
 * @example
 * const frames = new VersionedFrameCodec({ versions: [1, 2], peerCompressions: agreement.compressions });
 * const [header, body] = frames.encode(encoder.encode(order), { codec: 'msgpack' }); // writev-able
 * const { version, codec, body: bytes } = frames.decode(frame); // bodies arrive decompressed
 */
export class VersionedFrameCodec {
  readonly versions: readonly number[];
  version: number;
  peerCompressions: readonly CompressionName[];
  readonly policy: CompressionPolicy;
  readonly maxDecompressedBytes: number;

  constructor(options: VersionedFrameCodecOptions = {}) {
    const versions = [...(options.versions ?? [1])].sort((a, b) => a - b);
    if (versions.length === 0 || !versions.every((v) => Number.isInteger(v) && v >= 1 && v <= 255)) {
      throw new RangeError(`versions must be integers in [1, 255], got [${versions.join(', ')}]`);
    }
    this.versions = versions;
    this.version = options.version ?? versions[versions.length - 1];
    if (!versions.includes(this.version)) throw new UnsupportedProtocolVersion([this.version], versions);
    this.policy = options.policy ?? new CompressionPolicy();
    this.peerCompressions = options.peerCompressions ?? ['none'];
    this.maxDecompressedBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  }

  /**
   * Header and body of a frame for `payload`, as two buffers for a vectored write. The body is compressed
   * when `compression` says so, or, when it is omitted, when the policy finds it pays and the peer accepts it.
   */
  encode(
    payload: Uint8Array,
    options: { codec?: BodyCodecName; compression?: CompressionName; version?: number } = {},
  ): [Uint8Array, Uint8Array] {
    const version = options.version ?? this.version;
    if (!this.versions.includes(version)) throw new UnsupportedProtocolVersion([version], this.versions);
    const codec = options.codec ?? 'msgpack';
    let compression: CompressionName;
    let body: Uint8Array;
    if (options.compression === undefined) {
      ({ compression, body } = this.policy.apply(payload, this.peerCompressions));
    } else {
      compression = options.compression;
      body = compression === 'none' ? payload : this.policy.compressWith(compression, payload);
    }
    const header = new Uint8Array(VERSIONED_FRAME_HEADER_BYTES);
    header[0] = version;
    header[1] = COMPRESSION_IDS[compression] | (BODY_CODEC_IDS[codec] << CODEC_SHIFT);
    return [header, body];
  }

  /** Header and body joined in one buffer. */
  encodeJoined(payload: Uint8Array, options: Parameters<VersionedFrameCodec['encode']>[1] = {}): Uint8Array {
    const [header, body] = this.encode(payload, options);
    const out = new Uint8Array(header.length + body.length);
    out.set(header);
    out.set(body, header.length);
    return out;
  }

  /** Reads the header without decompressing (for a relay that forwards bodies untouched). */
  peek(frame: Uint8Array): Omit<VersionedFrame, 'body'> & { rawBody: Uint8Array } {
    if (frame.length < VERSIONED_FRAME_HEADER_BYTES) {
      malformed(
        `frame of ${frame.length} bytes is shorter than the ${VERSIONED_FRAME_HEADER_BYTES}-byte header`,
        0,
      );
    }
    const version = frame[0];
    if (!this.versions.includes(version)) throw new UnsupportedProtocolVersion([version], this.versions, 0);
    const flags = frame[1];
    if (flags & RESERVED_MASK)
      malformed(`reserved flag bits 0x${(flags & RESERVED_MASK).toString(16)} are set`, 1);
    const compression = compressionById(flags & COMPRESSION_MASK);
    if (compression === undefined) {
      throw new CompressionUnavailable(
        `frame names compression id ${flags & COMPRESSION_MASK}, which no version defines`,
      );
    }
    const codec = BODY_CODEC_NAMES[(flags & CODEC_MASK) >> CODEC_SHIFT];
    if (codec === undefined) malformed(`unknown body codec id ${(flags & CODEC_MASK) >> CODEC_SHIFT}`, 1);
    return { version, codec, compression, rawBody: frame.subarray(VERSIONED_FRAME_HEADER_BYTES) };
  }

  /** Parses and decompresses one frame; the body is capped at `maxDecompressedBytes`. */
  decode(frame: Uint8Array): VersionedFrame {
    const { version, codec, compression, rawBody } = this.peek(frame);
    const body = decompressMessage(compression, rawBody, { maxDecompressedBytes: this.maxDecompressedBytes });
    return { version, codec, compression, body };
  }
}
