import { COLON, CR, FIELD_VALUE, HEX, HTAB, LF, latin1, SP, TARGET, TOKEN } from './char-classes.js';
import { Http1LimitExceeded, Http1ProtocolError } from './errors.js';
import type {
  Http1DataEvent,
  Http1EndOfMessageEvent,
  Http1RequestEvent,
  Http1Version,
  NeedData,
} from './events.js';
import { NEED_DATA } from './events.js';
import { fieldName, isCommonFieldName, methodName } from './field-name.js';
import { Http1Headers } from './headers.js';
import type { Http1Limits } from './limits.js';

// Where the parser is in a message. Plain numbers: compared on every call.
const HEAD = 0;
const BODY_LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_CRLF = 4;
const TRAILERS = 5;
const END = 6; // body complete, EndOfMessage not yet returned
const DONE = 7;
const FAILED = 8;

const EMPTY = Buffer.alloc(0);
/** Longest target or field value compared against the previous request's instead of decoded afresh. */
const MAX_CACHED_VALUE = 256;

/** True when buf[start, end) holds exactly the characters of `s` (latin1: one byte per char). */
function sameLatin1(buf: Buffer, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = start, j = 0; i < end; i++, j++) if (buf[i] !== s.charCodeAt(j)) return false;
  return true;
}
const MIN_BUFFER = 4096;

/**
 * An incremental, sans-IO parser of HTTP/1.1 requests (RFC 9112): `receive()` appends bytes,
 * `next()` returns the next request head, body data, end of message, or NEED_DATA. One message at
 * a time: after the end of a message it returns NEED_DATA until `reset()`, so bytes of a pipelined
 * request are never parsed before the caller asks for them.
 *
 * Parsing is O(n): a head is parsed line by line as lines complete, and the search for a line end
 * resumes where the previous one stopped. Errors are thrown as Http1ProtocolError or
 * Http1LimitExceeded (each with a status hint); after one, the parser only rethrows it.
 *
 * Most users want Http1Connection, which adds the connection's state machine on top.
 *
 * @example
 * const p = new Http1Parser(resolveHttp1Limits());
 * p.receive(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
 * p.next(); // { type: 'request', method: 'GET', path: '/', ... }
 * p.next(); // { type: 'end', trailers: null }
 */
export class Http1Parser {
  private readonly limits: Http1Limits;
  /** A Buffer (not a plain Uint8Array) for its native latin1 decoding; see char-classes.ts. */
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** Where the search for the next LF resumes (bytes before it in the current line have no LF). */
  private scan = 0;
  /** Stream offset of buf[0], for error offsets. */
  private base = 0;
  private state = HEAD;
  private failure: Error | null = null;

  private sawRequestLine = false;
  private emptyLines = 0;
  private fieldBytes = 0;
  private request: Http1RequestEvent | null = null;
  private trailers: Http1Headers | null = null;
  private remaining = 0;
  private bodyBytes = 0;
  /**
   * The previous request's target with its path and query, and the previous value of each common
   * field: a keep-alive client repeats most of its head byte for byte, and comparing bytes with
   * the string we already have is cheaper than decoding a new one (and leaves nothing to collect).
   */
  private lastTarget = '';
  private lastPath = '';
  private lastQuery = '';
  private readonly lastValues = new Map<string, string>();
  /** Where a head's fields are collected; finishHead() gives the request an exact-size copy. */
  private readonly headScratch = new Http1Headers();

  constructor(limits: Http1Limits) {
    this.limits = limits;
  }

  /** Bytes received and not yet consumed by next(). */
  get buffered(): number {
    return this.end - this.start;
  }

  /** True when nothing of the current message has been received yet. */
  get atMessageStart(): boolean {
    return this.state === HEAD && !this.sawRequestLine && this.emptyLines === 0 && this.end === this.start;
  }

  /** True once the whole message, body included, has been returned. */
  get messageDone(): boolean {
    return this.state === DONE;
  }

