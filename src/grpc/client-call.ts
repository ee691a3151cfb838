import type { Http2Client, Http2ClientStream } from '../drivers/http2-client.js';
import { NEED_MORE } from '../framing/need-more.js';
import type { HeaderField, HeaderFieldInput } from '../hpack/index.js';
import { ErrorCode } from '../http2/error-code.js';
import { type GrpcChannel, hasStreamSlot } from './channel.js';
import { compressMessage, decompressMessage, type GrpcEncoding, isSupportedEncoding } from './compression.js';
import { GrpcError, toGrpcError } from './errors.js';
import {
  type ClientInterceptor,
  clientInterceptorChain,
  InterceptedClientCall,
} from './interceptors/client-interceptor.js';
import {
  DEFAULT_MAX_RECEIVE_MESSAGE_SIZE,
  GrpcMessageDecoder,
  grpcMessagePrefix,
} from './message-framing.js';
import { Metadata } from './metadata.js';
import { decodeRichStatus, RichGrpcError, type StatusDetail } from './rich-status.js';
import { GrpcStatus, parseStatus, statusForHttpStatus, statusForResetCode } from './status.js';
import { decodeStatusMessage } from './status-message.js';
import { formatGrpcTimeout } from './timeout.js';

/** grpc-go's and grpc-js's default send limit: no limit short of what the length prefix holds. */
export const DEFAULT_CLIENT_MAX_SEND_MESSAGE_SIZE = 0xffff_ffff;

