import { FRAME_HEADER_LENGTH, FrameFlag, FrameType } from './frame-type.js';

// Frame serializers (RFC 9113 §4.1, §6), one per frame type. Each returns freshly allocated bytes,
// except that DATA returns its 9-octet header separately so the payload is written without a copy.

/**
 * Writes a 9-octet frame header at `out[at]` (RFC 9113 §4.1; the reserved bit is left unset).
 *
 * @example
 * const head = new Uint8Array(9);
 * encodeFrameHeader(head, 0, payload.length, FrameType.DATA, FrameFlag.END_STREAM, 1);
 */
export function encodeFrameHeader(
  out: Uint8Array,
  at: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  out[at] = (length >>> 16) & 0xff;
  out[at + 1] = (length >>> 8) & 0xff;
  out[at + 2] = length & 0xff;
  out[at + 3] = type;
  out[at + 4] = flags;
  writeUint32(out, at + 5, streamId & 0x7fffffff);
}

function writeUint32(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

function frame(type: number, flags: number, streamId: number, payloadLength: number): Uint8Array {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payloadLength);
  encodeFrameHeader(out, 0, payloadLength, type, flags, streamId);
  return out;
}

/**
 * A DATA frame as [header, payload] (the payload is not copied).
 *
 * @example
 * socket.writev(encodeDataFrame(1, Buffer.from('body'), true));
 */
export function encodeDataFrame(streamId: number, data: Uint8Array, endStream: boolean): Uint8Array[] {
  const head = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  encodeFrameHeader(head, 0, data.length, FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, streamId);
  return data.length === 0 ? [head] : [head, data];
}

/**
 * A field block as one HEADERS frame followed by as many CONTINUATION frames as `maxFrameSize`
 * requires (RFC 9113 §4.3, §6.10), all in one buffer so they stay contiguous on the wire.
 *
 * @example
 * encodeHeadersFrames(1, encoder.encode([[':status', '200']]), false, peerMaxFrameSize);
 */
export function encodeHeadersFrames(
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  maxFrameSize: number,
): Uint8Array {
  const count = Math.max(1, Math.ceil(block.length / maxFrameSize));
  const out = Buffer.allocUnsafe(count * FRAME_HEADER_LENGTH + block.length);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = i * maxFrameSize;
    const end = Math.min(block.length, start + maxFrameSize);
    const last = i === count - 1;
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    let flags = last ? FrameFlag.END_HEADERS : 0;
    if (i === 0 && endStream) flags |= FrameFlag.END_STREAM;
    encodeFrameHeader(out, at, end - start, type, flags, streamId);
    out.set(block.subarray(start, end), at + FRAME_HEADER_LENGTH);
    at += FRAME_HEADER_LENGTH + end - start;
  }
  return out;
}

/**
 * RST_STREAM (RFC 9113 §6.4).
 *
 * @example
 * encodeRstStream(3, ErrorCode.CANCEL);
 */
export function encodeRstStream(streamId: number, errorCode: number): Uint8Array {
  const out = frame(FrameType.RST_STREAM, 0, streamId, 4);
  writeUint32(out, FRAME_HEADER_LENGTH, errorCode);
  return out;
}

/**
 * SETTINGS with the given [identifier, value] entries, or an ACK when `entries` is null (RFC 9113 §6.5).
 *
 * @example
 * encodeSettings([[SettingId.MAX_CONCURRENT_STREAMS, 100]]);
 * encodeSettings(null); // ACK
 */
export function encodeSettings(entries: ReadonlyArray<readonly [number, number]> | null): Uint8Array {
  if (entries === null) return frame(FrameType.SETTINGS, FrameFlag.ACK, 0, 0);
  const out = frame(FrameType.SETTINGS, 0, 0, entries.length * 6);
  let at = FRAME_HEADER_LENGTH;
  for (const [id, value] of entries) {
    out[at] = id >>> 8;
    out[at + 1] = id & 0xff;
    writeUint32(out, at + 2, value);
    at += 6;
  }
  return out;
}

/**
 * PING or its ACK with 8 octets of opaque data (RFC 9113 §6.7).
 *
 * @example
 * encodePing(Buffer.from('12345678'), false);
 */
export function encodePing(opaque: Uint8Array, ack: boolean): Uint8Array {
  const out = frame(FrameType.PING, ack ? FrameFlag.ACK : 0, 0, 8);
  out.set(opaque.subarray(0, 8), FRAME_HEADER_LENGTH);
  return out;
}

/**
 * GOAWAY (RFC 9113 §6.8).
 *
 * @example
 * encodeGoaway(lastPeerStreamId, ErrorCode.NO_ERROR, new Uint8Array(0));
 */
export function encodeGoaway(lastStreamId: number, errorCode: number, debugData: Uint8Array): Uint8Array {
  const out = frame(FrameType.GOAWAY, 0, 0, 8 + debugData.length);
  writeUint32(out, FRAME_HEADER_LENGTH, lastStreamId & 0x7fffffff);
  writeUint32(out, FRAME_HEADER_LENGTH + 4, errorCode);
  out.set(debugData, FRAME_HEADER_LENGTH + 8);
  return out;
}

/**
 * WINDOW_UPDATE (RFC 9113 §6.9); stream 0 for the connection.
 *
 * @example
 * encodeWindowUpdate(0, 65536);
 */
export function encodeWindowUpdate(streamId: number, increment: number): Uint8Array {
  const out = frame(FrameType.WINDOW_UPDATE, 0, streamId, 4);
  writeUint32(out, FRAME_HEADER_LENGTH, increment & 0x7fffffff);
  return out;
}

/**
 * Any frame from raw parts; for tests and for frame types this module has no helper for.
 *
 * @example
 * encodeRawFrame(FrameType.PRIORITY, 0, 5, Uint8Array.of(0, 0, 0, 3, 15));
 */
export function encodeRawFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Uint8Array {
  const out = frame(type, flags, streamId, payload.length);
  out.set(payload, FRAME_HEADER_LENGTH);
  return out;
}
