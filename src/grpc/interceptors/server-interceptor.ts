import type { SocketAddress } from '../../sys/sockaddr.js';
import { GrpcError, toGrpcError } from '../errors.js';
import type { Metadata } from '../metadata.js';
import type { CallIdentity, ServerCall } from '../server-call.js';
import { GrpcStatus } from '../status.js';

// biome-ignore lint/suspicious/noExplicitAny: interceptors see every method's messages; handlers type their own
type AnyMessage = any;

/** The four shapes of rpc, by which side streams. */
export type CallKind = 'unary' | 'server-streaming' | 'client-streaming' | 'bidi-streaming';

/** The rpc a call is for. One per registered method, shared by all its calls. */
export interface MethodInfo {
  /** `/pkg.Service/Method`, as on the wire. */
  readonly path: string;
  /** `pkg.Service` */
  readonly service: string;
  /** `Method` */
  readonly name: string;
  readonly kind: CallKind;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
}

/** The MethodInfo of `/service/name`. */
export function methodInfo(
  service: string,
  name: string,
  clientStreaming: boolean,
  serverStreaming: boolean,
): MethodInfo {
  const kind: CallKind = clientStreaming
    ? serverStreaming
      ? 'bidi-streaming'
      : 'client-streaming'
    : serverStreaming
      ? 'server-streaming'
      : 'unary';
  return { path: `/${service}/${name}`, service, name, kind, clientStreaming, serverStreaming };
}

/**
 * What a `before` hook returns to answer the call itself: the handler does not run. `response` for
 * unary and client-streaming methods, `responses` (sync or async iterable) for server-streaming and
 * bidi ones. To answer with an error status instead, throw a GrpcError.
 */
export type ShortCircuit =
  | { response: AnyMessage }
  | { responses: Iterable<AnyMessage> | AsyncIterable<AnyMessage> };

/**
 * One stage of the server's interceptor pipeline. Every hook is optional.
 *
 * Order: the first interceptor in the list is the outermost. Its `before` runs first, its
 * `onRequest` sees each request message first, its `onResponse` sees each response message last
 * and its `after` runs last. A `before` that throws or short-circuits stops the ones after it and
 * the handler; the `after` hooks of it and of every interceptor before it still run.
 *
 * Errors: whatever a hook throws ends the call with that status (a GrpcError's own; anything else
 * is UNKNOWN with its message, as for handlers). An `after` that throws replaces the status the
 * interceptors outside it (and the client) see.
 *
 * @example
 * const requestId: ServerInterceptor = {
 *   name: 'request-id',
 *   before(call) {
 *     if (!call.metadata.has('x-request-id')) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'x-request-id missing');
 *   },
 *   after(call) {
 *     call.trailers.set('x-request-id', String(call.metadata.get('x-request-id')));
 *   },
 * };
 * const server = new GrpcServer({ interceptors: [requestId] });
 */
export interface ServerInterceptor {
  /** Names the interceptor in errors and docs. */
  readonly name: string;
  /**
   * When the call starts, before any request message reaches the handler: request metadata, method
   * and peer are known. Throw a GrpcError to reject; return a ShortCircuit to answer in place of
   * the handler; return nothing (or a promise of nothing) to go on.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: an `async before() {}` returns Promise<void>, which must fit
  before?(call: InterceptedServerCall): void | ShortCircuit | PromiseLike<void | ShortCircuit>;
  /**
   * Each request message, in order, just before the handler gets it. Returns the message to pass
   * on (undefined: unchanged). Synchronous so messages keep their order without a queue.
   */
  onRequest?(message: AnyMessage, call: InterceptedServerCall): AnyMessage | undefined;
  /** Each response message, before it is encoded. Returns the message to send (undefined: unchanged). */
  onResponse?(message: AnyMessage, call: InterceptedServerCall): AnyMessage | undefined;
  /**
   * Once, when the call ends, however it ends (status sent, client cancel, deadline): `status`,
   * `error`, `durationMs` and the counters are final. Trailers may still be added (`call.trailers`),
   * except on a cancelled call, where nothing more reaches the client.
   */
  after?(call: InterceptedServerCall): void;
}

/** What a call learns from its HTTP/2 stream: the peer, and when the request arrived. */
export interface CallTransport {
  readonly remoteAddress: SocketAddress | null;
  /** performance.now() when the request headers were read. */
  readonly receivedAt: number;
}

/**
 * A per-call value an interceptor keeps between its hooks (a rate-limit key computed in `before`
 * and used again for each stream message), without a Map per call.
 *
 * @example
 * const started = new CallSlot<number>('started');
 * // before: started.set(call, Date.now());  after: started.get(call)
 */
