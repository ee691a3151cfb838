import { ErrorCode } from './error-code.js';
import { Http2ConnectionError } from './errors.js';
import { MAX_INT31, MAX_MAX_FRAME_SIZE, MIN_MAX_FRAME_SIZE } from './frame-type.js';

/**
 * SETTINGS parameter identifiers (RFC 9113 §6.5.2, RFC 8441, RFC 9218).
 *
 * @example
 * encodeSettings([[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
 */
export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  ENABLE_CONNECT_PROTOCOL: 0x8,
  NO_RFC7540_PRIORITIES: 0x9,
} as const;

/**
 * The settings of one endpoint, as known to its peer.
 *
 * @example
 * conn.settings({ maxConcurrentStreams: 10 } satisfies Partial<Http2Settings>);
 */
export interface Http2Settings {
  headerTableSize: number;
  enablePush: boolean;
  /** `Infinity` when not set: "Initially, there is no limit to this value" (§6.5.2). */
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  /** `Infinity` when not set (advisory, §6.5.2). */
  maxHeaderListSize: number;
}

/**
 * The initial values every endpoint assumes before the peer's SETTINGS arrive (RFC 9113 §6.5.2).
 *
 * @example
 * initialSettings().initialWindowSize; // 65535
 */
export function initialSettings(): Http2Settings {
  return {
    headerTableSize: 4096,
    enablePush: true,
    maxConcurrentStreams: Number.POSITIVE_INFINITY,
    initialWindowSize: 65535,
    maxFrameSize: MIN_MAX_FRAME_SIZE,
    maxHeaderListSize: Number.POSITIVE_INFINITY,
  };
}

/**
 * Checks one received setting value; range errors are connection errors (RFC 9113 §6.5.2).
 * Unknown identifiers are accepted (and later ignored): "An endpoint that receives a SETTINGS frame
 * with any unknown or unsupported identifier MUST ignore that setting" (§6.5.2).
 *
 * @example
 * checkSettingValue(SettingId.MAX_FRAME_SIZE, 1000); // throws Http2ConnectionError PROTOCOL_ERROR
 */
export function checkSettingValue(id: number, value: number): void {
  switch (id) {
    case SettingId.ENABLE_PUSH:
      // §6.5.2: "Any value other than 0 or 1 MUST be treated as a connection error of type PROTOCOL_ERROR."
      if (value > 1)
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH=${value}`);
      return;
    case SettingId.INITIAL_WINDOW_SIZE:
      // §6.5.2: "Values above the maximum flow-control window size of 2^31-1 MUST be treated as a
      // connection error of type FLOW_CONTROL_ERROR."
      if (value > MAX_INT31) {
        throw new Http2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE=${value}`);
      }
      return;
    case SettingId.MAX_FRAME_SIZE:
      // §6.5.2: "Values outside this range MUST be treated as a connection error of type PROTOCOL_ERROR."
      if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE=${value}`);
      }
      return;
    case SettingId.ENABLE_CONNECT_PROTOCOL:
    case SettingId.NO_RFC7540_PRIORITIES:
      // RFC 8441 §3, RFC 9218 §2.1: only 0 or 1; other values are a PROTOCOL_ERROR.
      if (value > 1)
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `setting 0x${id.toString(16)}=${value}`);
      return;
    default:
      return;
  }
}
