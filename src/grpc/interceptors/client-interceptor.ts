import type { CallOptions, CallStatus, ClientCall, MethodDefinition } from '../client-call.js';
import { Metadata } from '../metadata.js';

/** Bytes of request messages a retryable call keeps to send again, unless an interceptor asks for more. */
export const DEFAULT_RETRY_BUFFER_BYTES = 256 * 1024;

// biome-ignore lint/suspicious/noExplicitAny: interceptors see every method's messages; stubs type their own
type AnyMessage = any;

/**
 * One stage of the client's interceptor pipeline. Every hook is optional.
 *
 * Order, as on the server: the first interceptor in the list is the outermost, the one nearest
 * the application. Its `before` runs first, its `onRequest` sees each request message first (on
 * its way to the network), its `onResponse` sees each response last and its `after` runs last.
 * Channel-wide interceptors (`GrpcChannelOptions.interceptors`) are outside a stub's
 * (`makeClient(..., { interceptors })`).
 *
 * Errors: a hook that throws ends the call with that status (a GrpcError's own; anything else is
 * UNKNOWN with its message); an `after` that throws replaces the status the caller sees.
 *
 * @example
 * const tracing: ClientInterceptor = {
 *   name: 'trace-id',
 *   before(call) { call.metadata.set('x-trace-id', crypto.randomUUID()); },
 * };
 * const channel = new GrpcChannel('127.0.0.1:50051', { interceptors: [tracing] });
 */
export interface ClientInterceptor {
  readonly name: string;
  /**
   * Once per call, before the first attempt goes out: add request metadata (`call.metadata`), fetch
   * a token. Throw a GrpcError to fail the call without sending it.
   */
  before?(call: InterceptedClientCall): void | PromiseLike<void>;
  /** Each request message, in order, as the application writes it. Returns the message to send (undefined: unchanged). */
  onRequest?(message: AnyMessage, call: InterceptedClientCall): AnyMessage | undefined;
  /** Each response message as it arrives. Returns the message the application gets (undefined: unchanged). */
  onResponse?(message: AnyMessage, call: InterceptedClientCall): AnyMessage | undefined;
  /**
   * An attempt failed before any of the response arrived, so sending the call again is safe for
   * the transport (whether it is safe for the method is the hook's call): return how many
   * milliseconds to wait before the next attempt, or undefined to let `failure` stand.
   */
  retryDelay?(call: InterceptedClientCall, failure: CallStatus): number | undefined;
  /** Request bytes to keep for sending again on retry; the call stops being retryable past it. */
  readonly retryBufferBytes?: number;
  /** Once, with the final status (`call.status`), however the call ended. */
  after?(call: InterceptedClientCall): void;
}

/**
 * One call as client interceptors see it: the method, the metadata about to be sent, counters,
 * attempts, and once it has ended its status and duration.
 */
export class InterceptedClientCall {
  /** performance.now() at the start. */
  readonly startedAt = performance.now();
  endedAt: number | undefined;
  /** Attempts started (1 without retries). */
  attempts = 0;
  messagesOut = 0;
  /** Serialized (protobuf) size of the request messages, before any compression. */
  bytesOut = 0;
  messagesIn = 0;
  /** Serialized size of the response messages, after any decompression. */
  bytesIn = 0;
  /** The final status, once the call has ended. */
  status: CallStatus | undefined;
  /** Request metadata to send: the call's own, plus what interceptors add. */
  readonly metadata: Metadata;
  /** @internal Whether some interceptor may ask for a retry, and how much to buffer for it. */
  readonly retryBufferBytes: number;
  /** How many interceptors' `before` were reached: those get `after`. */
  private entered = 0;

  /** @internal Built by ClientCall. */
  constructor(
    readonly call: ClientCall<AnyMessage, AnyMessage>,
    readonly method: MethodDefinition<AnyMessage, AnyMessage>,
    /** `host:port` (the channel's authority). */
    readonly target: string,
    readonly options: CallOptions,
    private readonly interceptors: readonly ClientInterceptor[],
  ) {
    // A copy: interceptors add to it, and the caller's Metadata may be shared between calls.
    this.metadata = options.metadata ? options.metadata.clone() : new Metadata();
    let buffer = 0;
    for (const ic of interceptors) {
      if (ic.retryDelay !== undefined)
        buffer = Math.max(buffer, ic.retryBufferBytes ?? DEFAULT_RETRY_BUFFER_BYTES);
    }
    this.retryBufferBytes = buffer;
  }

  /** Milliseconds from start to end (or to now, while the call runs). */
  get durationMs(): number {
    return (this.endedAt ?? performance.now()) - this.startedAt;
  }

  /** @internal The `before` hooks, in order; synchronous unless one returns a promise. */
  runBefore(): void | Promise<void> {
    return this.beforeFrom(0);
  }

  private beforeFrom(start: number): void | Promise<void> {
    const list = this.interceptors;
    for (let i = start; i < list.length; i++) {
      if (this.call.isFinished) return;
      this.entered = i + 1;
      const ic = list[i];
      if (ic.before === undefined) continue;
      const r = ic.before(this);
      if (r !== undefined && r !== null && typeof r.then === 'function') {
        return Promise.resolve(r).then(() => this.beforeFrom(i + 1));
      }
    }
  }

  /** @internal Outermost first. */
  runRequest(message: AnyMessage): AnyMessage {
    const list = this.interceptors;
    for (let i = 0; i < list.length; i++) {
      const ic = list[i];
      if (ic.onRequest === undefined) continue;
      const r = ic.onRequest(message, this);
      if (r !== undefined) message = r;
    }
    return message;
  }

  /** @internal Innermost first. */
  runResponse(message: AnyMessage): AnyMessage {
    const list = this.interceptors;
    for (let i = list.length - 1; i >= 0; i--) {
      const ic = list[i];
      if (ic.onResponse === undefined) continue;
      const r = ic.onResponse(message, this);
      if (r !== undefined) message = r;
    }
    return message;
  }

  /** @internal The first retryDelay hook (innermost first, nearest the transport) with an answer. */
  retryDelay(failure: CallStatus): number | undefined {
    const list = this.interceptors;
    for (let i = list.length - 1; i >= 0; i--) {
      const ic = list[i];
      if (ic.retryDelay === undefined) continue;
      const ms = ic.retryDelay(this, failure);
      if (ms !== undefined) return Math.max(0, ms);
    }
    return undefined;
  }

  /**
   * @internal The `after` hooks, innermost first, of every interceptor whose `before` was reached
   * (all of them, unless one refused the call). `onError` turns what one throws into the
   * status the next ones (and the caller) see.
   */
  runAfter(status: CallStatus, onError: (e: unknown) => CallStatus): CallStatus {
    this.endedAt = performance.now();
    this.status = status;
    const list = this.interceptors;
    for (let i = this.entered - 1; i >= 0; i--) {
      const ic = list[i];
      if (ic.after === undefined) continue;
      try {
        ic.after(this);
      } catch (e) {
        this.status = onError(e);
      }
    }
    return this.status;
  }
}

/** The channel's interceptors then the call's, without a copy when one side is empty. */
export function clientInterceptorChain(
  outer: readonly ClientInterceptor[] | undefined,
  inner: readonly ClientInterceptor[] | undefined,
): readonly ClientInterceptor[] | undefined {
  if (!outer || outer.length === 0) return inner && inner.length > 0 ? inner : undefined;
  if (!inner || inner.length === 0) return outer;
  return [...outer, ...inner];
}
