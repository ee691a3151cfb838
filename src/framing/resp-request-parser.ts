import { ChunkCursor, TOO_LONG } from './chunk-cursor.js';
import { RespProtocolError } from './errors.js';
import { splitInlineCommand } from './inline-command.js';
import { NEED_MORE } from './need-more.js';
import { parseRespInteger } from './resp-integer.js';
import { MAX_PREALLOCATED_ELEMENTS, type RespLimits, resolveRespLimits } from './resp-limits.js';

export interface RespRequestParserOptions extends RespLimits {
  /**
   * Most bytes one command may take, all its arguments together. Redis `client-query-buffer-limit`:
   * 1 GiB. Checked at each bulk header, before its payload is buffered.
   */
  maxQueryBufferSize?: number;
}

export const DEFAULT_MAX_QUERY_BUFFER_SIZE = 1024 * 1024 * 1024;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/**
 * Reads client commands the way redis-server does: a multibulk request (`*<n>\r\n` then n bulk
 * strings) or, when the first byte is not `*`, an inline command line split on whitespace with quoting.
 * Each command comes out as its arguments, views valid until the next `push()`. Empty inline lines and
 * `*0`/negative counts are skipped, as Redis does. Errors are RespProtocolError with Redis's own text
 * (`Protocol error: expected '$', got 'f'`), ready for `-ERR <message>` before closing the connection.
 *
 * @example
 * const requests = new RespRequestParser();
 * requests.push(chunk);
 * for (let argv = requests.read(); argv !== NEED_MORE; argv = requests.read()) run(bytesToString(argv[0]), argv);
 */
export class RespRequestParser implements Iterable<Uint8Array[]> {
  readonly limits: Readonly<Required<RespLimits>>;
  readonly maxQueryBufferSize: number;
  private readonly cursor = new ChunkCursor();
  private commandStart = 0;
  private args: Uint8Array[] | null = null;
  private filled = 0;
  private remaining = 0;
  private bulkLength = -1;
  // Arguments before this index are already our own copies (see suspend).
  private detached = 0;
  private failure: RespProtocolError | null = null;

  constructor(options: RespRequestParserOptions = {}) {
    this.limits = resolveRespLimits(options);
    this.maxQueryBufferSize = options.maxQueryBufferSize ?? DEFAULT_MAX_QUERY_BUFFER_SIZE;
    if (!Number.isSafeInteger(this.maxQueryBufferSize) || this.maxQueryBufferSize < 0) {
      throw new RangeError('maxQueryBufferSize must be a non-negative integer');
    }
  }

  /** Adds received bytes. The chunk must stay unmodified until `read()` returns NEED_MORE. */
  push(chunk: Uint8Array): this {
    if (this.failure) throw this.failure;
    this.cursor.push(chunk);
    return this;
  }

  /** The next command's arguments, or NEED_MORE. */
  read(): Uint8Array[] | typeof NEED_MORE {
    if (this.failure) throw this.failure;
    const cursor = this.cursor;
    const limits = this.limits;
    for (;;) {
      if (this.args === null) {
        const first = cursor.peekByte();
        if (first < 0) return NEED_MORE;
        const start = cursor.offset;
        if (first !== STAR) {
          // Inline: Redis ends the line at \n and drops a \r before it.
          const line = cursor.readLine(limits.maxInlineLength, true);
          if (line === null) return NEED_MORE;
          if (line === TOO_LONG)
            throw this.fail('Protocol error: too big inline request', start, 'maxInlineLength');
          let argv: Uint8Array[];
          try {
            argv = splitInlineCommand(line, start);
          } catch (e) {
            this.failure = e as RespProtocolError;
            throw e;
          }
          if (argv.length === 0) continue;
          return argv;
        }
        const n = this.readHeaderNumber('mbulk count string');
        if (n === null) return NEED_MORE;
        if (Number.isNaN(n)) throw this.fail('Protocol error: invalid multibulk length', start);
        if (n > limits.maxMultibulkLength) {
          throw this.fail('Protocol error: invalid multibulk length', start, 'maxMultibulkLength');
        }
        if (n <= 0) continue;
        this.commandStart = start;
        this.args = new Array(Math.min(n, MAX_PREALLOCATED_ELEMENTS));
        this.filled = 0;
        this.detached = 0;
        this.remaining = n;
      }
      while (this.remaining > 0) {
        if (this.bulkLength < 0) {
          const first = cursor.peekByte();
          if (first < 0) return this.suspend();
          const start = cursor.offset;
          if (first !== DOLLAR) {
            throw this.fail(`Protocol error: expected '$', got '${String.fromCharCode(first)}'`, start);
          }
          const n = this.readHeaderNumber('bulk count string');
          if (n === null) return this.suspend();
          if (!(n >= 0)) throw this.fail('Protocol error: invalid bulk length', start);
          if (n > limits.maxBulkLength)
            throw this.fail('Protocol error: invalid bulk length', start, 'maxBulkLength');
          if (cursor.offset - this.commandStart + n + 2 > this.maxQueryBufferSize) {
            // Redis just closes such a client ("reached max query buffer length"); we say why first.
            throw this.fail('Protocol error: query buffer limit reached', start, 'maxQueryBufferSize');
          }
          this.bulkLength = n;
        }
        const n = this.bulkLength;
        if (cursor.buffered >= n + 2 && (cursor.peekAt(n) !== CR || cursor.peekAt(n + 1) !== LF)) {
          throw this.fail('Protocol error: bulk string not terminated by CRLF', cursor.offset + n);
        }
        const payload = cursor.readExact(n + 2, n);
        if (payload === null) return this.suspend();
        this.args![this.filled++] = payload;
        this.bulkLength = -1;
        this.remaining--;
      }
      const argv = this.args!;
      this.args = null;
      return argv;
    }
  }

  /** True while a command has started but not all of it has arrived (a server is mid-request). */
  get inCommand(): boolean {
    return this.args !== null || this.cursor.buffered > 0;
  }

  /** Bytes received but not yet consumed. */
  get buffered(): number {
    return this.cursor.buffered;
  }

  [Symbol.iterator](): Iterator<Uint8Array[]> {
    return {
      next: (): IteratorResult<Uint8Array[]> => {
        const argv = this.read();
        return argv === NEED_MORE ? { done: true, value: undefined } : { done: false, value: argv };
      },
    };
  }

  /** The number in a `*` or `$` header line (NaN if malformed), or null when the line is incomplete. */
  private readHeaderNumber(what: string): number | null {
    const cursor = this.cursor;
    const max = this.limits.maxInlineLength;
    const fast = cursor.readCountLine(max);
    if (fast >= 0) return fast;
    const start = cursor.offset;
    const line = cursor.readLine(max, false);
    if (line === null) return null;
    if (line === TOO_LONG) throw this.fail(`Protocol error: too big ${what}`, start, 'maxInlineLength');
    return parseRespInteger(line, 1);
  }

  private suspend(): typeof NEED_MORE {
    // The command continues in a later chunk: arguments that are views into this one become copies.
    const args = this.args!;
    for (let i = this.detached; i < this.filled; i++) args[i] = args[i].slice();
    this.detached = this.filled;
    return NEED_MORE;
  }

  private fail(message: string, offset: number, limit?: string): RespProtocolError {
    this.failure = new RespProtocolError(message, offset, limit);
    return this.failure;
  }
}