export class CallSlot<T> {
  private static count = 0;
  /** @internal */
  readonly index = CallSlot.count++;

  constructor(readonly name: string) {}

  get(call: InterceptedServerCall): T | undefined {
    return call.slotValue(this.index) as T | undefined;
  }

  set(call: InterceptedServerCall, value: T): void {
    call.setSlotValue(this.index, value);
  }
}

/**
 * One call as interceptors see it: the handler's ServerCall, the method, the peer, the verified
 * identity, message and byte counters, and once it has ended its status and duration.
 */
export class InterceptedServerCall {
  /** performance.now() when the call started: when its request headers were read. */
  readonly startedAt: number;
  /** performance.now() when the call ended; undefined while it runs. */
  endedAt: number | undefined;
  /** Request messages received (decoded), whether or not the handler read them. */
  messagesIn = 0;
  /** Serialized (protobuf) size of the request messages received, after any decompression. */
  bytesIn = 0;
  /** Response messages sent. */
  messagesOut = 0;
  /** Serialized (protobuf) size of the response messages, before any compression. */
  bytesOut = 0;
  /** The final status, once the call has ended. */
  status: GrpcStatus | undefined;
  /** The error the call ended with (undefined for OK). */
  error: GrpcError | undefined;

  /** @internal Befores have all run (or short-circuited): the handler may start once its input is ready. */
  admitted = false;
  /** @internal The request of a unary call is in (always true for client streaming). */
  requestReady: boolean;
  /** @internal The unary request message. */
  request: AnyMessage;
  /** @internal What a before returned in place of the handler. */
  shortCircuit: ShortCircuit | undefined;

  /** How many interceptors' `before` were reached: those get `after`. */
  private entered = 0;
  /** onResponse hooks below this index run; a short-circuit at i leaves its own and inner ones out. */
  private responseDepth: number;
  private slots: unknown[] | undefined;

  /** @internal Built by GrpcServer. */
  constructor(
    readonly call: ServerCall<AnyMessage, AnyMessage>,
    readonly method: MethodInfo,
    private readonly interceptors: readonly ServerInterceptor[],
    private readonly transport: CallTransport,
  ) {
    this.startedAt = transport.receivedAt;
    this.requestReady = method.clientStreaming;
    this.responseDepth = interceptors.length;
  }

  /** Request metadata (custom headers; `authorization` among them). */
  get metadata(): Metadata {
    return this.call.metadata;
  }

  /** Trailing metadata sent with the status (the handler's `call.trailers`); `after` hooks may add to it. */
  get trailers(): Metadata {
    return this.call.trailers;
  }

  /** The verified caller; an auth interceptor sets it and the handler reads it as `call.identity`. */
  get identity(): CallIdentity | undefined {
    return this.call.identity;
  }

  set identity(value: CallIdentity | undefined) {
    this.call.identity = value;
  }

  /** The client's socket address, or null if the connection is already gone. */
  get peerAddress(): SocketAddress | null {
    return this.transport.remoteAddress;
  }

  /** The client's address as text: `127.0.0.1:50123`, `[::1]:50123`, or `unknown`. */
  get peer(): string {
    const a = this.transport.remoteAddress;
    return a === null ? 'unknown' : peerText(a);
  }

  /** The call's deadline (performance.now() time), if it has one. */
  get deadline(): number | undefined {
    return this.call.deadline;
  }

  /** Milliseconds from start to end (or to now, while the call runs). */
  get durationMs(): number {
    return (this.endedAt ?? performance.now()) - this.startedAt;
  }

  /** @internal */
  slotValue(index: number): unknown {
    return this.slots?.[index];
  }

  /** @internal */
  setSlotValue(index: number, value: unknown): void {
    this.slots ??= [];
    this.slots[index] = value;
  }

  /**
   * @internal Runs the `before` hooks in order. Synchronous as long as they are (the common case
   * costs no promise); from the first that returns a promise on, the rest run after it.
   */
  runBefore(): ShortCircuit | undefined | Promise<ShortCircuit | undefined> {
    return this.beforeFrom(0);
  }

