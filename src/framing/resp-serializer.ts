import { WirestackError } from '../buf/errors.js';
import type { RespValue } from './resp-value.js';
import { maxUtf8Length, writeUtf8 } from './utf8.js';

const CR = 13;
const LF = 10;
const MINUS = 45;
const ZERO = 48;

export interface RespSerializerOptions {
  /** 2 (default) or 3, as negotiated by `HELLO`. RESP3-only types are written as Redis writes them to RESP2 clients. */
  protocol?: 2 | 3;
  /** Initial buffer size in bytes. Default 16 KiB; the buffer grows as needed and is reused after `take()`. */
  initialSize?: number;
}

/**
 * Writes RESP replies (or commands) into one growable buffer that is reused from batch to batch. Write
 * all replies for what a read produced, then `take()` the bytes and send them with one syscall.
 * In RESP2 mode the RESP3 types degrade the way redis-server does it: maps become flat arrays, sets and
 * pushes arrays, booleans integers, doubles and big numbers bulk strings, nulls `$-1`.
 *
 * @example
 * const out = new RespSerializer();
 * out.writeArrayHeader(2).writeBulk('foo').writeInteger(42);
 * socket.write(out.take()); // "*2\r\n$3\r\nfoo\r\n:42\r\n"
 */
export class RespSerializer {
  /** Switch to 3 after a client's `HELLO 3`; affects everything written afterwards. */
  protocol: 2 | 3;
  private buf: Uint8Array;
  private len = 0;

  constructor(options: RespSerializerOptions = {}) {
    this.protocol = options.protocol ?? 2;
    this.buf = new Uint8Array(options.initialSize ?? 16 * 1024);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.len;
  }