/** How messages of one type become bytes and back (a protobuf `MessageType` is one). */
export interface MessageCodec<T> {
  encode(msg: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** One rpc as the client sees it. */
export interface MethodDefinition<Req, Res> {
  /** `/package.Service/Method` (PROTOCOL-HTTP2: Path → ":path" "/" Service-Name "/" {method name}). */
  path: string;
  requestCodec: MessageCodec<Req>;
  responseCodec: MessageCodec<Res>;
  clientStreaming: boolean;
  serverStreaming: boolean;
  /**
   * The .proto says calling it twice does no harm (`option idempotency_level = IDEMPOTENT` or
   * `NO_SIDE_EFFECTS`): the retry interceptor may send it again.
   */
  idempotent?: boolean;
}

/**
 * Per-call options.
 *
 * @example
 * await client.unaryCall(req, { timeoutMs: 500, metadata: new Metadata().set('k', 'v') });
 */
export interface CallOptions {
  /** Fail with DEADLINE_EXCEEDED after this many milliseconds (sent as `grpc-timeout`). */
  timeoutMs?: number;
  /** An absolute deadline (`Date` or epoch ms); the earlier of this and `timeoutMs` wins. */
  deadline?: Date | number;
  /** Custom metadata sent as request headers. */
  metadata?: Metadata;
  /** Aborting cancels the call: RST_STREAM CANCEL to the server, CANCELLED here. */
  signal?: AbortSignal;
  /** Compress request messages (`grpc-encoding`). Default identity. */
  compression?: GrpcEncoding;
  /** A response message larger than this fails the call with RESOURCE_EXHAUSTED. Default 4 MiB. */
  maxReceiveMessageSize?: number;
  /** A request message larger than this is refused with RESOURCE_EXHAUSTED. Default 4 GiB - 1. */
  maxSendMessageSize?: number;
  /** Wait for a connection through backoff delays instead of failing fast with UNAVAILABLE. */
  waitForReady?: boolean;
  /**
   * Response bytes decoded but not yet consumed before the call stops returning HTTP/2 window
   * (the server then slows down instead of filling memory). Default 1 MiB.
   */
  receiveHighWaterMark?: number;
  /**
   * Interceptors for this call, inside the channel's (docs/grpc-interceptors.md). A stub's
   * `makeClient(..., { interceptors })` sets this for each of its calls.
   */
  interceptors?: readonly ClientInterceptor[];
}

export const DEFAULT_RECEIVE_HIGH_WATER_MARK = 1024 * 1024;

/** How a call ended. */
export interface CallStatus {
  code: GrpcStatus;
  details: string;
  /** Trailing metadata (trailers, or the headers of a trailers-only response). */
  metadata: Metadata;
  /**
   * Typed error details from `grpc-status-details-bin` (a google.rpc.Status whose code matches this
   * status); the call's GrpcError is then a RichGrpcError carrying them.
   */
  statusDetails?: StatusDetail[];
}

/** The error a failed call rejects with: a RichGrpcError when the server sent typed details. */
function callError(s: CallStatus): GrpcError {
  return s.statusDetails
    ? new RichGrpcError(s.code, s.details, s.statusDetails, s.metadata)
    : new GrpcError(s.code, s.details, s.metadata);
}

const ACCEPT_ENCODING = 'identity,deflate,gzip';
const EMPTY = new Uint8Array(0);
const USER_AGENT = 'grpc-node-wirestack/0.1';

/**
 * One call on a channel: request messages out (`write`/`end`), response messages in (async
 * iteration or `response`), initial metadata (`metadata`) and the final `status`. Stubs from
 * `makeClient` create these; the four call kinds differ only in how many messages go each way.
 *
 * @example
 * const call = new ClientCall(channel, method, { timeoutMs: 1000 });
 * call.write({ payload: { body: new Uint8Array(8) } });
 * call.end();
 * for await (const res of call) console.log(res);
 * console.log((await call.status).code);
 */
export class ClientCall<Req = unknown, Res = unknown> implements AsyncIterable<Res> {
  /** Resolves with the response headers' metadata (empty if the call ended without any). */
  readonly metadata: Promise<Metadata>;
  /** Resolves (never rejects) when the call is over. */
  readonly status: Promise<CallStatus>;
  /** Response messages that arrived with the Compressed-Flag set. */
  compressedMessagesReceived = 0;

  private stream: Http2ClientStream | undefined;
  private conn: Http2Client | undefined;
  /** Framed request bytes not yet handed to HTTP/2 (before the stream opens, or while it is full). */
  private outbox: Uint8Array[] = [];
  private outboxHead = 0;
  private endSent = false;
  private drainWaiters: (() => void)[] = [];
  private halfClosed = false;
  private finished: CallStatus | undefined;
  private resolveMetadata!: (md: Metadata) => void;
  private resolveStatus!: (s: CallStatus) => void;
  private readonly received: Res[] = [];
  private readonly receivedSizes: number[] = [];
  private receivedBytes = 0;
  private receivePaused = false;
  private wake: (() => void) | undefined;
  private decoder: GrpcMessageDecoder;
  private responseEncoding: string = 'identity';
  private gotHeaders = false;
  private trailers: HeaderField[] | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly deadlineAt: number | undefined;
  private readonly onAbort = () => this.cancel('Cancelled on client');
  private responsePromise: Promise<Res> | undefined;
  /** The interceptor pipeline; undefined when neither channel nor call has interceptors. */
  private readonly interception: InterceptedClientCall | undefined;
  /**
   * Framed request messages kept to send again if an attempt fails before the response starts;
   * undefined when no interceptor retries, once the response has started, or past the buffer limit.
   */
  private replay: Uint8Array[] | undefined;
  private replayBytes = 0;
  /** Response headers (not trailers-only) arrived: the call is committed to this attempt. */
  private responseStarted = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: GrpcChannel,
    readonly method: MethodDefinition<Req, Res>,
    private readonly options: CallOptions = {},
  ) {
    this.metadata = new Promise((resolve) => {
      this.resolveMetadata = resolve;
    });
    this.status = new Promise((resolve) => {
      this.resolveStatus = resolve;
    });
    this.decoder = new GrpcMessageDecoder({
      maxReceiveMessageSize: options.maxReceiveMessageSize ?? DEFAULT_MAX_RECEIVE_MESSAGE_SIZE,
    });
    const deadlines: number[] = [];
    if (options.timeoutMs !== undefined) deadlines.push(Date.now() + options.timeoutMs);
    if (options.deadline !== undefined) deadlines.push(+options.deadline);
    if (deadlines.length > 0) {
      this.deadlineAt = Math.min(...deadlines);
      const ms = this.deadlineAt - Date.now();
      this.deadlineTimer = setTimeout(() => this.expire(), Math.max(0, ms));
    }
    if (options.signal) {
      if (options.signal.aborted) {
        queueMicrotask(this.onAbort);
      } else {
        options.signal.addEventListener('abort', this.onAbort, { once: true });
      }
    }
    const chain = clientInterceptorChain(channel.options.interceptors, options.interceptors);
    if (chain !== undefined) {
      this.interception = new InterceptedClientCall(this, method, channel.authority, options, chain);
      if (this.interception.retryBufferBytes > 0) this.replay = [];
    }
    void this.start();
  }

  /** True once the call has a status. */
  get isFinished(): boolean {
    return this.finished !== undefined;
  }

  private async start(): Promise<void> {
    const ix = this.interception;
    if (ix !== undefined) {
      if (ix.attempts === 0) {
        try {
          const pending = ix.runBefore();
          if (pending !== undefined) await pending;
        } catch (e) {
          const err = toGrpcError(e) as GrpcError;
          this.finish(err.status, err.details, err.metadata?.clone());
          return;
        }
        if (this.finished) return;
      }
      ix.attempts++;
    }
    let headers: HeaderFieldInput[] | undefined;
    // A stream refused before anything was sent (MAX_CONCURRENT_STREAMS raced by another call, a
    // GOAWAY that just arrived) is retried on a connection with room: nothing reached the server.
    for (let attempt = 1; ; attempt++) {
      let conn: Http2Client;
      try {
        conn = await this.channel.connection({
          waitForReady: this.options.waitForReady,
          signal: this.options.signal,
        });
      } catch (e) {
        // Nothing was sent: a retrying interceptor may try again, unless the channel is closed for good.
        const retryable = this.channel.state !== 'SHUTDOWN';
        if (e instanceof GrpcError) this.finish(e.status, e.details, undefined, retryable);
        else this.finish(GrpcStatus.UNAVAILABLE, (e as Error)?.message ?? String(e), undefined, retryable);
        return;
      }
      if (this.finished) {
        // Ended (deadline, cancel) while waiting: pass the slot we may have been woken for on.
        this.channel.releaseSlot();
        return;
      }
      try {
        headers ??= this.requestHeaders();
      } catch (e) {
        const err = e as GrpcError;
        this.finish(err.status ?? GrpcStatus.INTERNAL, err.details ?? String(e));
        return;
      }
      try {
        this.stream = conn.request(headers);
      } catch (e) {
        // Another call took the last slot first: wait for the next one (no attempt spent).
        if (conn.isUsable && !hasStreamSlot(conn)) {
          attempt--;
          continue;
        }
        if (attempt < 5) continue;
        this.finish(GrpcStatus.UNAVAILABLE, `cannot open a stream: ${(e as Error).message}`, undefined, true);
        return;
      }
      this.conn = conn;
      break;
    }
    const s = this.stream;
    s.onResponse = (h) => this.onResponse(h);
    s.onData = (chunk) => this.onData(chunk);
    s.onTrailers = (h) => {
      this.trailers = h;
    };
    s.onEnd = () => this.onEnd();
    s.onReset = (code) => this.onReset(code);
    s.onDrain = () => this.pumpOutbox();
    this.pumpOutbox();
  }

  /**
   * Hands queued request bytes to the stream until its buffer is full (HTTP/2 flow control or a
   * slow socket); the stream's onDrain brings us back. Ends the stream once all is handed over.
   */
  private pumpOutbox(): void {
    const s = this.stream;
    if (!s || this.finished) return;
    while (this.outboxHead < this.outbox.length) {
      const chunk = this.outbox[this.outboxHead];
      this.outbox[this.outboxHead++] = EMPTY;
      if (!s.write(chunk)) break;
    }
    if (this.outboxHead === this.outbox.length) {
      this.outbox = [];
      this.outboxHead = 0;
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
      if (this.halfClosed && !this.endSent) {
        this.endSent = true;
        s.end();
      }
    }
  }

  /**
   * Resolves when every message written so far has been handed to HTTP/2 (or the call is over):
   * await it when write() returns false to keep memory bounded.
   *
   * @example
   * for (const m of many) if (!call.write(m)) await call.drain();
   */
  drain(): Promise<void> {
    if (this.finished || this.outboxHead === this.outbox.length) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private requestHeaders(): HeaderFieldInput[] {
    const h: HeaderFieldInput[] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', this.method.path],
      [':authority', this.channel.authority],
      // PROTOCOL-HTTP2: "TE → 'te' 'trailers' # Used to detect incompatible proxies".
      ['te', 'trailers'],
      ['content-type', 'application/grpc'],
      ['user-agent', this.channel.options.userAgent ?? USER_AGENT],
      ['grpc-accept-encoding', ACCEPT_ENCODING],
    ];
    const enc = this.options.compression ?? 'identity';
    if (enc !== 'identity') h.push(['grpc-encoding', enc]);
    if (this.deadlineAt !== undefined) {
      h.push(['grpc-timeout', formatGrpcTimeout(Math.max(1, this.deadlineAt - Date.now()))]);
    }
    const md = this.interception?.metadata ?? this.options.metadata;
    if (md) h.push(...md.toHeaders());
    return h;
  }

  /**
   * Sends one request message (queued until the stream is open and has room). Returns false when
   * the message had to wait in the queue, or the call is over: then `await drain()` before writing
   * more. A message above `maxSendMessageSize` throws RESOURCE_EXHAUSTED and cancels the call; one
   * that does not encode throws INTERNAL and cancels it.
   */
  write(message: Req, options: { compress?: boolean } = {}): boolean {
    if (this.finished) return false;
    if (this.halfClosed) throw new RangeError('write() after end()');
    const ix = this.interception;
    if (ix !== undefined) {
      try {
        message = ix.runRequest(message);
      } catch (e) {
        const err = toGrpcError(e) as GrpcError;
        this.abort(err.status, err.details);
        throw err;
      }
    }
    let payload: Uint8Array;
    try {
      payload = this.method.requestCodec.encode(message);
    } catch (e) {
      // A message that does not encode (a string where a number belongs) ends the call, as grpc-js
      // does with INTERNAL: left open, the call kept its stream and close() waited for it for ever.
      const err = new GrpcError(
        GrpcStatus.INTERNAL,
        `request message serialization failure: ${e instanceof Error ? e.message : String(e)}`,
        undefined,
        { cause: e },
      );
      this.abort(err.status, err.details);
      throw err;
    }
    const max = this.options.maxSendMessageSize ?? DEFAULT_CLIENT_MAX_SEND_MESSAGE_SIZE;
    if (payload.byteLength > max) {
      const err = new GrpcError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `trying to send message larger than max (${payload.byteLength} vs. ${max})`,
      );
      this.abort(err.status, err.details);
      throw err;
    }
    if (ix !== undefined) {
      ix.messagesOut++;
      ix.bytesOut += payload.byteLength;
    }
    const enc = this.options.compression ?? 'identity';
    const compressed = enc !== 'identity' && options.compress !== false;
    if (compressed) payload = compressMessage(enc, payload);
    const prefix = grpcMessagePrefix(payload.byteLength, compressed);
    this.outbox.push(prefix, payload);
    if (this.replay !== undefined) this.keepForRetry(prefix, payload);
    this.pumpOutbox();
    return this.outboxHead === this.outbox.length;
  }

