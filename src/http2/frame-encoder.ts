import { FRAME_HEADER_LENGTH, FrameFlag, FrameType } from './frame-type.js';

/**
 * Serializes frames (RFC 9113 §4.1, §6). Each function returns freshly allocated bytes, except
 * that DATA returns its 9-octet header separately so the payload is written without a copy.
 *
 * @example
 * socket.writev([encodePing(new Uint8Array(8), false), ...encodeDataFrame(1, body, true)]);
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

/** A DATA frame as [header, payload] (the payload is not copied). */
export function encodeDataFrame(streamId: number, data: Uint8Array, endStream: boolean): Uint8Array[] {
  const head = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  encodeFrameHeader(head, 0, data.length, FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, streamId);
  return data.length === 0 ? [head] : [head, data];
}

/**
 * A field block as one HEADERS frame followed by as many CONTINUATION frames as `maxFrameSize`
 * requires (RFC 9113 §4.3, §6.10), all in one buffer so they stay contiguous on the wire.
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

export function encodeRstStream(streamId: number, errorCode: number): Uint8Array {
  const out = frame(FrameType.RST_STREAM, 0, streamId, 4);
  writeUint32(out, FRAME_HEADER_LENGTH, errorCode);
  return out;
}

/** SETTINGS with the given [identifier, value] entries, or an ACK when `entries` is null. */
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

export function encodePing(opaque: Uint8Array, ack: boolean): Uint8Array {
  const out = frame(FrameType.PING, ack ? FrameFlag.ACK : 0, 0, 8);
  out.set(opaque.subarray(0, 8), FRAME_HEADER_LENGTH);
  return out;
}

export function encodeGoaway(lastStreamId: number, errorCode: number, debugData: Uint8Array): Uint8Array {
  const out = frame(FrameType.GOAWAY, 0, 0, 8 + debugData.length);
  writeUint32(out, FRAME_HEADER_LENGTH, lastStreamId & 0x7fffffff);
  writeUint32(out, FRAME_HEADER_LENGTH + 4, errorCode);
  out.set(debugData, FRAME_HEADER_LENGTH + 8);
  return out;
}

export function encodeWindowUpdate(streamId: number, increment: number): Uint8Array {
  const out = frame(FrameType.WINDOW_UPDATE, 0, streamId, 4);
  writeUint32(out, FRAME_HEADER_LENGTH, increment & 0x7fffffff);
  return out;
}

/** Any frame from raw parts; for tests and for frame types this module has no helper for. */
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