  private beforeFrom(start: number): ShortCircuit | undefined | Promise<ShortCircuit | undefined> {
    const list = this.interceptors;
    for (let i = start; i < list.length; i++) {
      // Ended while an earlier before was waiting (deadline, cancel): the rest never start.
      if (this.call.isFinished) return undefined;
      this.entered = i + 1;
      const ic = list[i];
      if (ic.before === undefined) continue;
      const r = ic.before(this);
      if (r === undefined || r === null) continue;
      if (typeof (r as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(r).then((v) =>
          v === undefined || v === null ? this.beforeFrom(i + 1) : this.shortCircuitAt(i, v),
        );
      }
      return this.shortCircuitAt(i, r as ShortCircuit);
    }
    return undefined;
  }

  private shortCircuitAt(index: number, value: ShortCircuit): ShortCircuit {
    const m = this.method;
    const ok = m.serverStreaming ? 'responses' in value : 'response' in value;
    if (!ok) {
      throw new GrpcError(
        GrpcStatus.INTERNAL,
        `interceptor ${this.interceptors[index].name} short-circuited ${m.path} (${m.kind}) with ` +
          `${m.serverStreaming ? '{ response }; a streaming answer needs { responses }' : '{ responses }; it needs { response }'}`,
      );
    }
    this.responseDepth = index;
    return value;
  }

  /** @internal Each request message through onRequest, outermost first. */
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

  /** @internal Each response message through onResponse, innermost first. */
  runResponse(message: AnyMessage): AnyMessage {
    const list = this.interceptors;
    for (let i = this.responseDepth - 1; i >= 0; i--) {
      const ic = list[i];
      if (ic.onResponse === undefined) continue;
      const r = ic.onResponse(message, this);
      if (r !== undefined) message = r;
    }
    return message;
  }

  /**
   * @internal The `after` hooks, innermost first, once. Returns the status to send: `status`
   * unless an after threw.
   */
  runAfter(status: GrpcError | undefined, options?: { ignoreErrors: boolean }): GrpcError | undefined {
    if (this.endedAt !== undefined) return status;
    this.endedAt = performance.now();
    this.settle(status);
    const list = this.interceptors;
    for (let i = this.entered - 1; i >= 0; i--) {
      const ic = list[i];
      if (ic.after === undefined) continue;
      try {
        ic.after(this);
      } catch (e) {
        if (options?.ignoreErrors) continue;
        status = toGrpcError(e);
        this.settle(status);
      }
    }
    return status;
  }

  private settle(status: GrpcError | undefined): void {
    this.error = status;
    this.status = status === undefined ? GrpcStatus.OK : status.status;
  }
}

/** Formatted once per connection: its calls all share one address object. */
const peerTexts = new WeakMap<SocketAddress, string>();

function peerText(a: SocketAddress): string {
  let text = peerTexts.get(a);
  if (text === undefined) {
    text = a.family === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
    peerTexts.set(a, text);
  }
  return text;
}

/**
 * The methods a pattern list matches: exact paths (`/pkg.Service/Method`), whole services
 * (`/pkg.Service/*`) or everything (`*`). Answers are cached per path; only registered methods
 * reach interceptors, so the cache is as bounded as the server's method table.
 *
 * @example
 * const m = new MethodPattern(['/pkg.Admin/*', '/pkg.Orders/Delete']);
 * m.matches('/pkg.Admin/Reset'); // true
 */
export class MethodPattern {
  private readonly exact = new Set<string>();
  private readonly services = new Set<string>();
  private readonly all: boolean;

  constructor(patterns: readonly string[]) {
    let all = false;
    for (const p of patterns) {
      if (p === '*') all = true;
      else if (/^\/[^/]+\/\*$/.test(p)) this.services.add(p.slice(0, -1));
      else if (/^\/[^/]+\/[^/]+$/.test(p)) this.exact.add(p);
      else
        throw new RangeError(
          `method pattern must be /pkg.Service/Method, /pkg.Service/* or *, got ${JSON.stringify(p)}`,
        );
    }
    this.all = all;
  }

  matches(path: string): boolean {
    if (this.all || this.exact.has(path)) return true;
    return this.services.size > 0 && this.services.has(path.slice(0, path.lastIndexOf('/') + 1));
  }
}

/**
 * The entry of `table` for `path`: an exact path first, then its service (`/pkg.Service/*`), then `*`.
 *
 * @example
 * lookupByMethod({ '/pkg.S/*': 1, '/pkg.S/Get': 2 }, '/pkg.S/Get'); // 2
 */
export function lookupByMethod<T>(table: Readonly<Record<string, T>>, path: string): T | undefined {
  if (Object.hasOwn(table, path)) return table[path];
  const service = `${path.slice(0, path.lastIndexOf('/') + 1)}*`;
  if (Object.hasOwn(table, service)) return table[service];
  return Object.hasOwn(table, '*') ? table['*'] : undefined;
}

/** Checks that every key of a per-method table is a valid pattern (a typo would silently match nothing). */
export function checkMethodTable(table: Readonly<Record<string, unknown>>, what: string): void {
  for (const key of Object.keys(table)) {
    if (key !== '*' && !/^\/[^/]+\/(\*|[^/]+)$/.test(key)) {
      throw new RangeError(
        `${what}: method key must be /pkg.Service/Method, /pkg.Service/* or *, got ${JSON.stringify(key)}`,
      );
    }
  }
}
