// HTTP/2 (RFC 9113), sans-IO: bytes in, events out; commands in, bytes out. See docs/http2.md.
export { BdpEstimator } from './bdp-estimator.js';
export { CLIENT_PREFACE, Http2Connection, type Http2Role } from './connection.js';
export { ErrorCode, type ErrorCodeValue, errorCodeName } from './error-code.js';
export { Http2ConnectionError, Http2StreamError } from './errors.js';
export type {
  DataReceived,
  GoAwayReceived,
  Http2Event,
  InformationalResponseReceived,
  PingAcked,
  PingReceived,
  RequestReceived,
  ResponseReceived,
  SettingsAcked,
  SettingsChanged,
  StreamEnded,
  StreamReset,
  TrailersReceived,
  WindowUpdated,
} from './events.js';
export { FlowWindow } from './flow-window.js';
export type { Frame, FrameHeader, PriorityFields } from './frame.js';
export { FrameDecoder } from './frame-decoder.js';
export {
  encodeDataFrame,
  encodeFrameHeader,
  encodeGoaway,
  encodeHeadersFrames,
  encodePing,
  encodeRawFrame,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
} from './frame-encoder.js';
export { FRAME_PARSERS, type FrameParser, parseFrame } from './frame-parsers.js';
export { FRAME_HEADER_LENGTH, FrameFlag, FrameType, MAX_INT31 } from './frame-type.js';
export { checkFieldSection, type FieldSectionCheck, type FieldSectionKind } from './header-validation.js';
export { DEFAULT_MAX_ADAPTIVE_WINDOW_SIZE, type Http2ConnectionOptions } from './options.js';
export { checkSettingValue, type Http2Settings, initialSettings, SettingId } from './settings.js';
export { nextStreamState, STREAM_TRANSITIONS, type StreamInput, type StreamState } from './stream-state.js';
export { TokenBucket } from './token-bucket.js';
