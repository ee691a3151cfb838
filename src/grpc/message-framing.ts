import { ChunkCursor } from '../framing/chunk-cursor.js';
import { NEED_MORE } from '../framing/need-more.js';
import { GrpcError } from './errors.js';
import { GrpcStatus } from './status.js';

/** grpc-go's and grpc-js's default receive limit: 4 MiB. */
export const DEFAULT_MAX_RECEIVE_MESSAGE_SIZE = 4 * 1024 * 1024;

export interface GrpcMessage {
  /** The Compressed-Flag: the payload is encoded with the call's `grpc-encoding`. */
  compressed: boolean;
  /** A view valid until the next push(). */
  payload: Uint8Array;
}

/**
 * Splits a call's DATA bytes into Length-Prefixed-Messages (PROTOCOL-HTTP2): a 1-byte
 * Compressed-Flag, a 4-byte big-endian length, the message. DATA frame boundaries say nothing about
 * message boundaries, so any chunking gives the same messages. A length above
 * `maxReceiveMessageSize` is refused from the prefix alone, before any byte of it is buffered.
 *
 * @example
 * const decoder = new GrpcMessageDecoder();
 * decoder.push(dataFramePayload);
 * for (let m = decoder.read(); m !== NEED_MORE; m = decoder.read()) handle(m.payload);
 */
export class GrpcMessageDecoder {
  readonly maxReceiveMessageSize: number;
  private readonly cursor = new ChunkCursor();
  private flag = -1;
  private length = -1;
  private headerBytes = 0;
  private headerValue = 0;

  constructor(options: { maxReceiveMessageSize?: number } = {}) {
    this.maxReceiveMessageSize = options.maxReceiveMessageSize ?? DEFAULT_MAX_RECEIVE_MESSAGE_SIZE;
  }

  /** Add DATA bytes. The chunk must stay unmodified until read() returns NEED_MORE. */
  push(chunk: Uint8Array): void {
    this.cursor.push(chunk);
  }

  read(): GrpcMessage | typeof NEED_MORE {
    const c = this.cursor;
    if (this.flag < 0) {
      const f = c.readByte();
      if (f < 0) return NEED_MORE;
      if (f !== 0 && f !== 1) {
        throw new GrpcError(GrpcStatus.INTERNAL, `invalid compressed flag ${f} in message prefix`);
      }
      this.flag = f;
    }
    while (this.length < 0) {
      const b = c.readByte();
      if (b < 0) return NEED_MORE;
      this.headerValue = this.headerValue * 256 + b;
      if (++this.headerBytes < 4) continue;
      if (this.headerValue > this.maxReceiveMessageSize) {
        throw new GrpcError(
          GrpcStatus.RESOURCE_EXHAUSTED,
          `grpc: received message larger than max (${this.headerValue} vs. ${this.maxReceiveMessageSize})`,
        );
      }
      this.length = this.headerValue;
    }
    const payload = c.readExact(this.length);
    if (payload === null) return NEED_MORE;
    const compressed = this.flag === 1;
    this.flag = this.length = -1;
    this.headerBytes = this.headerValue = 0;
    return { compressed, payload };
  }

  /** True when the stream ended mid-message (a truncated call: INTERNAL). */
  get hasPartialMessage(): boolean {
    return this.flag >= 0 || this.cursor.buffered > 0;
  }
}

/** The 5-byte prefix for a message, to be written as writev([prefix, payload]). */
export function grpcMessagePrefix(length: number, compressed = false): Uint8Array {
  const p = new Uint8Array(5);
  p[0] = compressed ? 1 : 0;
  new DataView(p.buffer).setUint32(1, length, false);
  return p;
}

/** Prefix and payload joined, for callers that want one buffer. */
export function encodeGrpcMessage(payload: Uint8Array, compressed = false): Uint8Array {
  const out = new Uint8Array(5 + payload.byteLength);
  out.set(grpcMessagePrefix(payload.byteLength, compressed), 0);
  out.set(payload, 5);
  return out;
}
