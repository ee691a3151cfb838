/**
 * HTTP/2 error codes (RFC 9113 §7), carried by RST_STREAM and GOAWAY frames.
 *
 * @example
 * conn.resetStream(1, ErrorCode.CANCEL);
 */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** A wire error code. Unknown codes are legal on the wire (§7: "MUST NOT trigger any special behavior"). */
export type ErrorCodeValue = number;

const NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

/**
 * The RFC name of a code, or `UNKNOWN(0x..)`.
 *
 * @example
 * errorCodeName(0xb); // 'ENHANCE_YOUR_CALM'
 */
export function errorCodeName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN(0x${code.toString(16)})`;
}