  /** The bytes written so far, as a view valid until the next write; the buffer is then reused. */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.len = 0;
    return out;
  }

  /** Like take(), but a copy the caller owns (to queue it, say). */
  takeCopy(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }

  /** `+text` (status reply such as OK). Text must not contain CR or LF. */
  writeSimpleString(text: string): this {
    checkLine(text, 'simple string');
    this.ensure(maxUtf8Length(text) + 3);
    this.buf[this.len++] = 43;
    this.len += writeUtf8(text, this.buf, this.len);
    return this.crlf();
  }

  /** `-text` (for example `ERR unknown command`). Text must not contain CR or LF. */
  writeError(text: string): this {
    checkLine(text, 'error');
    this.ensure(maxUtf8Length(text) + 3);
    this.buf[this.len++] = MINUS;
    this.len += writeUtf8(text, this.buf, this.len);
    return this.crlf();
  }

  /** `:n`, a signed 64-bit integer. */
  writeInteger(n: number | bigint): this {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) {
      throw new WirestackError('ERESPVALUE', `RESP integer must be a safe integer, got ${n}`);
    }
    if (typeof n === 'bigint' && (n > 2n ** 63n - 1n || n < -(2n ** 63n))) {
      throw new WirestackError('ERESPVALUE', `RESP integer must fit in 64 bits, got ${n}`);
    }
    return this.header(58, n);
  }

  /** `$len\r\npayload\r\n`, binary-safe; a string is written as UTF-8. */
  writeBulk(payload: Uint8Array | string): this {
    return this.lengthPrefixed(36, payload);
  }

  /** A null bulk string: `$-1` in RESP2, `_` in RESP3. */
  writeNull(): this {
    if (this.protocol === 3) return this.raw('_\r\n');
    return this.raw('$-1\r\n');
  }

  /** A null array: `*-1` in RESP2, `_` in RESP3. */
  writeNullArray(): this {
    if (this.protocol === 3) return this.raw('_\r\n');
    return this.raw('*-1\r\n');
  }

  /** `*n`; follow with n values. */
  writeArrayHeader(n: number): this {
    return this.header(42, count(n));
  }

  /** `%n` in RESP3 (follow with n key/value pairs); a flat array of 2n in RESP2. */
  writeMapHeader(n: number): this {
    return this.protocol === 3 ? this.header(37, count(n)) : this.header(42, count(n) * 2);
  }

  /** `~n` in RESP3, `*n` in RESP2. */
  writeSetHeader(n: number): this {
    return this.header(this.protocol === 3 ? 126 : 42, count(n));
  }

  /** `>n` in RESP3 (out-of-band data such as pub/sub messages), `*n` in RESP2. */
  writePushHeader(n: number): this {
    return this.header(this.protocol === 3 ? 62 : 42, count(n));
  }

  /** `|n` (follow with n key/value pairs, then the value they describe). RESP3 only. */
  writeAttributeHeader(n: number): this {
    if (this.protocol !== 3) throw new WirestackError('ERESPVALUE', 'attributes exist only in RESP3');
    return this.header(124, count(n));
  }

  /** `#t`/`#f` in RESP3, `:1`/`:0` in RESP2. */
  writeBoolean(b: boolean): this {
    if (this.protocol === 3) return this.raw(b ? '#t\r\n' : '#f\r\n');
    return this.raw(b ? ':1\r\n' : ':0\r\n');
  }

  /** `,x` in RESP3 (`inf`, `-inf`, `nan` included), a bulk string of the same text in RESP2. */
  writeDouble(x: number): this {
    const text = Number.isNaN(x)
      ? 'nan'
      : x === Number.POSITIVE_INFINITY
        ? 'inf'
        : x === Number.NEGATIVE_INFINITY
          ? '-inf'
          : Object.is(x, -0)
            ? '-0'
            : String(x);
    if (this.protocol !== 3) return this.writeBulk(text);
    this.ensure(text.length + 3);
    this.buf[this.len++] = 44;
    this.len += writeUtf8(text, this.buf, this.len);
    return this.crlf();
  }

  /** `(n` in RESP3, a bulk string of the decimal in RESP2. */
  writeBigNumber(n: bigint): this {
    const text = n.toString();
    if (this.protocol !== 3) return this.writeBulk(text);
    this.ensure(text.length + 3);
    this.buf[this.len++] = 40;
    this.len += writeUtf8(text, this.buf, this.len);
    return this.crlf();
  }

  /** `!len` bulk error in RESP3; in RESP2 a simple error with CR/LF replaced by spaces, as Redis does. */
  writeBulkError(payload: Uint8Array | string): this {
    if (this.protocol === 3) return this.lengthPrefixed(33, payload);
    const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
    return this.writeError(text.replace(/[\r\n]/g, ' '));
  }

  /** `=len\r\nfmt:text` in RESP3 (`fmt` is three characters such as `txt`); a bulk string of the text in RESP2. */
  writeVerbatim(format: string, text: Uint8Array | string): this {
    if (this.protocol !== 3) return this.writeBulk(text);
    if (format.length !== 3 || !/^[\x21-\x7e]{3}$/.test(format)) {
      throw new WirestackError(
        'ERESPVALUE',
        `verbatim format must be 3 printable ASCII characters, got '${format}'`,
      );
    }
    const body = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    this.header(61, body.length + 4);
    this.ensure(body.length + 6);
    this.len += writeUtf8(format, this.buf, this.len);
    this.buf[this.len++] = 58;
    this.buf.set(body, this.len);
    this.len += body.length;
    return this.crlf();
  }

  /** A command as clients send it: an array of bulk strings. */
  writeCommand(args: ReadonlyArray<Uint8Array | string>): this {
    this.writeArrayHeader(args.length);
    for (const arg of args) this.writeBulk(arg);
    return this;
  }

  /** Any parsed value, recursively (attributes are dropped in RESP2, where they cannot be expressed). */
  writeValue(value: RespValue): this {
    if (value.attributes !== undefined && this.protocol === 3) {
      this.writeAttributeHeader(value.attributes.length / 2);
      for (const v of value.attributes) this.writeValue(v);
    }
    switch (value.type) {
      case 'simple':
        return this.writeSimpleString(value.value);
      case 'error':
        return this.writeError(value.value);
      case 'integer':
        return this.writeInteger(value.value);
      case 'bulk':
        return this.writeBulk(value.value);
      case 'null':
        return this.writeNull();
      case 'boolean':
        return this.writeBoolean(value.value);
      case 'double':
        return this.writeDouble(value.value);
      case 'bignum':
        return this.writeBigNumber(value.value);
      case 'bulkError':
        return this.writeBulkError(value.value);
      case 'verbatim':
        return this.writeVerbatim(value.format, value.value);
      case 'array':
        this.writeArrayHeader(value.value.length);
        break;
      case 'map':
        this.writeMapHeader(value.value.length / 2);
        break;
      case 'set':
        this.writeSetHeader(value.value.length);
        break;
      case 'push':
        this.writePushHeader(value.value.length);
        break;
    }
    for (const v of value.value) this.writeValue(v);
    return this;
  }

  private lengthPrefixed(typeByte: number, payload: Uint8Array | string): this {
    if (typeof payload === 'string') {
      // Encode in place after a header sized for the worst case, then fix the length if it came out shorter.
      const bound = maxUtf8Length(payload);
      this.ensure(bound + 32);
      const headerStart = this.len;
      this.header(typeByte, bound);
      const bodyStart = this.len;
      const written = writeUtf8(payload, this.buf, bodyStart);
      if (written !== bound) {
        this.len = headerStart;
        this.header(typeByte, written);
        this.buf.copyWithin(this.len, bodyStart, bodyStart + written);
      }
      this.len += written;
      return this.crlf();
    }
    this.header(typeByte, payload.length);
    this.ensure(payload.length + 2);
    this.buf.set(payload, this.len);
    this.len += payload.length;
    return this.crlf();
  }

  /** `<typeByte><decimal>\r\n`, digits written directly (no string for the common small numbers). */
  private header(typeByte: number, n: number | bigint): this {
    if (typeof n === 'bigint' || n < 0 || n > 0xffffffff) {
      const text = n.toString();
      this.ensure(text.length + 3);
      this.buf[this.len++] = typeByte;
      this.len += writeUtf8(text, this.buf, this.len);
      return this.crlf();
    }
    this.ensure(14);
    const buf = this.buf;
    buf[this.len++] = typeByte;
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    let v = n;
    for (let i = this.len + digits - 1; i >= this.len; i--) {
      buf[i] = ZERO + (v % 10);
      v = Math.floor(v / 10);
    }
    this.len += digits;
    return this.crlf();
  }

  private raw(ascii: string): this {
    this.ensure(ascii.length);
    for (let i = 0; i < ascii.length; i++) this.buf[this.len++] = ascii.charCodeAt(i);
    return this;
  }

  private crlf(): this {
    this.ensure(2);
    this.buf[this.len++] = CR;
    this.buf[this.len++] = LF;
    return this;
  }

  private ensure(extra: number): void {
    const needed = this.len + extra;
    if (needed <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(needed, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
}

function count(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new WirestackError('ERESPVALUE', `RESP element count must be a non-negative integer, got ${n}`);
  return n;
}

function checkLine(text: string, what: string): void {
  // A CR or LF would end the line early and let the rest be read as another reply (reply injection).
  if (text.includes('\r') || text.includes('\n')) {
    throw new WirestackError('ERESPVALUE', `RESP ${what} must not contain CR or LF`);
  }
}
