import type { Http2ServerStream } from '../drivers/http2-server.js';
import type { HeaderFieldInput } from '../hpack/index.js';
import type { MessageType } from '../protobuf/index.js';
import { compressMessage, type GrpcEncoding } from './compression.js';
import { GrpcError, toGrpcError } from './errors.js';
import type { InterceptedServerCall } from './interceptors/server-interceptor.js';
import { encodeGrpcMessage } from './message-framing.js';
import { Metadata } from './metadata.js';
import { RichGrpcError } from './rich-status.js';
import { GrpcStatus } from './status.js';
import { encodeStatusMessage } from './status-message.js';

/** Decoded request messages queued ahead of the handler before the HTTP/2 stream is paused. */
export const REQUEST_QUEUE_HIGH_WATER_MARK = 4;

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Who made a call, as an auth interceptor verified it (`call.identity` in a handler).
 *
 * @example
 * if (!call.identity?.scopes.includes('admin')) throw new GrpcError(GrpcStatus.PERMISSION_DENIED, 'admins only');
 */
export interface CallIdentity {
  /** The principal: a JWT's `sub`, the name a static token stands for. */
  readonly subject: string;
  /** Granted scopes (OAuth style: `read`, `orders:write`). */
  readonly scopes: readonly string[];
  /** Every verified claim of a token, for handlers that need more than subject and scopes. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** Limits and settings one call inherits from its GrpcServer. */
export interface ServerCallSettings {
  maxSendMessageSize: number;
  /** Encodings the client said it accepts (`grpc-accept-encoding`), identity always included. */
  acceptedEncodings: ReadonlySet<string>;
  /** The server's default response encoding, used when the client accepts it. */
  responseEncoding: GrpcEncoding;
}

export interface WriteOptions {
  /** Compress this message with the call's encoding (default true when the call has one). */
  compress?: boolean;
}

/**
 * One gRPC call on the server: request metadata, the deadline and cancellation signal, response
 * metadata and trailers, and (for client and bidi streaming) the request messages as an async
 * iterable. Handlers get it as their second (or only) argument.
 *
 * @example
 * async function* streamingOutputCall(req, call: ServerCall<Req, Res>) {
 *   call.sendMetadata(new Metadata().set('x-served-by', 'wirestack'));
 *   for (const size of req.sizes) {
 *     if (call.signal.aborted) return;
 *     yield { payload: { body: new Uint8Array(size) } };
 *   }
 *   call.trailers.set('x-count', String(req.sizes.length));
 * }
 */
export class ServerCall<Req extends object = object, Res extends object = object>
  implements AsyncIterable<Req>
{
  /** The full method path, `/pkg.Service/Method`. */
  readonly path: string;
  /** Custom request metadata (transport headers such as `grpc-timeout` are not in it). */
  readonly metadata: Metadata;
  /** Trailing metadata sent with the status; handlers add to it. */
  readonly trailers = new Metadata();
  /** Whether the last request message arrived compressed (the interop `expect_compressed` check). */
  lastRequestCompressed = false;
  /** The caller, once an auth interceptor has verified its credentials; undefined without one. */
  identity: CallIdentity | undefined;
  /** @internal The interceptor pipeline of this call; undefined when the method has none (the fast path). */
  interception: InterceptedServerCall | undefined;

  /** Created on first use of `signal`: most unary handlers never look, and an AbortController costs. */
  private controller: AbortController | undefined;
  private abortReason: GrpcError | undefined;
  private readonly queue: Req[] = [];
  private waiting: { resolve: (r: IteratorResult<Req>) => void; reject: (e: unknown) => void } | undefined;
  private requestsEnded = false;
  private requestError: unknown;
  private headersSent = false;
  private finished = false;
  private encoding: GrpcEncoding = 'identity';
  private drainWaiters: (() => void)[] = [];
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineAt: number | undefined;
  private paused = false;

  /** @internal Built by GrpcServer. */
  constructor(
    private readonly stream: Http2ServerStream,
    private readonly responseType: MessageType<Res>,
    private readonly settings: ServerCallSettings,
    metadata: Metadata,
    timeoutMs: number | undefined,
    private readonly onFinished: (call: ServerCall<Req, Res>) => void,
  ) {
    this.path = stream.path;
    this.metadata = metadata;
    if (settings.acceptedEncodings.has(settings.responseEncoding)) this.encoding = settings.responseEncoding;
    if (timeoutMs !== undefined) this.armDeadline(performance.now() + timeoutMs, timeoutMs);
    stream.onDrain = () => this.wakeWriters();
  }

  /** Absolute deadline (performance.now() clock), or undefined when the client set none. */
  get deadline(): number | undefined {
    return this.deadlineAt;
  }

  /**
   * Brings the deadline forward to `timeoutMs` from now, unless the call already has an earlier
   * one: a server-side cap on what the client asked for (the deadline interceptor uses it).
   *
   * @example
   * call.limitDeadline(5000); // at most 5 s more, whatever grpc-timeout said
   */
  limitDeadline(timeoutMs: number): void {
    if (this.finished) return;
    const at = performance.now() + Math.max(0, timeoutMs);
    if (this.deadlineAt !== undefined && this.deadlineAt <= at) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.armDeadline(at, Math.max(0, timeoutMs));
  }

  private armDeadline(at: number, timeoutMs: number): void {
    this.deadlineAt = at;
    // Node's timers hold at most 2^31-1 ms (24.8 days) and fire at once beyond that: a longer
    // deadline (grpc-timeout allows 99999999H) is recorded but never needs a timer.
    if (timeoutMs > MAX_TIMER_MS) return;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      // PROTOCOL-HTTP2: "the server ... SHOULD ... send DEADLINE_EXCEEDED" when the timeout passes;
      // the handler learns through its signal and whatever it sends later is dropped.
      this.finish(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline Exceeded'));
    }, timeoutMs);
  }

