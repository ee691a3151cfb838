// wirestack/codec: sans-IO serialization. MessagePack today; see docs/serialization.md.

export { DecodeError, LimitExceeded, WirestackError } from '../buf/errors.js';
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
  MSGPACK_DEFAULT_MAX_BUFFERED_BYTES,
  MsgpackStreamDecoder,
  type MsgpackStreamDecoderOptions,
  NEED_MORE,
  type NeedMore,
} from './msgpack-stream-decoder.js';
export { MsgpackTimestamp, TIMESTAMP_EXT_TYPE } from './msgpack-timestamp.js';
