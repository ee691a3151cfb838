/**
 * Frame type codes (RFC 9113 §6 and §11.2).
 *
 * @example
 * if (header.type === FrameType.SETTINGS) ...
 */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/**
 * Frame flags (RFC 9113 §6). The same bit means different things on different frame types.
 *
 * @example
 * const endStream = (flags & FrameFlag.END_STREAM) !== 0;
 */
export const FrameFlag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** 9 octets: length (24), type (8), flags (8), reserved bit and stream id (31) (RFC 9113 §4.1). */
export const FRAME_HEADER_LENGTH = 9;
/** The smallest value of SETTINGS_MAX_FRAME_SIZE and its initial value (RFC 9113 §4.2, §6.5.2). */
export const MIN_MAX_FRAME_SIZE = 16384;
/** The largest frame payload allowed by the 24-bit length field, 2^24 - 1 (RFC 9113 §6.5.2). */
export const MAX_MAX_FRAME_SIZE = 16777215;
/** 2^31 - 1: the largest stream id, window size and window increment (RFC 9113 §5.1.1, §6.9.1). */
export const MAX_INT31 = 0x7fffffff;
