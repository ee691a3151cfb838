import {
  Http1Connection,
  type Http1Event,
  type Http1HeaderPairs,
  type Http1Limits,
  type Http1RequestEvent,
  isHttp1RequestError,
  NEED_DATA,
  PAUSED,
  STATUS_TEXT,
} from '../http1/index.js';
import type { TcpConnection } from '../tcp/index.js';
import { httpDate } from './http1-date.js';
import { HttpError } from './http1-http-error.js';
import { Http1ServerRequest, type RequestBodySource } from './http1-request.js';
import { Http1ServerResponse, type ResponseSink } from './http1-response.js';

/** What a connection needs from its server. */
export interface Http1ConnectionHost {
  readonly draining: boolean;
  readonly bodyHighWaterMark: number;
  readonly maxPipelinedBytes: number;
  dispatch(req: Http1ServerRequest, res: Http1ServerResponse): void | Promise<void>;
  protocolError(conn: Http1ServerConnection, err: Error): void;
  handlerFailed(err: unknown): void;
}

const encoder = new TextEncoder();
/** Responses up to this size (head + body) go out as one send(2) from a shared scratch buffer. */
const SMALL_RESPONSE = 4096;
const scratch = new Uint8Array(SMALL_RESPONSE);
const CONNECTION_CLOSE = ['connection', 'close'] as const;
let dateValue = '';
let dateTuple: readonly [string, string] = ['date', ''];

/** The Date field, as one tuple shared until the second changes. */
function dateField(): readonly [string, string] {
  const now = httpDate();
  if (now !== dateValue) {
    dateValue = now;
    dateTuple = ['date', now];
  }
  return dateTuple;
}

/**
 * One TCP connection served as HTTP/1.1: feeds the socket's bytes to the sans-IO Http1Connection,
 * runs one handler at a time (pipelined requests wait, buffered, so responses go out in order),
 * and writes what the core produces. `busy` is set on the socket while a request is in flight so a
 * graceful drain waits for it.
 */
export class Http1ServerConnection implements ResponseSink, RequestBodySource {
  readonly tcp: TcpConnection;
  readonly core: Http1Connection;
  /** When the current request head began (performance.now()); 0 when no head is being read. */
  headStartedAt: number;
  /** When the current request's body began (its head arrived); 0 when no body is being read. */
  bodyStartedAt = 0;
  private readonly host: Http1ConnectionHost;
  private request: Http1ServerRequest | null = null;
  private response: Http1ServerResponse | null = null;
  private pumping = false;
  private pumpAgain = false;
  private closingFlag = false;
  private readPaused = false;
  private drainWaiters: (() => void)[] = [];
  private readonly headerScratch: (readonly [string, string])[] = [];

  constructor(tcp: TcpConnection, host: Http1ConnectionHost, limits: Partial<Http1Limits>) {
    this.tcp = tcp;
    this.host = host;
    this.core = new Http1Connection(limits);
    // The first request's head must arrive within the header timeout from accept (slowloris).
    this.headStartedAt = performance.now();
    tcp.onData = (bytes) => {
      if (this.closingFlag) return; // after an error or our last response, what follows is discarded
      this.core.receive(bytes);
      if (this.headStartedAt === 0 && this.core.readingHead) this.headStartedAt = performance.now();
      this.pump();
    };
    tcp.onEnd = () => {
      if (this.closingFlag) {
        tcp.end();
        return;
      }
      this.core.receiveEof();
      this.pump();
    };
    tcp.onDrain = () => {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    };
    tcp.onClose = () => {
      this.closingFlag = true;
      this.request?.fail(new Error('connection closed'));
      tcp.onDrain();
    };
  }

  /** The request being served (null between requests). */
  get currentRequest(): Http1ServerRequest | null {
    return this.request;
  }

  get closing(): boolean {
    return this.closingFlag || this.tcp.isClosed;
  }

  /** Answer `status` with `Connection: close` and close: for timeouts and protocol errors. */
  failWith(status: number, message: string): void {
    if (this.closing) return;
    const state = this.core.ourState;
    if (state === 'IDLE' || state === 'SEND_RESPONSE') {
      const body = encoder.encode(`${STATUS_TEXT[status] ?? 'Error'}: ${message}\n`);
      this.write(
        this.core.sendError(
          status,
          [
            ['content-type', 'text/plain; charset=utf-8'],
            ['date', httpDate()],
          ],
          body,
        ),
      );
    }
    this.close();
  }

  private close(): void {
    this.closingFlag = true;
    this.request?.fail(new Error('connection closed'));
    this.tcp.busy = false;
    this.tcp.end();
  }