  /** True while a message's body is being read. */
  get inBody(): boolean {
    return this.state > HEAD && this.state < DONE;
  }

  /** Append bytes. They are copied: the caller's buffer may be reused once this returns. */
  receive(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    if (n === 0) return;
    const live = this.end - this.start;
    if (this.start > 0 && (live === 0 || this.end + n > this.buf.length)) {
      // Compact before growing: consumed bytes are dropped (and views handed out over them expire).
      this.buf.copyWithin(0, this.start, this.end);
      this.scan -= this.start;
      this.base += this.start;
      this.start = 0;
      this.end = live;
    }
    if (this.end + n > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(MIN_BUFFER, this.buf.length * 2, this.end + n));
      grown.set(this.buf.subarray(0, this.end));
      this.buf = grown;
    }
    this.buf.set(bytes, this.end);
    this.end += n;
  }

  /** Forget the finished message and get ready for the next one (buffered bytes are kept). */
  reset(): void {
    if (this.state !== DONE) throw new Error('Http1Parser.reset() before the message was done');
    this.state = HEAD;
    this.sawRequestLine = false;
    this.emptyLines = 0;
    this.fieldBytes = 0;
    this.request = null;
    this.trailers = null;
    this.remaining = 0;
    this.bodyBytes = 0;
    if (this.start === this.end) {
      this.base += this.end;
      this.start = this.end = this.scan = 0;
    }
  }

  /** The next event of the current message, or NEED_DATA. Throws on malformed input. */
  next(): Http1RequestEvent | Http1DataEvent | Http1EndOfMessageEvent | NeedData {
    if (this.failure) throw this.failure;
    try {
      switch (this.state) {
        case HEAD:
          return this.readHead();
        case BODY_LENGTH:
        case CHUNK_DATA:
          return this.readData();
        case CHUNK_SIZE:
        case CHUNK_CRLF:
        case TRAILERS:
          return this.readChunked();
        case END:
          this.state = DONE;
          return { type: 'end', trailers: this.trailers };
        default:
          return NEED_DATA;
      }
    } catch (err) {
      this.state = FAILED;
      this.failure = err as Error;
      throw err;
    }
  }

  /** Index of the next LF at or after `scan`, or -1 (then `scan` moves to the end). */
  private findLineEnd(): number {
    const buf = this.buf;
    const end = this.end;
    for (let i = this.scan; i < end; i++) {
      if (buf[i] === LF) {
        this.scan = i + 1;
        return i;
      }
    }
    this.scan = end;
    return -1;
  }

  private fail(code: string, message: string, at: number, status: 400 | 501 | 505 = 400): never {
    throw new Http1ProtocolError(code, status, message, this.base + at);
  }

  /** The line [start, lf): checks the CR before the LF and returns where the line's content ends. */
  private lineContentEnd(lf: number): number {
    // RFC 9112 section 2.2: a bare LF MAY be accepted as a line end; we do not, so a front end and
    // we can never disagree about where a line ends.
    if (lf === this.start || this.buf[lf - 1] !== CR)
      this.fail('EHTTPBARELF', 'line ends in LF without CR', lf);
    return lf - 1;
  }

  private readHead(): Http1RequestEvent | NeedData {
    const limits = this.limits;
    for (;;) {
      const lf = this.findLineEnd();
      if (lf < 0) {
        const pending = this.end - this.start;
        if (!this.sawRequestLine && pending > limits.maxRequestLineBytes) {
          throw new Http1LimitExceeded(
            'EHTTPREQUESTLINETOOLONG',
            414,
            'maxRequestLineBytes',
            limits.maxRequestLineBytes,
            pending,
            'request line (at least)',
          );
        }
        if (this.sawRequestLine) this.checkFieldBytes(this.fieldBytes + pending);
        return NEED_DATA;
      }
      const lineStart = this.start;
      const lineBytes = lf + 1 - lineStart;
      const contentEnd = this.lineContentEnd(lf);
      this.start = lf + 1;
      if (!this.sawRequestLine) {
        if (lineBytes > limits.maxRequestLineBytes) {
          throw new Http1LimitExceeded(
            'EHTTPREQUESTLINETOOLONG',
            414,
            'maxRequestLineBytes',
            limits.maxRequestLineBytes,
            lineBytes,
            'request line',
          );
        }
        if (contentEnd === lineStart) {
          // RFC 9112 section 2.2: a server SHOULD ignore at least one empty line before the request-line.
          if (++this.emptyLines > limits.maxLeadingEmptyLines) {
            this.fail('EHTTPBADREQUESTLINE', 'too many empty lines before the request line', lineStart);
          }
          continue;
        }
        this.request = this.parseRequestLine(lineStart, contentEnd);
        this.sawRequestLine = true;
        continue;
      }
      this.fieldBytes += lineBytes;
      this.checkFieldBytes(this.fieldBytes);
      if (contentEnd === lineStart) return this.finishHead(this.request!);
      this.parseFieldLine(lineStart, contentEnd, this.request!.headers);
    }
  }

  private checkFieldBytes(bytes: number): void {
    if (bytes > this.limits.maxHeaderBytes) {
      throw new Http1LimitExceeded(
        'EHTTPHEADERSTOOLARGE',
        431,
        'maxHeaderBytes',
        this.limits.maxHeaderBytes,
        bytes,
        this.state === TRAILERS ? 'trailer section' : 'header section',
      );
    }
  }

  /** request-line = method SP request-target SP HTTP-version (RFC 9112 section 3). */
  private parseRequestLine(s: number, e: number): Http1RequestEvent {
    const buf = this.buf;
    let i = s;
    while (i < e && TOKEN[buf[i]] === 1) i++;
    if (i === s || i === e || buf[i] !== SP) {
      this.fail('EHTTPBADREQUESTLINE', 'request line: method must be a token followed by one SP', i);
    }
    const method = methodName(buf, s, i);
    const ts = ++i;
    while (i < e && TARGET[buf[i]] === 1) i++;
    if (i === ts || i === e || buf[i] !== SP) {
      // Section 3.2: no whitespace is allowed in the request-target; CR, controls and non-ASCII end up here too.
      this.fail('EHTTPBADREQUESTLINE', 'request line: target must be visible ASCII followed by one SP', i);
    }
    const te = i;
    const vs = i + 1;
    const version = this.parseVersion(vs, e);
    if (method === 'CONNECT') this.fail('EHTTPMETHOD', 'CONNECT is not implemented', s, 501);
    if (buf[ts] === 0x2f /* / */ && sameLatin1(buf, ts, te, this.lastTarget)) {
      const target = this.lastTarget;
      return {
        type: 'request',
        method,
        target,
        path: this.lastPath,
        query: this.lastQuery,
        version,
        headers: this.headScratch,
      };
    }
    const target = latin1(buf, ts, te);
    let path: string;
    let query = '';
    if (buf[ts] === 0x2f /* / */) {
      const q = target.indexOf('?');
      path = q < 0 ? target : target.slice(0, q);
      if (q >= 0) query = target.slice(q + 1);
      if (target.length <= MAX_CACHED_VALUE) {
        this.lastTarget = target;
        this.lastPath = path;
        this.lastQuery = query;
      }
    } else if (target === '*') {
      // Section 3.2.4: the asterisk-form is only used for a server-wide OPTIONS request.
      if (method !== 'OPTIONS') this.fail('EHTTPBADTARGET', 'asterisk-form target is only for OPTIONS', ts);
      path = '*';
    } else {
      // Section 3.2.2: a server MUST accept the absolute-form; we serve its path and query.
      const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(?:\?([^#]*))?/.exec(target);
      if (!m) this.fail('EHTTPBADTARGET', 'request target is neither origin-form, absolute-form nor *', ts);
      path = m[1] === '' ? '/' : m[1];
      query = m[2] ?? '';
    }
    return { type: 'request', method, target, path, query, version, headers: this.headScratch };
  }

  /** HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 section 2.3): exactly 8 bytes, case-sensitive. */
  private parseVersion(s: number, e: number): Http1Version {
    const b = this.buf;
    if (
      e - s !== 8 ||
      b[s] !== 0x48 ||
      b[s + 1] !== 0x54 ||
      b[s + 2] !== 0x54 ||
      b[s + 3] !== 0x50 ||
      b[s + 4] !== 0x2f ||
      b[s + 6] !== 0x2e ||
      b[s + 5] < 0x30 ||
      b[s + 5] > 0x39 ||
      b[s + 7] < 0x30 ||
      b[s + 7] > 0x39
    ) {
      this.fail('EHTTPBADREQUESTLINE', 'request line: version must be HTTP/DIGIT.DIGIT', s);
    }
    if (b[s + 5] === 0x31 && b[s + 7] === 0x31) return '1.1';
    if (b[s + 5] === 0x31 && b[s + 7] === 0x30) return '1.0';
    return this.fail('EHTTPVERSION', `HTTP/${latin1(b, s + 5, e)} is not supported`, s, 505);
  }

  /** field-line = field-name ":" OWS field-value OWS (RFC 9112 section 5). */
  private parseFieldLine(s: number, e: number, into: Http1Headers): void {
    const buf = this.buf;
    if (buf[s] === SP || buf[s] === HTAB) {
      // Section 5.2: obs-fold; a server MUST reject it with 400 or unfold it. We reject.
      this.fail('EHTTPOBSFOLD', 'obsolete line folding (a field line starting with whitespace)', s);
    }
    let i = s;
    while (i < e && TOKEN[buf[i]] === 1) i++;
    if (i === e || buf[i] !== COLON) {
      if (buf[i] === SP || buf[i] === HTAB) {
        // Section 5.1: whitespace between field name and colon: a server MUST reject with 400.
        this.fail('EHTTPSPACEBEFORECOLON', 'whitespace between a field name and its colon', i);
      }
      this.fail('EHTTPBADFIELDNAME', 'field name must be a token followed by ":"', i);
    }
    if (i === s) this.fail('EHTTPBADFIELDNAME', 'empty field name', s);
    const name = fieldName(buf, s, i);
    let vs = i + 1;
    let ve = e;
    while (vs < ve && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
    for (let j = vs; j < ve; j++) {
      if (FIELD_VALUE[buf[j]] !== 1) {
        // Section 2.2: a bare CR MUST be treated as invalid (or replaced by SP); NUL and other controls too.
        if (buf[j] === CR) this.fail('EHTTPBARECR', 'bare CR in a field value', j);
        this.fail('EHTTPBADFIELDVALUE', `control byte 0x${buf[j].toString(16)} in a field value`, j);
      }
    }
    if (into.size >= this.limits.maxHeaderCount) {
      throw new Http1LimitExceeded(
        'EHTTPTOOMANYHEADERS',
        431,
        'maxHeaderCount',
        this.limits.maxHeaderCount,
        into.size + 1,
        this.state === TRAILERS ? 'trailer fields' : 'header fields',
      );
    }
    // Only interned (common) names are cached, so the cache stays as small as that table.
    const cacheable = ve - vs <= MAX_CACHED_VALUE && isCommonFieldName(name);
    const last = cacheable ? this.lastValues.get(name) : undefined;
    if (last !== undefined && sameLatin1(buf, vs, ve, last)) {
      into.add(name, last);
      return;
    }
    const value = latin1(buf, vs, ve);
    if (cacheable) this.lastValues.set(name, value);
    into.add(name, value);
  }

  /** Decide how the body is framed (RFC 9112 section 6.3) and check the head as a whole. */
  private finishHead(req: Http1RequestEvent): Http1RequestEvent {
    req.headers = this.headScratch.detach();
    const h = req.headers;
    let hosts = 0;
    let lengths = 0;
    let lengthValue = '';
    let codings: string | null = null;
    for (let i = 0; i < h.names.length; i++) {
      const name = h.names[i];
      if (name === 'host') hosts++;
      else if (name === 'content-length') {
        lengths++;
        lengthValue = h.values[i];
      } else if (name === 'transfer-encoding')
        codings = codings === null ? h.values[i] : `${codings},${h.values[i]}`;
    }
    const at = this.start;
    // Section 3.2: a server MUST respond 400 to an HTTP/1.1 request without Host, or with more than one.
    if (hosts > 1) this.fail('EHTTPHOST', 'more than one Host field', at);
    if (hosts === 0 && req.version === '1.1') this.fail('EHTTPHOST', 'HTTP/1.1 request without Host', at);
    if (codings !== null) {
      // Section 6.1: an HTTP/1.0 message with Transfer-Encoding MUST be treated as faultily framed.
      if (req.version === '1.0') this.fail('EHTTPSMUGGLING', 'Transfer-Encoding in an HTTP/1.0 request', at);
      // Section 6.1/6.3 and 11.2: both framings at once is how requests get smuggled; we reject.
      if (lengths > 0) this.fail('EHTTPSMUGGLING', 'both Content-Length and Transfer-Encoding', at);
      const list = codings
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c !== '');
      // Section 6.3: if chunked is not the final coding the length cannot be determined: 400 and close.
      if (
        list.length === 0 ||
        list[list.length - 1] !== 'chunked' ||
        list.indexOf('chunked') !== list.length - 1
      ) {
        this.fail('EHTTPSMUGGLING', `Transfer-Encoding "${codings}" does not end with one chunked`, at);
      }
      // Section 6.1: a coding we do not understand SHOULD be answered with 501.
      if (list.length > 1) this.fail('EHTTPUNSUPPORTEDTE', `Transfer-Encoding "${codings}"`, at, 501);
      this.state = CHUNK_SIZE;
      return req;
    }
    if (lengths > 0) {
      // Section 6.3 point 5: an invalid Content-Length MUST be answered with 400. Repeated fields,
      // even equal, are rejected: proxies disagree on which one wins.
      if (lengths > 1) this.fail('EHTTPSMUGGLING', 'more than one Content-Length field', at);
      if (!/^[0-9]+$/.test(lengthValue))
        this.fail('EHTTPBADCONTENTLENGTH', `Content-Length "${lengthValue}"`, at);
      const n = lengthValue.length > 15 ? Number.MAX_SAFE_INTEGER : Number(lengthValue);
      this.checkBodyBytes(n);
      this.remaining = n;
      this.state = n > 0 ? BODY_LENGTH : END;
      return req;
    }
    // Section 6.3 point 7: a request with neither has no body.
    this.state = END;
    return req;
  }

  private checkBodyBytes(total: number): void {
    if (total > this.limits.maxBodyBytes) {
      throw new Http1LimitExceeded(
        'EHTTPBODYTOOLARGE',
        413,
        'maxBodyBytes',
        this.limits.maxBodyBytes,
        total,
        'request body',
      );
    }
  }

  private readData(): Http1DataEvent | Http1EndOfMessageEvent | NeedData {
    const avail = this.end - this.start;
    if (avail === 0) return NEED_DATA;
    const n = Math.min(avail, this.remaining);
    // A plain Uint8Array view, not a Buffer: Buffer's slice() does not copy, and consumers copy
    // event data with slice().
    const data = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.start, n);
    this.start += n;
    this.scan = this.start;
    this.remaining -= n;
    if (this.remaining === 0) this.state = this.state === BODY_LENGTH ? END : CHUNK_CRLF;
    return { type: 'data', data };
  }

  /** chunked-body = *chunk last-chunk trailer-section CRLF (RFC 9112 section 7.1). */
  private readChunked(): Http1DataEvent | Http1EndOfMessageEvent | NeedData {
    for (;;) {
      if (this.state === CHUNK_CRLF) {
        const avail = this.end - this.start;
        if (avail >= 1 && this.buf[this.start] !== CR)
          this.fail('EHTTPBADCHUNK', 'chunk data not followed by CRLF', this.start);
        if (avail < 2) return NEED_DATA;
        if (this.buf[this.start + 1] !== LF)
          this.fail('EHTTPBADCHUNK', 'chunk data not followed by CRLF', this.start + 1);
        this.start += 2;
        this.scan = this.start;
        this.state = CHUNK_SIZE;
      }
      if (this.state === CHUNK_SIZE) {
        const lf = this.findLineEnd();
        if (lf < 0) {
          if (this.end - this.start > this.limits.maxChunkLineBytes) {
            this.fail(
              'EHTTPBADCHUNK',
              `chunk-size line longer than maxChunkLineBytes=${this.limits.maxChunkLineBytes}`,
              this.start,
            );
          }
          return NEED_DATA;
        }
        if (lf + 1 - this.start > this.limits.maxChunkLineBytes) {
          this.fail(
            'EHTTPBADCHUNK',
            `chunk-size line longer than maxChunkLineBytes=${this.limits.maxChunkLineBytes}`,
            this.start,
          );
        }
        const size = this.parseChunkSize(this.start, this.lineContentEnd(lf));
        this.start = lf + 1;
        if (size === 0) {
          this.state = TRAILERS;
          this.fieldBytes = 0;
          continue;
        }
        this.bodyBytes += size;
        this.checkBodyBytes(this.bodyBytes);
        this.remaining = size;
        this.state = CHUNK_DATA;
        return this.readData();
      }
      if (this.state === CHUNK_DATA) return this.readData();
      // TRAILERS
      const lf = this.findLineEnd();
      if (lf < 0) {
        this.checkFieldBytes(this.fieldBytes + (this.end - this.start));
        return NEED_DATA;
      }
      const lineStart = this.start;
      const contentEnd = this.lineContentEnd(lf);
      this.fieldBytes += lf + 1 - lineStart;
      this.checkFieldBytes(this.fieldBytes);
      this.start = lf + 1;
      if (contentEnd === lineStart) {
        this.state = DONE;
        return { type: 'end', trailers: this.trailers };
      }
      this.trailers ??= new Http1Headers();
      this.parseFieldLine(lineStart, contentEnd, this.trailers);
    }
  }

  /** chunk-size = 1*HEXDIG, then optional BWS and chunk extensions, which we ignore (section 7.1.1). */
  private parseChunkSize(s: number, e: number): number {
    const buf = this.buf;
    let i = s;
    let size = 0;
    while (i < e && HEX[buf[i]] !== 255) {
      // 13 hex digits already exceed any sane maxBodyBytes; stop before the number loses precision.
      if (i - s >= 13) this.fail('EHTTPBADCHUNK', 'chunk size has too many digits', i);
      size = size * 16 + HEX[buf[i]];
      i++;
    }
    if (i === s) this.fail('EHTTPBADCHUNK', 'chunk size must start with a hex digit', s);
    while (i < e && (buf[i] === SP || buf[i] === HTAB)) i++;
    if (i < e) {
      if (buf[i] !== 0x3b /* ; */)
        this.fail('EHTTPBADCHUNK', 'chunk size followed by something other than ";"', i);
      for (let j = i; j < e; j++) {
        if (FIELD_VALUE[buf[j]] !== 1) this.fail('EHTTPBADCHUNK', 'control byte in a chunk extension', j);
      }
    }
    return size;
  }
}