  /** Aborts when the client cancels (RST_STREAM), the deadline passes or the server cuts the call. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** True once a status was sent or the call was cancelled: writes are dropped from then on. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** The response encoding in use (`identity` unless set and accepted by the client). */
  get responseEncoding(): GrpcEncoding {
    return this.encoding;
  }

  /**
   * Compress responses with `encoding` if the client accepts it (its `grpc-accept-encoding`).
   * Returns whether it will; must be called before the response headers go out.
   *
   * @example
   * call.setCompression('gzip');
   */
  setCompression(encoding: GrpcEncoding): boolean {
    if (this.headersSent) return this.encoding === encoding;
    if (encoding !== 'identity' && !this.settings.acceptedEncodings.has(encoding)) return false;
    this.encoding = encoding;
    return true;
  }

  /**
   * Sends the response headers now, with custom metadata. Without this call they go with the first
   * message (or as a trailers-only response when the handler fails before writing).
   *
   * @example
   * call.sendMetadata(new Metadata().set('x-request-id', id));
   */
  sendMetadata(metadata?: Metadata): void {
    if (this.headersSent || this.finished) return;
    this.headersSent = true;
    const headers: HeaderFieldInput[] = [
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['grpc-accept-encoding', 'identity,gzip,deflate'],
    ];
    if (this.encoding !== 'identity') headers.push(['grpc-encoding', this.encoding]);
    if (metadata) headers.push(...metadata.toHeaders());
    this.stream.respond(headers);
  }

