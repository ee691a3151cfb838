/**
 * wirestack/framing: sans-IO framing for byte streams. Length-prefixed frames, CRLF lines, and RESP
 * (the Redis protocol, RESP2 and RESP3). Bytes in, frames/values out; no sockets, no timers.
 */

export { FrameTooLarge, LineTooLong, RespProtocolError } from './errors.js';
export { splitInlineCommand } from './inline-command.js';
export { DEFAULT_MAX_FRAME_SIZE, type LengthPrefix, type LengthPrefixOptions } from './length-prefix.js';
export { LengthPrefixDecoder } from './length-prefix-decoder.js';
export { LengthPrefixEncoder } from './length-prefix-encoder.js';
export { DEFAULT_MAX_LINE_LENGTH, LineDecoder, type LineDecoderOptions } from './line-decoder.js';
export { NEED_MORE, type NeedMore } from './need-more.js';
export {
  DEFAULT_MAX_BULK_LENGTH,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_INLINE_LENGTH,
  DEFAULT_MAX_MULTIBULK_LENGTH,
  type RespLimits,
} from './resp-limits.js';
export { RespParser } from './resp-parser.js';
export {
  DEFAULT_MAX_QUERY_BUFFER_SIZE,
  RespRequestParser,
  type RespRequestParserOptions,
} from './resp-request-parser.js';
export { RespSerializer, type RespSerializerOptions } from './resp-serializer.js';
export type { RespAggregateType, RespValue } from './resp-value.js';
export { bytesToString, stringToBytes } from './utf8.js';
