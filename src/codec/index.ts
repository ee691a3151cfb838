// wirestack/codec: sans-IO serialization. MessagePack today; see docs/serialization.md.

export { DecodeError, LimitExceeded, WirestackError } from '../buf/errors.js';
export { BODY_CODEC_IDS, BODY_CODEC_NAMES, type BodyCodecName } from './body-codec.js';
export {
  availableCompressions,
  COMPRESSION_IDS,
  COMPRESSION_LEVELS,
  COMPRESSION_NAMES,
  type CompressionName,
  compressionById,
  isCompressionAvailable,
} from './compression-algorithm.js';
export {
  CompressionCode,
  CompressionUnavailable,
  CorruptCompressedPayload,
  DecompressionLimitExceeded,
} from './compression-errors.js';
export {
  type CompressedPayload,
  CompressionPolicy,
  type CompressionPolicyOptions,
} from './compression-policy.js';
export {
  compressMessage,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type DecompressOptions,
  decompressMessage,
} from './message-compression.js';
export { MsgpackDecoder } from './msgpack-decoder.js';
export {
  MSGPACK_DECODE_DEFAULTS,
  MSGPACK_MAX_DEPTH_CEILING,
  type MsgpackDecoderOptions,
} from './msgpack-decoder-options.js';
export { MsgpackEncoder, type MsgpackEncoderOptions } from './msgpack-encoder.js';
export { MsgpackDecodeCode, MsgpackEncodeCode, MsgpackEncodeError } from './msgpack-errors.js';
export { MsgpackExt } from './msgpack-ext.js';
export { type MsgpackExtension, MsgpackExtensions } from './msgpack-extensions.js';
export { MsgpackRecord } from './msgpack-record.js';
export {
  MSGPACK_SHAPE_CACHE_DEFAULTS,
  MsgpackShapeCache,
  type MsgpackShapeCacheOptions,
} from './msgpack-shape-cache.js';
export {
  MSGPACK_DEFAULT_MAX_BUFFERED_BYTES,
  MsgpackStreamDecoder,
  type MsgpackStreamDecoderOptions,
  NEED_MORE,
  type NeedMore,
} from './msgpack-stream-decoder.js';
export { MsgpackTimestamp, TIMESTAMP_EXT_TYPE } from './msgpack-timestamp.js';
export { ProtocolVersionCode, UnsupportedProtocolVersion } from './protocol-version-errors.js';
export {
  type HandshakeAgreement,
  type HandshakeStep,
  VersionHandshake,
  type VersionHandshakeOptions,
} from './version-handshake.js';
export {
  VERSIONED_FRAME_HEADER_BYTES,
  type VersionedFrame,
  VersionedFrameCodec,
  type VersionedFrameCodecOptions,
} from './versioned-frame-codec.js';
