import { ChunkCursor, TOO_LONG } from './chunk-cursor.js';
import { LineTooLong } from './errors.js';
import { NEED_MORE } from './need-more.js';

export interface LineDecoderOptions {
  /** Longest line accepted, terminator excluded. Default 64 KiB, Redis's limit for an inline request. */
  maxLineLength?: number;
  /** Also end a line at a lone `\n` (dropping a `\r` before it), as Redis does for inline commands. Default false: only `\r\n`. */
  bareLf?: boolean;
}

export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/**
 * Splits a byte stream into `\r\n`-terminated lines, however the input is chunked (a `\r` may end one
 * chunk and its `\n` start the next). Each byte is searched once. Lines come out without the terminator,
 * as views valid until the next `push()`. A line longer than `maxLineLength` throws LineTooLong as soon
 * as that is certain, without buffering more than the limit; the decoder then stays failed.
 *
 * @example
 * const lines = new LineDecoder();
 * lines.push(chunk);
 * for (const line of lines) console.log(new TextDecoder().decode(line));
 */
export class LineDecoder implements Iterable<Uint8Array> {
  readonly maxLineLength: number;
  readonly bareLf: boolean;
  private readonly cursor = new ChunkCursor();
  private failure: LineTooLong | null = null;

  constructor(options: LineDecoderOptions = {}) {
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isSafeInteger(max) || max < 0)
      throw new RangeError(`maxLineLength must be a non-negative integer`);
    this.maxLineLength = max;
    this.bareLf = options.bareLf ?? false;
  }

  /** Adds received bytes. The chunk must stay unmodified until `read()` returns NEED_MORE. */
  push(chunk: Uint8Array): this {
    if (this.failure) throw this.failure;
    this.cursor.push(chunk);
    return this;
  }

  /** The next whole line (terminator removed), or NEED_MORE. */
  read(): Uint8Array | typeof NEED_MORE {
    if (this.failure) throw this.failure;
    const line = this.cursor.readLine(this.maxLineLength, this.bareLf);
    if (line === null) return NEED_MORE;
    if (line === TOO_LONG) throw (this.failure = new LineTooLong(this.maxLineLength, this.cursor.offset));
    return line;
  }

  /** Bytes received but not yet returned as lines. */
  get buffered(): number {
    return this.cursor.buffered;
  }

  [Symbol.iterator](): Iterator<Uint8Array> {
    return {
      next: (): IteratorResult<Uint8Array> => {
        const line = this.read();
        return line === NEED_MORE ? { done: true, value: undefined } : { done: false, value: line };
      },
    };
  }
}
