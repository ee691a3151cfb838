import {
  CLIENT_TRANSITIONS,
  type Http1State,
  type Http1Trigger,
  SERVER_TRANSITIONS,
  transition,
} from './connection-states.js';
import { Http1LocalError, Http1ProtocolError } from './errors.js';
import type { Http1Event, Http1RequestEvent, Http1Version, NeedData, Paused } from './events.js';
import { NEED_DATA, PAUSED } from './events.js';
import { type Http1Limits, resolveHttp1Limits } from './limits.js';
import { Http1Parser } from './parser.js';
import {
  CRLF_BYTES,
  chunkSizeLine,
  type Http1HeaderPairs,
  LAST_CHUNK,
  ResponseHeadEncoder,
} from './response-head-encoder.js';

/** What the server sends: a 1xx, a response head, body data, and the end of the response. */
export type Http1OutgoingEvent =
  | { type: 'informational'; status: number; headers?: Http1HeaderPairs }
  | { type: 'response'; status: number; reason?: string; headers?: Http1HeaderPairs }
  | { type: 'data'; data: Uint8Array }
  | { type: 'end'; trailers?: Http1HeaderPairs };

/** How our response body is delimited (RFC 9112 section 6). */
type Framing = 'none' | 'length' | 'chunked' | 'close';

const NO_CHUNKS: Uint8Array[] = [];

/**
 * The server side of one HTTP/1.1 connection, sans-IO (after Python's h11): feed it the bytes you
 * read with `receive()`, pull events with `nextEvent()`, and turn your response into bytes with
 * `send()` (or `respond()` for a whole response at once). It owns the protocol rules: request
 * framing and smuggling defences, keep-alive (RFC 9112 section 9.3, HTTP/1.0 included), pipelining
 * (PAUSED until `startNextCycle()`, so responses leave in request order), `Expect: 100-continue`,
 * HEAD and bodiless statuses, and response framing (Content-Length, chunked, or close-delimited
 * for HTTP/1.0). It has no sockets and no timers: a driver does I/O and keeps the clock.
 *
 * @example
 * const conn = new Http1Connection();
 * conn.receive(bytes);
 * for (let ev = conn.nextEvent(); ev !== NEED_DATA && ev !== PAUSED; ev = conn.nextEvent()) {
 *   if (ev.type === 'end') socket.writev(conn.respond(200, [['content-type', 'text/plain']], body));
 * }
 * if (conn.ourState === 'DONE' && conn.theirState === 'DONE') conn.startNextCycle();
 */
export class Http1Connection {
  private readonly parser: Http1Parser;
  private readonly head = new ResponseHeadEncoder();
  private their: Http1State = 'IDLE';
  private ours: Http1State = 'IDLE';
  private eof = false;
  private failure: Error | null = null;
  private keepAliveFlag = true;
  private waiting100 = false;
  private requestMethod = '';
  private requestVersion: Http1Version = '1.1';
  private framing: Framing = 'none';
  private lengthLeft = 0;

  constructor(limits: Partial<Http1Limits> = {}) {
    this.parser = new Http1Parser(resolveHttp1Limits(limits));
  }

  /** The client's side of the state machine. */
  get theirState(): Http1State {
    return this.their;
  }

  /** Our (the server's) side of the state machine. */
  get ourState(): Http1State {
    return this.ours;
  }

  /** False once either side asked to close after this exchange (or HTTP/1.0 did not ask to keep alive). */
  get keepAlive(): boolean {
    return this.keepAliveFlag;
  }

  /** The client sent `Expect: 100-continue` and waits for a 100 (or a final response) before its body. */
  get clientIsWaitingFor100Continue(): boolean {
    return this.waiting100;
  }

  /** Received bytes not parsed yet (for a driver that bounds what a pipelining client may queue). */
  get buffered(): number {
    return this.parser.buffered;
  }

  /** Part of a request head has arrived but not all of it: the driver's header-read timer runs. */
  get readingHead(): boolean {
    return this.their === 'IDLE' && !this.parser.atMessageStart;
  }

  /** The error that put the client side in ERROR, if any. */
  get error(): Error | null {
    return this.failure;
  }

  /** Bytes read from the peer. They are copied; the caller may reuse its buffer. */
  receive(bytes: Uint8Array): void {
    if (this.eof) throw new Http1LocalError('EHTTPAFTEREOF', 'receive() after receiveEof()');
    this.parser.receive(bytes);
  }

  /** The peer closed its sending side. */
  receiveEof(): void {
    this.eof = true;
  }

