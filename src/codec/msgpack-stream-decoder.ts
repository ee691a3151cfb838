import { DecodeError } from '../buf/errors.js';
import { MsgpackDecoder } from './msgpack-decoder.js';
import { type MsgpackDecoderOptions, resolveLimits } from './msgpack-decoder-options.js';
import { MsgpackDecodeCode, overLimit } from './msgpack-errors.js';
import { MsgpackValueScanner } from './msgpack-value-scanner.js';

/**
 * What `MsgpackStreamDecoder.next()` returns when the buffered bytes hold no complete value yet.
 *
 * @example
 * for (let v = stream.next(); v !== NEED_MORE; v = stream.next()) handle(v);
 */
export const NEED_MORE: unique symbol = Symbol('wirestack.msgpack.NEED_MORE');
export type NeedMore = typeof NEED_MORE;

/**
 * Stream decoder options: the decoder's, plus a bound on unconsumed input.
 *
 * @example
 * new MsgpackStreamDecoder({ maxBufferedBytes: 1024 * 1024, maxDepth: 16 });
 */
export interface MsgpackStreamDecoderOptions extends MsgpackDecoderOptions {
  /**
   * Most bytes held between `push` and `next` (a value still arriving, plus any not yet taken).
   * Default 128 MiB: twice the largest default payload limit (bin, 64 MiB), so any value within the
   * default limits fits. Call `next()` until `NEED_MORE` after each `push` so this bounds one value.
   */
  maxBufferedBytes?: number;
}

/** Default of {@link MsgpackStreamDecoderOptions.maxBufferedBytes}. */
export const MSGPACK_DEFAULT_MAX_BUFFERED_BYTES = 128 * 1024 * 1024;

/**
 * Decodes a sequence of MessagePack values arriving in chunks of any size. `push` appends bytes;
 * `next` returns the next complete value or {@link NEED_MORE}; a malformed stream throws a
 * `DecodeError` whose offset counts from the first byte ever pushed, and every later call throws
 * the same error (a byte stream cannot resynchronise). Results do not depend on how input is split.
 *
 * @example
 * const stream = new MsgpackStreamDecoder();
 * stream.push(new Uint8Array([0x92, 0x01]));
 * stream.next(); // NEED_MORE
 * stream.push(new Uint8Array([0x02, 0xc3]));
 * stream.next(); // [1, 2]
 * stream.next(); // true
 */
export class MsgpackStreamDecoder {
  private buf = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  /** Absolute stream offset of `buf[0]`. */
  private base = 0;
  private failure: unknown;
  private readonly decoder: MsgpackDecoder;
  private readonly scanner: MsgpackValueScanner;
  private readonly maxBufferedBytes: number;

  constructor(options: MsgpackStreamDecoderOptions = {}) {
    // Values outlive the buffer they were decoded from (it is compacted and reused), so bin is copied.
    this.decoder = new MsgpackDecoder({ ...options, binary: 'copy' });
    this.scanner = new MsgpackValueScanner(resolveLimits(options));
    this.maxBufferedBytes = options.maxBufferedBytes ?? MSGPACK_DEFAULT_MAX_BUFFERED_BYTES;
  }

  /** Bytes received but not yet returned as values. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Appends a chunk (copied; the caller may reuse it). */
  push(chunk: Uint8Array): void {
    const held = this.end - this.start;
    if (held + chunk.length > this.maxBufferedBytes) {
      overLimit(
        'maxBufferedBytes',
        this.maxBufferedBytes,
        held + chunk.length,
        'unconsumed stream bytes',
        this.base + this.end,
      );
    }
    if (this.end + chunk.length > this.buf.length) {
      if (held + chunk.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(this.buf.length * 2, held + chunk.length));
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.base += this.start;
      this.end = held;
      this.start = 0;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next complete value, or `NEED_MORE`. Throws a `DecodeError` on malformed input. */
  next(): unknown {
    if (this.failure !== undefined) throw this.failure;
    if (this.start === this.end) return NEED_MORE;
    try {
      const stop = this.scanner.scan(this.buf, this.start, this.end, this.base);
      if (stop < 0) return NEED_MORE;
      const value = this.decoder.decodeRange(this.buf, this.start, stop, this.base + this.start);
      this.start = stop;
      if (stop === this.end) {
        this.base += stop;
        this.start = this.end = 0;
      }
      return value;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /** Call at end of input: throws if a partial value is still buffered. */
  finish(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.end > this.start) {
      throw new DecodeError(
        MsgpackDecodeCode.truncated,
        `stream ended inside a value (${this.end - this.start} bytes buffered)`,
        this.base + this.start,
      );
    }
  }
}
