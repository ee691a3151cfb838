import { ErrorCode } from './error-code.js';
import { Http2ConnectionError, Http2StreamError } from './errors.js';
import type { Frame, FrameHeader, PriorityFields } from './frame.js';
import { FrameFlag, FrameType } from './frame-type.js';
import { checkSettingValue } from './settings.js';

/** Parses one frame's payload; pure: no state beyond the header and the payload. */
export type FrameParser = (header: FrameHeader, payload: Uint8Array) => Frame;

function protocolError(message: string): Http2ConnectionError {
  return new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, message);
}

function frameSizeError(message: string): Http2ConnectionError {
  return new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, message);
}

function uint32(p: Uint8Array, at: number): number {
  return ((p[at] << 24) | (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3]) >>> 0;
}

/**
 * Removes padding (RFC 9113 §6.1, §6.2, §6.6) and returns [start, end) of the rest of the payload.
 * `fixed` is the length of fields between Pad Length and the content (priority, promised id).
 */
function unpad(h: FrameHeader, p: Uint8Array, fixed: number, what: string): [number, number] {
  if ((h.flags & FrameFlag.PADDED) === 0) {
    if (p.length < fixed) throw frameSizeError(`${what} payload of ${p.length} octets is too short`);
    return [fixed, p.length];
  }
  if (p.length < 1 + fixed) throw frameSizeError(`${what} payload of ${p.length} octets is too short`);
  const padLength = p[0];
  // §6.1 (and §6.2, §6.6): "If the length of the padding is the length of the frame payload or
  // greater, the recipient MUST treat this as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (padLength >= p.length - fixed) {
    throw protocolError(`${what} pad length ${padLength} leaves no room in a ${p.length}-octet payload`);
  }
  return [1 + fixed, p.length - padLength];
}

/**
 * Reads a stream dependency. A self-dependency is not rejected here: on HEADERS the field block
 * must still be decoded (HPACK state), so the connection checks it afterwards.
 */
function priorityAt(p: Uint8Array, at: number): PriorityFields {
  const word = uint32(p, at);
  const dependency = word & 0x7fffffff;
  return { exclusive: (word & 0x80000000) !== 0, dependency, weight: p[at + 4] + 1 };
}

const parseData: FrameParser = (h, p) => {
  // §6.1: "If a DATA frame is received whose Stream Identifier field is 0x00, the recipient MUST
  // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId === 0) throw protocolError('DATA on stream 0');
  const [start, end] = unpad(h, p, 0, 'DATA');
  return {
    kind: 'data',
    streamId: h.streamId,
    endStream: (h.flags & FrameFlag.END_STREAM) !== 0,
    data: p.subarray(start, end),
    flowControlledLength: p.length,
  };
};

const parseHeaders: FrameParser = (h, p) => {
  // §6.2: "If a HEADERS frame is received whose Stream Identifier field is 0x00, the recipient MUST
  // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId === 0) throw protocolError('HEADERS on stream 0');
  const hasPriority = (h.flags & FrameFlag.PRIORITY) !== 0;
  const [start, end] = unpad(h, p, hasPriority ? 5 : 0, 'HEADERS');
  const padded = (h.flags & FrameFlag.PADDED) !== 0 ? 1 : 0;
  return {
    kind: 'headers',
    streamId: h.streamId,
    endStream: (h.flags & FrameFlag.END_STREAM) !== 0,
    endHeaders: (h.flags & FrameFlag.END_HEADERS) !== 0,
    priority: hasPriority ? priorityAt(p, padded) : undefined,
    fragment: p.subarray(start, end),
  };
};

const parsePriority: FrameParser = (h, p) => {
  // §6.3: "If a PRIORITY frame is received with a stream identifier of 0x00, the recipient MUST
  // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId === 0) throw protocolError('PRIORITY on stream 0');
  // §6.3: "A PRIORITY frame with a length other than 5 octets MUST be treated as a stream error
  // (Section 5.4.2) of type FRAME_SIZE_ERROR."
  if (p.length !== 5) {
    throw new Http2StreamError(h.streamId, ErrorCode.FRAME_SIZE_ERROR, `PRIORITY of ${p.length} octets`);
  }
  const priority = priorityAt(p, 0);
  // §5.3.1: "A stream cannot depend on itself. An endpoint MUST treat this as a stream error
  // (Section 5.4.2) of type PROTOCOL_ERROR."
  if (priority.dependency === h.streamId) {
    throw new Http2StreamError(h.streamId, ErrorCode.PROTOCOL_ERROR, 'stream depends on itself');
  }
  return { kind: 'priority', streamId: h.streamId, priority };
};

const parseRstStream: FrameParser = (h, p) => {
  // §6.4: "If a RST_STREAM frame is received with a stream identifier of 0x00, the recipient MUST
  // treat this as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId === 0) throw protocolError('RST_STREAM on stream 0');
  // §6.4: "A RST_STREAM frame with a length other than 4 octets MUST be treated as a connection
  // error (Section 5.4.1) of type FRAME_SIZE_ERROR."
  if (p.length !== 4) throw frameSizeError(`RST_STREAM of ${p.length} octets`);
  return { kind: 'rst_stream', streamId: h.streamId, errorCode: uint32(p, 0) };
};