  /**
   * The next event, NEED_DATA (receive more), or PAUSED (finish the current response, then call
   * startNextCycle()). Throws Http1ProtocolError / Http1LimitExceeded on bad input; its `status`
   * says what to answer (with `Connection: close`, which `sendError` adds).
   */
  nextEvent(): Http1Event | NeedData | Paused {
    if (this.their === 'ERROR') throw this.failure;
    if (this.their === 'CLOSED') return { type: 'closed' };
    if (this.their === 'DONE' || this.their === 'MUST_CLOSE') return PAUSED;
    let ev: ReturnType<Http1Parser['next']>;
    try {
      ev = this.parser.next();
      if (ev === NEED_DATA) {
        if (!this.eof) return NEED_DATA;
        if (this.their === 'IDLE' && this.parser.atMessageStart) {
          this.their = 'CLOSED';
          return { type: 'closed' };
        }
        throw new Http1ProtocolError('EHTTPINCOMPLETE', 400, 'connection closed in the middle of a request');
      }
      if (ev.type === 'request') this.onRequest(ev);
    } catch (err) {
      this.their = 'ERROR';
      this.keepAliveFlag = false;
      this.failure = err as Error;
      throw err;
    }
    if (ev.type === 'data') this.waiting100 = false;
    else if (ev.type === 'end') this.moveTheirs('end');
    return ev;
  }

  private onRequest(req: Http1RequestEvent): void {
    this.moveTheirs('request');
    this.moveOurs('request');
    this.requestMethod = req.method;
    this.requestVersion = req.version;
    // RFC 9112 section 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
    const connection = req.headers.get('connection');
    const tokens = connection === undefined ? '' : connection.toLowerCase();
    if (hasToken(tokens, 'close')) this.keepAliveFlag = false;
    else if (req.version === '1.0' && !hasToken(tokens, 'keep-alive')) this.keepAliveFlag = false;
    const expect = req.headers.get('expect');
    if (expect !== undefined) {
      // RFC 9110 section 10.1.1: 100-continue is the only expectation; others get 417.
      if (expect.toLowerCase() !== '100-continue') {
        throw new Http1ProtocolError('EHTTPEXPECTATION', 417, `Expect: ${expect} is not supported`);
      }
      // A 100 is only for HTTP/1.1 clients, and only useful when a body follows.
      this.waiting100 = req.version === '1.1' && this.parser.inBody;
    }
  }

  /** Both sides are DONE and the connection persists: get ready for the next request. */
  startNextCycle(): void {
    if (this.their !== 'DONE' || this.ours !== 'DONE') {
      throw new Http1LocalError('EHTTPSTATE', `startNextCycle() in states ${this.their}/${this.ours}`);
    }
    this.parser.reset();
    this.their = this.ours = 'IDLE';
    this.waiting100 = false;
    this.framing = 'none';
  }

  /**
   * The bytes for one outgoing event, as chunks to write in order (e.g. with writev). A response
   * head is written into a reused buffer: write the chunks before the next `send()`.
   */
  send(event: Http1OutgoingEvent): Uint8Array[] {
    switch (event.type) {
      case 'informational':
        return this.sendInformational(event.status, event.headers);
      case 'response':
        return [this.sendHead(event.status, event.reason, event.headers ?? [], -1, 'response')];
      case 'data':
        return this.sendData(event.data);
      case 'end':
        return this.sendEnd(event.trailers);
    }
  }

  /**
   * A whole response in one call: head with Content-Length, then the body (omitted for HEAD, 204
   * and 304). Returns `[head, body]` for one writev.
   *
   * @example
   * socket.writev(conn.respond(200, [['content-type', 'application/json']], jsonBytes));
   */
  respond(status: number, headers: Http1HeaderPairs, body: Uint8Array = new Uint8Array(0)): Uint8Array[] {
    const head = this.sendHead(status, undefined, headers, body.byteLength, 'response');
    const hasBody = this.framing === 'length' && body.byteLength > 0;
    this.lengthLeft = 0;
    this.moveOurs('end');
    return hasBody ? [head, body] : [head];
  }

  /**
   * An error response for a request that failed to parse (or a handler that failed before
   * responding), always with `Connection: close`: after a framing error the remaining bytes cannot
   * be trusted (RFC 9112 section 6.3), so nothing more is read.
   */
  sendError(status: number, headers: Http1HeaderPairs, body: Uint8Array): Uint8Array[] {
    this.keepAliveFlag = false;
    const head = this.sendHead(status, undefined, headers, body.byteLength, 'errorResponse');
    const hasBody = this.framing === 'length' && body.byteLength > 0;
    this.moveOurs('end');
    return hasBody ? [head, body] : [head];
  }

  private sendInformational(status: number, headers: Http1HeaderPairs = []): Uint8Array[] {
    if (status < 100 || status > 199 || status === 101) {
      throw new Http1LocalError('EHTTPSTATUS', `informational status ${status}`);
    }
    this.moveOurs('informational');
    if (this.requestVersion === '1.0') return NO_CHUNKS; // RFC 9110 section 15.2: no 1xx to HTTP/1.0.
    if (status === 100) this.waiting100 = false;
    this.head.begin(status);
    for (const [name, value] of headers) this.head.field(name, value);
    return [this.head.finish()];
  }

