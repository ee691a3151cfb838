import { DecodeError } from '../buf/errors.js';
import { ChunkCursor } from './chunk-cursor.js';
import { FrameTooLarge } from './errors.js';
import {
  type LengthPrefix,
  type LengthPrefixOptions,
  MAX_VARINT_BYTES,
  resolveLengthPrefixOptions,
} from './length-prefix.js';
import { NEED_MORE } from './need-more.js';

/**
 * Splits a byte stream into length-prefixed frames. Push chunks as they arrive, in any sizes, then
 * `read()` frames until NEED_MORE. A frame inside one chunk is a view of it (no copy); a frame spread
 * over chunks is assembled in a reused buffer. Frames stay valid until the next `push()`; `slice()` one
 * to keep it longer. After an error the decoder is dead: every call throws the same error again.
 *
 * @example
 * const decoder = new LengthPrefixDecoder({ maxFrameSize: 1 << 20 });
 * decoder.push(chunk);
 * for (let frame = decoder.read(); frame !== NEED_MORE; frame = decoder.read()) handle(frame);
 */
export class LengthPrefixDecoder implements Iterable<Uint8Array> {
  readonly prefix: LengthPrefix;
  readonly maxFrameSize: number;
  private readonly cursor = new ChunkCursor();
  private readonly headerSize: number;
  // Frame being read: -1 while its header is incomplete.
  private frameLength = -1;
  private headerValue = 0;
  private headerBytes = 0;
  private frameStart = 0;
  private failure: DecodeError | null = null;

  constructor(options: LengthPrefixOptions = {}) {
    const resolved = resolveLengthPrefixOptions(options);
    this.prefix = resolved.prefix;
    this.maxFrameSize = resolved.maxFrameSize;
    this.headerSize = resolved.prefix === 'varint' ? MAX_VARINT_BYTES : resolved.prefix;
  }

  /** Adds received bytes. The chunk must stay unmodified until `read()` returns NEED_MORE. */
  push(chunk: Uint8Array): this {
    if (this.failure) throw this.failure;
    this.cursor.push(chunk);
    return this;
  }

  /** The next whole frame's payload, or NEED_MORE. Throws FrameTooLarge or DecodeError on hostile input. */
  read(): Uint8Array | typeof NEED_MORE {
    if (this.failure) throw this.failure;
    const cursor = this.cursor;
    while (this.frameLength < 0) {
      const b = cursor.readByte();
      if (b < 0) return NEED_MORE;
      if (this.headerBytes === 0) this.frameStart = cursor.offset - 1;
      if (this.prefix === 'varint') {
        this.headerValue += (b & 0x7f) * 2 ** (7 * this.headerBytes);
        this.headerBytes++;
        // Checked per byte: a hostile varint is refused before it even ends.
        if (this.headerValue > this.maxFrameSize) throw this.tooLarge();
        if (b & 0x80) {
          if (this.headerBytes === this.headerSize) {
            throw this.fail(
              new DecodeError(
                'EVARINT',
                `varint length prefix longer than ${this.headerSize} bytes`,
                this.frameStart,
              ),
            );
          }
          continue;
        }
      } else {
        this.headerValue = this.headerValue * 256 + b;
        if (++this.headerBytes < this.headerSize) continue;
        if (this.headerValue > this.maxFrameSize) throw this.tooLarge();
      }
      this.frameLength = this.headerValue;
    }
    const payload = cursor.readExact(this.frameLength);
    if (payload === null) return NEED_MORE;
    this.frameLength = -1;
    this.headerValue = 0;
    this.headerBytes = 0;
    return payload;
  }

  /** Bytes received but not yet returned as frames (header bytes already parsed are not counted). */
  get buffered(): number {
    return this.cursor.buffered;
  }

  /** Iterates the frames available now; `for (const f of decoder.push(chunk))`. */
  [Symbol.iterator](): Iterator<Uint8Array> {
    return {
      next: (): IteratorResult<Uint8Array> => {
        const frame = this.read();
        return frame === NEED_MORE ? { done: true, value: undefined } : { done: false, value: frame };
      },
    };
  }

  private tooLarge(): FrameTooLarge {
    return this.fail(new FrameTooLarge(this.maxFrameSize, this.headerValue, this.frameStart));
  }

  private fail<E extends DecodeError>(error: E): E {
    this.failure = error;
    return error;
  }
}