  /**
   * Sends one response message. Resolves when the stream has room for more (per-message
   * backpressure: a slow client makes `await call.write()` wait, not the process buffer).
   * A message over `maxSendMessageSize` is RESOURCE_EXHAUSTED.
   *
   * @example
   * for (const item of items) await call.write(item);
   */
  write(message: Res, options: WriteOptions = {}): Promise<void> {
    if (this.finished) return Promise.resolve();
    const ix = this.interception;
    if (ix !== undefined) {
      try {
        message = ix.runResponse(message) as Res;
      } catch (e) {
        // The interceptor's status ends the call, whatever the handler does with the throw.
        this.finish(e);
        throw e;
      }
    }
    const encoded = this.responseType.encode(message);
    if (encoded.byteLength > this.settings.maxSendMessageSize) {
      throw new GrpcError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `grpc: trying to send message larger than max (${encoded.byteLength} vs. ${this.settings.maxSendMessageSize})`,
      );
    }
    if (ix !== undefined) {
      ix.messagesOut++;
      ix.bytesOut += encoded.byteLength;
    }
    const compress = this.encoding !== 'identity' && options.compress !== false;
    const payload = compress ? compressMessage(this.encoding, encoded) : encoded;
    this.sendMetadata();
    if (this.stream.write(encodeGrpcMessage(payload, compress))) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Request messages, in order; ends when the client half-closes, throws when the call is cut. */
  [Symbol.asyncIterator](): AsyncIterator<Req> {
    return {
      next: () => this.nextRequest(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /** @internal A decoded request message. */
  pushRequest(message: Req): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      if (this.interception !== undefined) {
        const r = this.intercepted(message);
        if (r === undefined) {
          w.reject(this.abortReason);
          return;
        }
        message = r;
      }
      w.resolve({ done: false, value: message });
      return;
    }
    this.queue.push(message);
    if (this.queue.length >= REQUEST_QUEUE_HIGH_WATER_MARK && !this.paused) {
      // The handler is behind: stop crediting the flow-control window so the client waits.
      this.paused = true;
      this.stream.pause();
    }
  }

  /** @internal The client half-closed (or the request stream failed with `error`). */
  endRequests(error?: unknown): void {
    if (this.requestsEnded) return;
    this.requestsEnded = true;
    this.requestError = error;
    if (this.waiting && this.queue.length === 0) {
      const w = this.waiting;
      this.waiting = undefined;
      if (error) w.reject(error);
      else w.resolve({ done: true, value: undefined });
    }
  }

  /**
   * A request message through the interceptors' onRequest hooks, or undefined when one of them
   * threw: its error has then ended the call.
   */
  private intercepted(message: Req): Req | undefined {
    try {
      return (this.interception as InterceptedServerCall).runRequest(message) as Req;
    } catch (e) {
      this.finish(e);
      return undefined;
    }
  }

  private nextRequest(): Promise<IteratorResult<Req>> {
    let m = this.queue.shift();
    if (m !== undefined) {
      if (this.paused && this.queue.length === 0) {
        this.paused = false;
        this.stream.resume();
      }
      if (this.interception !== undefined) {
        m = this.intercepted(m);
        if (m === undefined) return Promise.reject(this.abortReason);
      }
      return Promise.resolve({ done: false, value: m });
    }
    if (this.abortReason) return Promise.reject(this.abortReason);
    if (this.requestsEnded) {
      return this.requestError
        ? Promise.reject(this.requestError)
        : Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /**
   * @internal Ends the call: OK, or the error's status (a GrpcError's own, UNKNOWN with the message
   * for anything else). Only the first call counts.
   */
  finish(error?: unknown): void {
    if (this.finished) return;
    let status = toGrpcError(error);
    if (this.interception !== undefined) {
      status = this.interception.runAfter(status);
      // An after hook may itself have ended the call (call.finish from inside it).
      if (this.finished) return;
    }
    const trailers: HeaderFieldInput[] = [['grpc-status', String(status?.status ?? GrpcStatus.OK)]];
    if (status?.details) trailers.push(['grpc-message', encodeStatusMessage(status.details)]);
    let custom: [string, string][];
    try {
      if (status?.metadata) this.trailers.merge(status.metadata);
      custom = this.trailers.toHeaders();
    } catch (e) {
      custom = [];
      trailers[0] = ['grpc-status', String(GrpcStatus.INTERNAL)];
      trailers[1] = ['grpc-message', encodeStatusMessage((e as Error).message)];
    }
    trailers.push(...custom);
    if (status instanceof RichGrpcError) {
      const bin = Buffer.from(status.encodeStatusDetails()).toString('base64').replace(/=+$/, '');
      trailers.push(['grpc-status-details-bin', bin]);
    }
    if (this.headersSent) {
      this.finished = true;
      this.stream.sendTrailers(trailers);
    } else {
      // PROTOCOL-HTTP2: "Trailers-Only is permitted for calls that produce an immediate error".
      this.finished = true;
      this.stream.respond([[':status', '200'], ['content-type', 'application/grpc'], ...trailers], {
        endStream: true,
      });
    }
    this.abortWith(status);
  }

  /** @internal The stream was reset or the connection lost: nothing more can be sent. */
  cancelled(reason: GrpcError): void {
    if (this.finished) return;
    this.finished = true;
    // Nothing can be sent any more: after hooks see the cancel, and what they throw has nowhere to go.
    this.interception?.runAfter(reason, { ignoreErrors: true });
    this.abortWith(reason);
  }

  /** `reason` undefined: the call ended OK, and the signal stays quiet. */
  private abortWith(reason: GrpcError | undefined): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    // After an error status or a cancel the handler must stop: its signal aborts.
    if (reason && !this.abortReason) {
      this.abortReason = reason;
      this.controller?.abort(reason);
    }
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(reason ?? new GrpcError(GrpcStatus.CANCELLED, 'the call has already finished'));
    }
    this.queue.length = 0;
    this.wakeWriters();
    this.onFinished(this);
  }

  private wakeWriters(): void {
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }
}

export { toGrpcError } from './errors.js';
