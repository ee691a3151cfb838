import { FIELD_VALUE, TOKEN } from './char-classes.js';
import { Http1LocalError } from './errors.js';
import { STATUS_TEXT } from './status-text.js';

/** A response's header fields as name/value pairs, in the order they are written. */
export type Http1HeaderPairs = readonly (readonly [string, string])[];

const statusLines = new Map<number, Uint8Array>();

/**
 * Writes a status line and header fields (RFC 9112 sections 4 and 5) into one reused buffer, so a
 * response head costs no allocation once the buffer has grown to fit. Names and values are checked
 * byte by byte as they are copied: a CR or LF from application data can never split a response.
 */
export class ResponseHeadEncoder {
  private buf = new Uint8Array(512);
  private pos = 0;

  /** Start a head: `HTTP/1.1 <status> <reason>\r\n`. */
  begin(status: number, reason?: string): void {
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new Http1LocalError('EHTTPSTATUS', `status ${status} is not a three-digit code`);
    }
    this.pos = 0;
    if (reason === undefined) {
      let line = statusLines.get(status);
      if (line === undefined) {
        line = new TextEncoder().encode(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\n`);
        statusLines.set(status, line);
      }
      this.ensure(line.length);
      this.buf.set(line, 0);
      this.pos = line.length;
      return;
    }
    this.ascii(`HTTP/1.1 ${status} `, false);
    this.ascii(reason, true);
    this.crlf();
  }

  /** Start a last chunk with trailers: `0\r\n`, then field() per trailer, then finish(). */
  beginLastChunk(): void {
    this.pos = 0;
    this.ensure(3);
    this.buf[0] = 0x30;
    this.buf[1] = 0x0d;
    this.buf[2] = 0x0a;
    this.pos = 3;
  }

  /** Append `name: value\r\n`. Throws Http1LocalError on a name that is not a token or a value with controls. */
  field(name: string, value: string): void {
    const n = name.length;
    if (n === 0) throw new Http1LocalError('EHTTPFIELD', 'empty header name');
    this.ensure(n + value.length + 4);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = name.charCodeAt(i);
      if (c > 0xff || TOKEN[c] !== 1)
        throw new Http1LocalError('EHTTPFIELD', `header name ${JSON.stringify(name)}`);
      buf[p++] = c;
    }
    buf[p++] = 0x3a;
    buf[p++] = 0x20;
    this.pos = p;
    this.ascii(value, true);
    this.crlf();
  }

  /** End the head with the empty line; the view is valid until the next begin(). */
  finish(): Uint8Array {
    this.crlf();
    return this.buf.subarray(0, this.pos);
  }

  private ascii(s: string, checked: boolean): void {
    this.ensure(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (checked && (c > 0xff || FIELD_VALUE[c] !== 1)) {
        throw new Http1LocalError('EHTTPFIELD', `control or non-Latin-1 character in ${JSON.stringify(s)}`);
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  private crlf(): void {
    this.ensure(2);
    this.buf[this.pos++] = 0x0d;
    this.buf[this.pos++] = 0x0a;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n + 64));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }
}

const hexPrefixes: Uint8Array[] = [];

/** `<hex size>\r\n`, the line before a chunk's data (RFC 9112 section 7.1). */
export function chunkSizeLine(size: number): Uint8Array {
  if (size < 256) {
    let line = hexPrefixes[size];
    if (line === undefined) hexPrefixes[size] = line = new TextEncoder().encode(`${size.toString(16)}\r\n`);
    return line;
  }
  return new TextEncoder().encode(`${size.toString(16)}\r\n`);
}

export const CRLF_BYTES = new Uint8Array([0x0d, 0x0a]);
/** last-chunk and an empty trailer section. */
export const LAST_CHUNK = new Uint8Array([0x30, 0x0d, 0x0a, 0x0d, 0x0a]);