  /** Writes the head and decides the framing. `length` is the body size when known, else -1. */
  private sendHead(
    status: number,
    reason: string | undefined,
    headers: Http1HeaderPairs,
    length: number,
    trigger: Http1Trigger,
  ): Uint8Array {
    if (status < 200) throw new Http1LocalError('EHTTPSTATUS', `final response with status ${status}`);
    this.moveOurs(trigger);
    const head = this.head;
    head.begin(status, reason);
    let declared = length;
    let closeAsked = false;
    let sawConnection = false;
    for (const [name, value] of headers) {
      const lower = name.toLowerCase();
      if (lower === 'content-length') {
        if (length >= 0) continue; // respond() knows the real length
        declared = Number(value);
        if (!/^[0-9]+$/.test(value)) throw new Http1LocalError('EHTTPFIELD', `Content-Length "${value}"`);
        continue;
      }
      if (lower === 'transfer-encoding') {
        throw new Http1LocalError(
          'EHTTPFIELD',
          'Transfer-Encoding is chosen by Http1Connection, do not set it',
        );
      }
      if (lower === 'connection') {
        sawConnection = true;
        if (hasToken(value.toLowerCase(), 'close')) closeAsked = true;
      }
      head.field(name, value);
    }
    // The client did not get to send its body (it waited for a 100 we never sent): we cannot know
    // whether the bytes that follow are that body or the next request, so this exchange is the last.
    if (this.waiting100 && this.their === 'SEND_BODY') closeAsked = true;
    this.waiting100 = false;
    if (closeAsked) this.keepAliveFlag = false;

    const bodiless = status === 204 || status === 304 || this.requestMethod === 'HEAD';
    // RFC 9110 section 8.6: no Content-Length in a 204; section 9.3.2: HEAD gets the GET headers.
    if (declared >= 0 && status !== 204) {
      head.field('content-length', String(declared));
      this.framing = bodiless ? 'none' : 'length';
      this.lengthLeft = bodiless ? 0 : declared;
    } else if (bodiless) {
      this.framing = 'none';
    } else if (this.requestVersion === '1.1' || this.their === 'ERROR') {
      head.field('transfer-encoding', 'chunked');
      this.framing = 'chunked';
    } else {
      // An HTTP/1.0 client cannot read chunked: the body ends when we close (RFC 9112 section 6.3 point 8).
      this.framing = 'close';
      this.keepAliveFlag = false;
    }
    if (!this.keepAliveFlag) {
      if (!sawConnection) head.field('connection', 'close');
    } else if (this.requestVersion === '1.0' && !sawConnection) {
      head.field('connection', 'keep-alive');
    }
    return head.finish();
  }

  private sendData(data: Uint8Array): Uint8Array[] {
    this.moveOurs('data');
    const n = data.byteLength;
    switch (this.framing) {
      case 'none':
        if (this.requestMethod === 'HEAD') return NO_CHUNKS;
        if (n === 0) return NO_CHUNKS;
        throw new Http1LocalError('EHTTPBODY', 'this response has no body (204/304)');
      case 'length':
        if (n > this.lengthLeft) {
          throw new Http1LocalError(
            'EHTTPBODY',
            `${n} bytes exceed the ${this.lengthLeft} left of Content-Length`,
          );
        }
        this.lengthLeft -= n;
        return n === 0 ? NO_CHUNKS : [data];
      case 'chunked':
        // A zero-length chunk would be read as the last chunk.
        return n === 0 ? NO_CHUNKS : [chunkSizeLine(n), data, CRLF_BYTES];
      case 'close':
        return n === 0 ? NO_CHUNKS : [data];
    }
  }

  private sendEnd(trailers: Http1HeaderPairs | undefined): Uint8Array[] {
    if (this.framing === 'length' && this.lengthLeft !== 0) {
      throw new Http1LocalError(
        'EHTTPBODY',
        `response ended ${this.lengthLeft} bytes short of its Content-Length`,
      );
    }
    this.moveOurs('end');
    if (this.framing !== 'chunked') return NO_CHUNKS;
    if (trailers === undefined || trailers.length === 0) return [LAST_CHUNK];
    // The last chunk and the trailer section share the head's encoder and its checks.
    this.head.beginLastChunk();
    for (const [name, value] of trailers) this.head.field(name, value);
    return [this.head.finish()];
  }

  private moveTheirs(trigger: Http1Trigger): void {
    const next = transition(CLIENT_TRANSITIONS, this.their, trigger);
    if (next === undefined)
      throw new Http1ProtocolError('EHTTPSTATE', 400, `client ${trigger} in state ${this.their}`);
    this.their = next === 'DONE' && !this.keepAliveFlag ? 'MUST_CLOSE' : next;
  }

  private moveOurs(trigger: Http1Trigger): void {
    const next = transition(SERVER_TRANSITIONS, this.ours, trigger);
    if (next === undefined) {
      throw new Http1LocalError('EHTTPSTATE', `cannot send ${trigger} in state ${this.ours}`);
    }
    if (next === 'DONE' && !this.keepAliveFlag) {
      this.ours = 'MUST_CLOSE';
      if (this.their === 'DONE') this.their = 'MUST_CLOSE';
      return;
    }
    this.ours = next;
  }
}

/** True when the comma-separated, lower-cased list `list` contains `token`. */
function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  if (list.indexOf(token) < 0) return false;
  return list.split(',').some((t) => t.trim() === token);
}