  /** Keeps a framed message for a later attempt, until the buffer limit makes the call unretryable. */
  private keepForRetry(prefix: Uint8Array, payload: Uint8Array): void {
    this.replayBytes += prefix.byteLength + payload.byteLength;
    const limit = (this.interception as InterceptedClientCall).retryBufferBytes;
    if (this.replayBytes > limit) {
      this.replay = undefined;
      return;
    }
    this.replay?.push(prefix, payload);
  }

  /** Half-closes: no more request messages (END_STREAM). */
  end(): void {
    if (this.halfClosed || this.finished) return;
    this.halfClosed = true;
    this.pumpOutbox();
  }

  /** Cancels the call: RST_STREAM CANCEL; the status becomes CANCELLED. */
  cancel(details = 'Cancelled'): void {
    this.abort(GrpcStatus.CANCELLED, details);
  }

  private expire(): void {
    this.abort(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded');
  }

  /** Ends the call locally with `code` and tells the server with RST_STREAM CANCEL. */
  private abort(code: GrpcStatus, details: string): void {
    if (this.finished) return;
    this.finish(code, details);
    // PROTOCOL-HTTP2: a client cancels or gives up on a deadline with RST_STREAM CANCEL.
    this.stream?.reset(ErrorCode.CANCEL);
  }

  private onResponse(headers: HeaderField[]): void {
    this.gotHeaders = true;
    const get = (name: string) => headers.find((f) => f.name === name)?.value;
    if (get('grpc-status') !== undefined) {
      // Trailers-Only: the status comes in the only header section; onEnd follows. A call that
      // may be retried keeps its metadata promise open for the next attempt's headers.
      this.trailers = headers;
      if (this.replay === undefined) this.resolveMetadata(new Metadata());
      return;
    }
    this.responseStarted = true;
    this.replay = undefined;
    const httpStatus = Number(get(':status'));
    if (httpStatus !== 200) {
      this.abort(statusForHttpStatus(httpStatus), `Received HTTP status code ${httpStatus}`);
      return;
    }
    const contentType = get('content-type') ?? '';
    if (!/^application\/grpc(?:$|[+;])/.test(contentType)) {
      this.abort(GrpcStatus.UNKNOWN, `invalid content-type ${JSON.stringify(contentType)}`);
      return;
    }
    this.responseEncoding = get('grpc-encoding') ?? 'identity';
    try {
      this.resolveMetadata(Metadata.fromHeaders(headers.map((f) => [f.name, f.value] as const)));
    } catch (e) {
      this.abort(GrpcStatus.INTERNAL, (e as GrpcError).details ?? String(e));
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.finished) return;
    this.decoder.push(chunk);
    try {
      for (let m = this.decoder.read(); m !== NEED_MORE; m = this.decoder.read()) {
        let payload = m.payload;
        if (m.compressed) {
          this.compressedMessagesReceived++;
          const enc = this.responseEncoding;
          // PROTOCOL-HTTP2: a Compressed-Flag of 1 with no (or identity) Message-Encoding is an error.
          if (enc === 'identity' || !isSupportedEncoding(enc)) {
            throw new GrpcError(
              GrpcStatus.INTERNAL,
              `compressed message received with grpc-encoding ${JSON.stringify(enc)}`,
            );
          }
          payload = decompressMessage(enc, payload, this.decoder.maxReceiveMessageSize);
        }
        let msg: Res;
        try {
          msg = this.method.responseCodec.decode(payload);
        } catch (e) {
          throw new GrpcError(
            GrpcStatus.INTERNAL,
            `failed to parse response message: ${(e as Error).message}`,
          );
        }
        const ix = this.interception;
        if (ix !== undefined) {
          ix.messagesIn++;
          ix.bytesIn += payload.byteLength;
          try {
            msg = ix.runResponse(msg);
          } catch (e) {
            throw toGrpcError(e);
          }
        }
        this.received.push(msg);
        this.receivedSizes.push(payload.byteLength);
        this.receivedBytes += payload.byteLength;
      }
      if (
        !this.receivePaused &&
        this.receivedBytes >= (this.options.receiveHighWaterMark ?? DEFAULT_RECEIVE_HIGH_WATER_MARK)
      ) {
        // A consumer slower than the server: stop acknowledging DATA until it catches up.
        this.receivePaused = true;
        this.stream?.pause();
      }
    } catch (e) {
      if (!(e instanceof GrpcError)) throw e;
      this.abort(e.status, e.details);
      return;
    }
    this.notify();
  }

  private onEnd(): void {
    // The server's status ends the call. If our side of the stream is still open (a request not
    // yet half-closed, or its END_STREAM held back by flow control), say we are done with it: left
    // half-closed it would hold a stream slot, and stop the connection from ever closing cleanly.
    const s = this.stream;
    if (s && this.conn && this.conn.h2.streamState(s.streamId) !== 'closed') {
      this.endSent = true;
      s.reset(ErrorCode.CANCEL);
    }
    if (this.finished) return;
    const t = this.trailers;
    if (t === undefined) {
      this.finish(
        GrpcStatus.INTERNAL,
        this.gotHeaders
          ? 'server closed the stream without sending trailers'
          : 'stream ended without a response',
        undefined,
        true,
      );
      return;
    }
    if (this.decoder.hasPartialMessage) {
      this.finish(GrpcStatus.INTERNAL, 'stream ended in the middle of a message');
      return;
    }
    const statusValue = t.find((f) => f.name === 'grpc-status')?.value;
    const code = parseStatus(statusValue);
    const message = t.find((f) => f.name === 'grpc-message')?.value;
    let metadata: Metadata;
    try {
      metadata = Metadata.fromHeaders(t.map((f) => [f.name, f.value] as const));
    } catch (e) {
      this.finish(GrpcStatus.INTERNAL, (e as GrpcError).details ?? String(e));
      return;
    }
    if (code === null) {
      this.finish(
        GrpcStatus.UNKNOWN,
        statusValue === undefined
          ? 'no grpc-status in trailers'
          : `invalid grpc-status ${JSON.stringify(statusValue)}`,
        metadata,
      );
      return;
    }
    const bin = code === GrpcStatus.OK ? undefined : t.find((f) => f.name === 'grpc-status-details-bin');
    const statusDetails = bin && statusDetailsFor(code, bin.value);
    this.finish(
      code,
      message === undefined ? '' : decodeStatusMessage(message),
      metadata,
      true,
      statusDetails,
    );
  }

  private onReset(code: number): void {
    if (this.finished) return;
    const lost = this.conn?.failureReason;
    if (lost && code === ErrorCode.CANCEL) {
      this.finish(GrpcStatus.UNAVAILABLE, `connection lost: ${lost.message}`, undefined, true);
      return;
    }
    this.finish(
      statusForResetCode(code),
      `stream reset by the server (HTTP/2 error code ${code})`,
      undefined,
      true,
    );
  }

  /**
   * Ends the call with a status. `retryable`: the attempt failed on the network or at the server,
   * not by a local cancel or deadline; with a retrying interceptor and no response started yet,
   * the call may go again instead. `statusDetails`: the server's typed details (grpc-status-details-bin),
   * kept only if no after hook changed the status.
   */
  private finish(
    code: GrpcStatus,
    details: string,
    metadata = new Metadata(),
    retryable = false,
    statusDetails?: StatusDetail[],
  ): void {
    if (this.finished) return;
    const ix = this.interception;
    // endedAt is set while the after hooks run: one of them ending the call again is not a new end.
    if (ix !== undefined && ix.endedAt === undefined) {
      if (retryable && code !== GrpcStatus.OK && this.replay !== undefined && !this.responseStarted) {
        const delay = this.retryDelay({ code, details, metadata });
        if (delay !== undefined) {
          this.retryAfter(delay);
          return;
        }
      }
      const final = ix.runAfter({ code, details, metadata }, (e) => {
        const err = toGrpcError(e) as GrpcError;
        return { code: err.status, details: err.details, metadata: err.metadata?.clone() ?? new Metadata() };
      });
      if (this.finished) return;
      if (final.code !== code) statusDetails = undefined;
      ({ code, details, metadata } = final);
    }
    this.finished = statusDetails ? { code, details, metadata, statusDetails } : { code, details, metadata };
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.retryTimer);
    this.replay = undefined;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.outbox = [];
    this.outboxHead = 0;
    for (const w of this.drainWaiters) w();
    this.drainWaiters = [];
    this.resolveMetadata(new Metadata());
    this.resolveStatus(this.finished);
    this.notify();
    // The stream is closed (or reset) by now: a call waiting for a stream slot may go.
    queueMicrotask(() => this.channel.releaseSlot());
  }