const parseSettings: FrameParser = (h, p) => {
  // §6.5: "If an endpoint receives a SETTINGS frame whose Stream Identifier field is anything other
  // than 0x00, the endpoint MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId !== 0) throw protocolError(`SETTINGS on stream ${h.streamId}`);
  const ack = (h.flags & FrameFlag.ACK) !== 0;
  // §6.5: "Receipt of a SETTINGS frame with the ACK flag set and a length field value other than 0
  // MUST be treated as a connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
  if (ack && p.length !== 0) throw frameSizeError(`SETTINGS ACK with ${p.length} octets`);
  // §6.5: "A SETTINGS frame with a length other than a multiple of 6 octets MUST be treated as a
  // connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
  if (p.length % 6 !== 0) throw frameSizeError(`SETTINGS of ${p.length} octets`);
  const entries: Array<[number, number]> = [];
  for (let i = 0; i < p.length; i += 6) {
    const id = (p[i] << 8) | p[i + 1];
    const value = uint32(p, i + 2);
    checkSettingValue(id, value);
    entries.push([id, value]);
  }
  return { kind: 'settings', ack, entries };
};

const parsePushPromise: FrameParser = (h, p) => {
  // §6.6: "If the Stream Identifier field specifies the value 0x00, a recipient MUST respond with a
  // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId === 0) throw protocolError('PUSH_PROMISE on stream 0');
  const [start, end] = unpad(h, p, 4, 'PUSH_PROMISE');
  const padded = (h.flags & FrameFlag.PADDED) !== 0 ? 1 : 0;
  return {
    kind: 'push_promise',
    streamId: h.streamId,
    promisedStreamId: uint32(p, padded) & 0x7fffffff,
    endHeaders: (h.flags & FrameFlag.END_HEADERS) !== 0,
    fragment: p.subarray(start, end),
  };
};

const parsePing: FrameParser = (h, p) => {
  // §6.7: "If a PING frame is received with a Stream Identifier field value other than 0x00, the
  // recipient MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId !== 0) throw protocolError(`PING on stream ${h.streamId}`);
  // §6.7: "Receipt of a PING frame with a length field value other than 8 MUST be treated as a
  // connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
  if (p.length !== 8) throw frameSizeError(`PING of ${p.length} octets`);
  return { kind: 'ping', ack: (h.flags & FrameFlag.ACK) !== 0, opaque: p };
};

const parseGoaway: FrameParser = (h, p) => {
  // §6.8: "An endpoint MUST treat a GOAWAY frame with a stream identifier other than 0x00 as a
  // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId !== 0) throw protocolError(`GOAWAY on stream ${h.streamId}`);
  // The fixed part is 8 octets (§6.8); a shorter frame cannot be parsed.
  if (p.length < 8) throw frameSizeError(`GOAWAY of ${p.length} octets`);
  return {
    kind: 'goaway',
    lastStreamId: uint32(p, 0) & 0x7fffffff,
    errorCode: uint32(p, 4),
    debugData: p.subarray(8),
  };
};

const parseWindowUpdate: FrameParser = (h, p) => {
  // §6.9: "A WINDOW_UPDATE frame with a length other than 4 octets MUST be treated as a connection
  // error (Section 5.4.1) of type FRAME_SIZE_ERROR."
  if (p.length !== 4) throw frameSizeError(`WINDOW_UPDATE of ${p.length} octets`);
  const increment = uint32(p, 0) & 0x7fffffff;
  // §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a flow-control window
  // increment of 0 as a stream error (Section 5.4.2) of type PROTOCOL_ERROR; errors on the
  // connection flow-control window MUST be treated as a connection error (Section 5.4.1)."
  if (increment === 0) {
    if (h.streamId === 0) throw protocolError('WINDOW_UPDATE with increment 0 on the connection');
    throw new Http2StreamError(h.streamId, ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE with increment 0');
  }
  return { kind: 'window_update', streamId: h.streamId, increment };
};

const parseContinuation: FrameParser = (h, p) => {
  // §6.10: "If a CONTINUATION frame is received with a Stream Identifier field of 0x00, the
  // recipient MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
  if (h.streamId === 0) throw protocolError('CONTINUATION on stream 0');
  return {
    kind: 'continuation',
    streamId: h.streamId,
    endHeaders: (h.flags & FrameFlag.END_HEADERS) !== 0,
    fragment: p,
  };
};

const parseUnknown: FrameParser = (h) => ({
  kind: 'unknown',
  type: h.type,
  flags: h.flags,
  streamId: h.streamId,
  length: h.length,
});

/** One parse function per frame type, indexed by the type code (RFC 9113 §6). */
export const FRAME_PARSERS: readonly FrameParser[] = [
  parseData,
  parseHeaders,
  parsePriority,
  parseRstStream,
  parseSettings,
  parsePushPromise,
  parsePing,
  parseGoaway,
  parseWindowUpdate,
  parseContinuation,
];

/**
 * Parses a frame whose header and whole payload are known. Unknown types become `UnknownFrame`
 * ("Implementations MUST ignore and discard frames of unknown types", RFC 9113 §4.1).
 *
 * @example
 * parseFrame({ length: 8, type: 6, flags: 0, streamId: 0 }, new Uint8Array(8)); // { kind: 'ping', ... }
 */
export function parseFrame(header: FrameHeader, payload: Uint8Array): Frame {
  const parser = header.type <= FrameType.CONTINUATION ? FRAME_PARSERS[header.type] : parseUnknown;
  return parser(header, payload);
}
