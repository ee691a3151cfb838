import { ErrorCode } from './error-code.js';
import { Http2ConnectionError } from './errors.js';
import type { Frame, FrameHeader } from './frame.js';
import { parseFrame } from './frame-parsers.js';
import { FRAME_HEADER_LENGTH, MAX_MAX_FRAME_SIZE, MIN_MAX_FRAME_SIZE } from './frame-type.js';

/**
 * Splits a byte stream into HTTP/2 frames (RFC 9113 §4), whatever the chunk boundaries: any split of
 * the same bytes gives the same frames. A frame whose declared length exceeds `maxFrameSize` is a
 * FRAME_SIZE_ERROR before a single payload octet is buffered, so a peer declaring 16 MiB makes us
 * allocate nothing. Frames that arrive whole are returned as views into the chunk (no copy).
 *
 * @example
 * const decoder = new FrameDecoder();
 * for (const frame of decoder.push(chunk)) handle(frame); // views valid until the chunk is reused
 */
export class FrameDecoder {
  /** Our SETTINGS_MAX_FRAME_SIZE: the largest payload accepted. */
  maxFrameSize: number;
  private readonly head = new Uint8Array(FRAME_HEADER_LENGTH);
  private headFill = 0;
  private header: FrameHeader | undefined;
  private payload: Uint8Array | undefined;
  private payloadFill = 0;
  private broken = false;
  /** Where the frame last returned or rejected by next() ended in its chunk. */
  resumeAt = 0;

  constructor(maxFrameSize = MIN_MAX_FRAME_SIZE) {
    if (
      !Number.isInteger(maxFrameSize) ||
      maxFrameSize < MIN_MAX_FRAME_SIZE ||
      maxFrameSize > MAX_MAX_FRAME_SIZE
    ) {
      throw new RangeError(`maxFrameSize must be in [16384, 2^24 - 1], got ${maxFrameSize}`);
    }
    this.maxFrameSize = maxFrameSize;
  }

  /** True when no partial frame is buffered. */
  get idle(): boolean {
    return this.headFill === 0 && this.header === undefined;
  }

  /**
   * Feeds bytes and returns the frames they complete, in order. Throws Http2ConnectionError
   * (FRAME_SIZE_ERROR or a frame's own checks) and Http2StreamError (from stream-level checks such
   * as a zero WINDOW_UPDATE increment); after a connection error the decoder refuses more input.
   * On a stream error, frames parsed before it are lost: use `next()` to get them one at a time.
   */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    for (;;) {
      const r = this.next(chunk, at);
      if (r === undefined) return frames;
      frames.push(r.frame);
      at = r.offset;
    }
  }

  /**
   * Decodes the next frame from `chunk` starting at `offset`, or buffers the rest and returns
   * undefined. Returns the frame and the offset after it. After a thrown Http2StreamError the
   * decoder is past the offending frame: continue with `next(chunk, decoder.resumeAt)`.
   */
  next(chunk: Uint8Array, offset: number): { frame: Frame; offset: number } | undefined {
    if (this.broken)
      throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'frame decoder used after an error');
    let at = offset;
    if (this.header === undefined) {
      if (this.headFill === 0 && chunk.length - at >= FRAME_HEADER_LENGTH) {
        const header = this.readHeader(chunk, at);
        if (chunk.length - at - FRAME_HEADER_LENGTH >= header.length) {
          const start = at + FRAME_HEADER_LENGTH;
          this.resumeAt = start + header.length;
          return {
            frame: this.parse(header, chunk.subarray(start, start + header.length)),
            offset: start + header.length,
          };
        }
        this.header = header;
        at += FRAME_HEADER_LENGTH;
      } else {
        const n = Math.min(FRAME_HEADER_LENGTH - this.headFill, chunk.length - at);
        this.head.set(chunk.subarray(at, at + n), this.headFill);
        this.headFill += n;
        at += n;
        if (this.headFill < FRAME_HEADER_LENGTH) return undefined;
        this.headFill = 0;
        this.header = this.readHeader(this.head, 0);
      }
      this.payload = new Uint8Array(this.header.length);
      this.payloadFill = 0;
    }
    const payload = this.payload!;
    const n = Math.min(payload.length - this.payloadFill, chunk.length - at);
    payload.set(chunk.subarray(at, at + n), this.payloadFill);
    this.payloadFill += n;
    at += n;
    if (this.payloadFill < payload.length) return undefined;
    const header = this.header;
    this.header = undefined;
    this.payload = undefined;
    this.resumeAt = at;
    return { frame: this.parse(header, payload), offset: at };
  }

  private readHeader(src: Uint8Array, at: number): FrameHeader {
    const length = (src[at] << 16) | (src[at + 1] << 8) | src[at + 2];
    // §4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame exceeds the size
    // defined in SETTINGS_MAX_FRAME_SIZE". We treat it as a connection error: the frame cannot be
    // skipped without reading it, and frames carrying field blocks must be (§4.2).
    if (length > this.maxFrameSize) {
      this.broken = true;
      throw new Http2ConnectionError(
        ErrorCode.FRAME_SIZE_ERROR,
        `frame of ${length} octets exceeds SETTINGS_MAX_FRAME_SIZE=${this.maxFrameSize}`,
      );
    }
    return {
      length,
      type: src[at + 3],
      flags: src[at + 4],
      // §4.1: the reserved bit "MUST remain unset (0x0) when sending and MUST be ignored when receiving."
      streamId: ((src[at + 5] << 24) | (src[at + 6] << 16) | (src[at + 7] << 8) | src[at + 8]) & 0x7fffffff,
    };
  }

  private parse(header: FrameHeader, payload: Uint8Array): Frame {
    try {
      return parseFrame(header, payload);
    } catch (e) {
      if (e instanceof Http2ConnectionError) this.broken = true;
      throw e;
    }
  }
}