  /** The delay before another attempt, if an interceptor wants one and the deadline leaves time for it. */
  private retryDelay(failure: CallStatus): number | undefined {
    let ms: number | undefined;
    try {
      ms = (this.interception as InterceptedClientCall).retryDelay(failure);
    } catch {
      return undefined; // a broken retry policy must not hide the failure it was asked about
    }
    if (ms === undefined) return undefined;
    if (this.deadlineAt !== undefined && Date.now() + ms >= this.deadlineAt) return undefined;
    return ms;
  }

  /**
   * Forgets the failed attempt (its stream, decoder and response state) and starts another after
   * `ms`, sending the kept request messages again, then whatever is written from then on.
   */
  private retryAfter(ms: number): void {
    const old = this.stream;
    if (old !== undefined) {
      // Late events of the abandoned stream must not reach the next attempt.
      const ignore = () => {};
      old.onResponse = ignore;
      old.onData = ignore;
      old.onTrailers = ignore;
      old.onEnd = ignore;
      old.onDrain = ignore;
      old.onReset = ignore;
      old.reset(ErrorCode.CANCEL);
    }
    this.stream = undefined;
    this.conn = undefined;
    this.decoder = new GrpcMessageDecoder({ maxReceiveMessageSize: this.decoder.maxReceiveMessageSize });
    this.trailers = undefined;
    this.gotHeaders = false;
    this.responseEncoding = 'identity';
    this.outbox = (this.replay as Uint8Array[]).slice();
    this.outboxHead = 0;
    this.endSent = false;
    queueMicrotask(() => this.channel.releaseSlot());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.finished) void this.start();
    }, ms);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async waitForProgress(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Response messages as they arrive; ends on OK, throws the GrpcError of any other status. */
  async *[Symbol.asyncIterator](): AsyncIterator<Res> {
    try {
      for (;;) {
        if (this.received.length > 0) {
          const m = this.received.shift() as Res;
          this.receivedBytes -= this.receivedSizes.shift() ?? 0;
          const mark = this.options.receiveHighWaterMark ?? DEFAULT_RECEIVE_HIGH_WATER_MARK;
          if (this.receivePaused && this.receivedBytes < mark / 2) {
            this.receivePaused = false;
            this.stream?.resume();
          }
          yield m;
          continue;
        }
        const done = this.finished;
        if (done) {
          if (done.code === GrpcStatus.OK) return;
          throw callError(done);
        }
        await this.waitForProgress();
      }
    } finally {
      // A consumer that stops early (break) no longer wants the call.
      if (!this.finished) this.cancel('Cancelled: response iteration stopped');
    }
  }

  /**
   * The single response of a unary or client-streaming call: rejects with the call's GrpcError,
   * or INTERNAL if the server sent no message or more than one.
   */
  get response(): Promise<Res> {
    this.responsePromise ??= this.status.then((s) => {
      if (s.code !== GrpcStatus.OK) throw callError(s);
      if (this.received.length !== 1) {
        throw new GrpcError(
          GrpcStatus.INTERNAL,
          `${this.received.length === 0 ? 'no' : 'more than one'} response message for a unary response`,
        );
      }
      return this.received[0];
    });
    return this.responsePromise;
  }
}

/**
 * The details of a `grpc-status-details-bin` value, when it decodes and its code is the call's: the
 * model requires them equal, and details that contradict the status are not trusted (grpc-go
 * refuses them too). Anything else is dropped rather than failing a call that already has a status.
 */
function statusDetailsFor(code: GrpcStatus, base64: string): StatusDetail[] | undefined {
  try {
    const status = decodeRichStatus(Buffer.from(base64, 'base64'));
    return status.code === code ? status.details : undefined;
  } catch {
    return undefined;
  }
}