  /** Pull events from the core until it needs bytes or waits for a response. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pumpOnce();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.tcp.busy =
      !this.closing &&
      (this.core.theirState !== 'IDLE' || this.core.ourState !== 'IDLE' || this.core.buffered > 0);
  }

  private pumpOnce(): void {
    for (;;) {
      if (this.closing) return;
      let ev: Http1Event | typeof NEED_DATA | typeof PAUSED;
      try {
        ev = this.core.nextEvent();
      } catch (err) {
        if (!isHttp1RequestError(err)) throw err;
        this.host.protocolError(this, err);
        this.failWith(err.status, err.message);
        return;
      }
      if (ev === NEED_DATA) {
        // Pause while the handler has not consumed the body; once it has responded, the rest of
        // the body is read and dropped so the connection can serve the next request.
        const req = this.request;
        this.setReadPaused(
          req !== null && !this.response?.finished && req.queuedBytes > this.host.bodyHighWaterMark,
        );
        return;
      }
      if (ev === PAUSED) {
        const ours = this.core.ourState;
        if (ours === 'DONE' && this.core.theirState === 'DONE') {
          this.request = null;
          this.response = null;
          this.core.startNextCycle();
          this.headStartedAt = this.core.readingHead ? performance.now() : 0;
          this.setReadPaused(false);
          continue;
        }
        if (ours === 'MUST_CLOSE') {
          this.close();
          return;
        }
        // Waiting for the handler: bound what a pipelining client may queue meanwhile.
        this.setReadPaused(this.core.buffered > this.host.maxPipelinedBytes);
        return;
      }
      switch (ev.type) {
        case 'request':
          this.headStartedAt = 0;
          this.bodyStartedAt = this.core.theirState === 'SEND_BODY' ? performance.now() : 0;
          this.startRequest(ev);
          break;
        case 'data':
          // The event's view expires at the next receive(); the handler may read it later.
          if (this.request && !this.response?.finished) this.request.push(ev.data.slice());
          break;
        case 'end':
          this.bodyStartedAt = 0;
          this.request?.finish(ev.trailers);
          break;
        case 'closed':
          this.close();
          return;
      }
    }
  }

  private startRequest(head: Http1RequestEvent): void {
    this.tcp.busy = true;
    const req = new Http1ServerRequest(head, this);
    const res = new Http1ServerResponse(this);
    this.request = req;
    this.response = res;
    try {
      const pending = this.host.dispatch(req, res);
      if (pending && typeof pending.then === 'function')
        pending.then(undefined, (err) => this.handlerError(res, err));
    } catch (err) {
      this.handlerError(res, err);
    }
  }

  private handlerError(res: Http1ServerResponse, err: unknown): void {
    if (this.closing || res !== this.response) return;
    if (err instanceof HttpError && !res.headersSent) {
      res.status(err.status);
      for (const [n, v] of err.headers) res.header(n, v);
      res.json({ error: err.message });
      return;
    }
    this.host.handlerFailed(err);
    if (res.headersSent) {
      // Half a response is out: the only honest signal left is to cut the connection.
      this.closingFlag = true;
      this.tcp.destroy();
      return;
    }
    this.failWith(500, 'the handler failed');
  }

  // RequestBodySource

  bodyWanted(): void {
    if (this.core.clientIsWaitingFor100Continue && !this.closing) {
      this.write(this.core.send({ type: 'informational', status: 100 }));
    }
  }

  bodyConsumed(): void {
    if (this.readPaused && this.request && this.request.queuedBytes <= this.host.bodyHighWaterMark / 2) {
      this.setReadPaused(false);
    }
  }

  // ResponseSink

  respondWhole(status: number, headers: Http1HeaderPairs, body: Uint8Array): void {
    if (this.closing) return;
    this.write(this.core.respond(status, this.finalHeaders(headers), body));
    this.afterResponse();
  }

  respondHead(status: number, headers: Http1HeaderPairs): void {
    if (this.closing) return;
    this.write(this.core.send({ type: 'response', status, headers: this.finalHeaders(headers) }));
  }

  respondData(chunk: Uint8Array): boolean {
    if (this.closing) return false;
    return this.write(this.core.send({ type: 'data', data: chunk }));
  }

  respondEnd(trailers?: Http1HeaderPairs): void {
    if (this.closing) return;
    this.write(this.core.send({ type: 'end', trailers }));
    this.afterResponse();
  }

  drained(): Promise<void> {
    if (this.closing || this.tcp.queuedBytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Date, and `Connection: close` once the server drains (the last response on this connection).
   * Built in one array reused for every response: the core reads it before respond() returns.
   */
  private finalHeaders(headers: Http1HeaderPairs): Http1HeaderPairs {
    const out = this.headerScratch;
    out.length = 0;
    out.push(dateField());
    for (let i = 0; i < headers.length; i++) out.push(headers[i]);
    if (this.host.draining) out.push(CONNECTION_CLOSE);
    return out;
  }

  private afterResponse(): void {
    if (this.core.ourState === 'MUST_CLOSE' || this.host.draining) {
      this.close();
      return;
    }
    // The request body may still be arriving; the next cycle starts once it has.
    this.pump();
  }

  private write(chunks: Uint8Array[]): boolean {
    if (chunks.length === 0) return true;
    if (chunks.length === 1) return this.tcp.write(chunks[0]);
    if (chunks.length === 2 && chunks[0].byteLength + chunks[1].byteLength <= SMALL_RESPONSE) {
      // A small head and body are cheaper copied into one send(2) than gathered by writev(2):
      // the iovec set-up costs more than copying a few hundred bytes. write() copies what the
      // kernel does not take, so the shared scratch buffer is free again when it returns.
      const n = chunks[0].byteLength;
      scratch.set(chunks[0], 0);
      scratch.set(chunks[1], n);
      return this.tcp.write(scratch.subarray(0, n + chunks[1].byteLength));
    }
    return this.tcp.writev(chunks);
  }

  private setReadPaused(paused: boolean): void {
    if (paused === this.readPaused) return;
    this.readPaused = paused;
    if (paused) this.tcp.pauseReading();
    else this.tcp.resumeReading();
  }
}
