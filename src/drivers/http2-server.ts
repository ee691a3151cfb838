import type { HeaderField, HeaderFieldInput } from '../hpack/index.js';
import { Http2Connection } from '../http2/connection.js';
import { ErrorCode } from '../http2/error-code.js';
import { Http2ConnectionError, Http2StreamError } from '../http2/errors.js';
import type { Http2ConnectionOptions } from '../http2/options.js';
import type { SocketAddress } from '../sys/sockaddr.js';
import type { TcpConnection } from '../tcp/connection.js';
import { type DrainSummary, TcpServer, type TcpServerOptions } from '../tcp/server.js';
import { type KeepalivePolicyOptions, PingStrikePolicy } from './keepalive-policy.js';

/** Octets queued on one stream above which `write()` returns false (then wait for `onDrain`). */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

/**
 * One request/response exchange as the handler sees it: request headers, a body stream in,
 * response headers, a body stream out, trailers. Used by the gRPC layer.
 *
 * @example
 * const handler: Http2Handler = (s) => {
 *   s.onData = (chunk) => s.write(chunk);
 *   s.onEnd = () => { s.sendTrailers([['grpc-status', '0']]); };
 *   s.respond([[':status', '200'], ['content-type', 'application/grpc']]);
 * };
 */
export interface Http2ServerStream {
  readonly streamId: number;
  readonly method: string;
  readonly path: string;
  /** The whole request header section, pseudo-headers first. */
  readonly headers: readonly HeaderField[];
  /** The client's address (read from the socket once per connection, on first use); null once it is closed. */
  readonly remoteAddress: SocketAddress | null;
  /** performance.now() when the bytes carrying the request headers were read. */
  readonly receivedAt: number;
  /** A request body chunk (yours to keep). */
  onData: (chunk: Uint8Array) => void;
  /** The request trailer section. */
  onTrailers: (headers: readonly HeaderField[]) => void;
  /** The request body is complete. */
  onEnd: () => void;
  /** The stream was reset (by the client, or after a protocol error); nothing more will happen. */
  onReset: (errorCode: number) => void;
  /** The queued response body fell below the high-water mark after write() returned false. */
  onDrain: () => void;
  /** Sends the response header section (`:status` first). */
  respond(headers: Iterable<HeaderFieldInput>, options?: { endStream?: boolean }): void;
  /** Queues response body octets; false means "stop writing until onDrain". */
  write(chunk: Uint8Array): boolean;
  /** Ends the response, optionally with a last chunk. */
  end(chunk?: Uint8Array): void;
  /** Ends the response with a trailer section. */
  sendTrailers(headers: Iterable<HeaderFieldInput>): void;
  /** Resets the stream (default CANCEL). */
  reset(errorCode?: number): void;
  /** Stops returning flow-control window for this stream: the client slows down, others do not. */
  pause(): void;
  resume(): void;
}

/** Called once per request stream. */
export type Http2Handler = (stream: Http2ServerStream) => void;

export interface Http2ServerOptions {
  tcp?: TcpServerOptions;
  http2?: Http2ConnectionOptions;
  /**
   * Ping enforcement and connection idle/age limits (grpc-go's keepalive rules). Absent: none of
   * them (a plain HTTP/2 server answers every PING, within the connection's flood limits).
   */
  keepalive?: KeepalivePolicyOptions;
}

/** Counters across all connections of an Http2Server, merged from each connection's stats(). */
export type Http2ServerStats = Record<string, number>;

/**
 * An HTTP/2 server over wirestack's TCP core: cleartext h2c with prior knowledge (RFC 9113 §3.3).
 * Each TCP connection gets a sans-IO Http2Connection; this driver moves bytes, runs the handler
 * and applies backpressure both ways (a full socket stops framing; a paused stream stops its
 * WINDOW_UPDATEs).
 *
 * @example
 * const server = createHttp2Server((s) => {
 *   s.respond([[':status', '200'], ['content-type', 'text/plain']]);
 *   s.end(Buffer.from('hello\n'));
 * });
 * const { port } = await server.listen({ port: 8080 });
 * // curl --http2-prior-knowledge http://127.0.0.1:8080/
 */
export class Http2Server {
  readonly tcp: TcpServer;
  private readonly handler: Http2Handler;
  private readonly options: Http2ConnectionOptions;
  private readonly keepalive: KeepalivePolicyOptions | undefined;
  private readonly sessions = new Set<Session>();
  private readonly totals = new Map<string, number>();

  constructor(handler: Http2Handler, options: Http2ServerOptions = {}) {
    this.handler = handler;
    this.options = options.http2 ?? {};
    this.keepalive = options.keepalive;
    this.tcp = new TcpServer(options.tcp);
    this.tcp.onConnection = (conn) => {
      const session = new Session(conn, this.handler, this.options, this.keepalive, (s) => this.ended(s));
      this.sessions.add(session);
    };
  }

  listen(options: { host?: string; port?: number } = {}): ReturnType<TcpServer['listen']> {
    return this.tcp.listen(options);
  }

  /**
   * Graceful stop: every connection gets the two-phase GOAWAY, in-flight streams finish, then the
   * TCP server drains.
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<DrainSummary> {
    for (const s of this.sessions) s.shutdown();
    return this.tcp.close(options);
  }

  /** Abuse and error counters summed over all connections, open and closed. */
  stats(): Http2ServerStats {
    const out = Object.fromEntries(this.totals);
    for (const s of this.sessions) {
      for (const [k, v] of Object.entries(s.h2.stats())) out[k] = (out[k] ?? 0) + v;
      for (const [k, v] of Object.entries(s.counters)) out[k] = (out[k] ?? 0) + v;
    }
    return out;
  }

  private ended(session: Session): void {
    this.sessions.delete(session);
    for (const [k, v] of Object.entries(session.counters)) this.totals.set(k, (this.totals.get(k) ?? 0) + v);
    for (const [k, v] of Object.entries(session.h2.stats()))
      this.totals.set(k, (this.totals.get(k) ?? 0) + v);
  }
}

/** Shorthand for `new Http2Server(handler, options)`. */
export function createHttp2Server(handler: Http2Handler, options: Http2ServerOptions = {}): Http2Server {
  return new Http2Server(handler, options);
}

/** One TCP connection and its HTTP/2 state. */
class Session {
  readonly h2: Http2Connection;
  private readonly streams = new Map<number, ServerStream>();
  private writable = true;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  /** While events are dispatched, commands do not flush: one writev per read. */
  private dispatching = false;
  private peerEnded = false;
  private flushScheduled = false;
  readonly pings: PingStrikePolicy | undefined;
  /** Keepalive counters, merged into Http2Server.stats(). */
  readonly counters: Record<string, number> = {};
  private tooManyPings = false;
  private lastBusyAt = performance.now();
  /** When the bytes being dispatched were read: the arrival time of the streams they open. */
  lastReadAt = performance.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly conn: TcpConnection,
    private readonly handler: Http2Handler,
    options: Http2ConnectionOptions,
    keepalive: KeepalivePolicyOptions | undefined,
    private readonly onEnded: (s: Session) => void,
  ) {
    this.h2 = new Http2Connection('server', options);
    this.h2.handleTimeout(performance.now()); // starts the clock of our SETTINGS' ack deadline
    if (keepalive) {
      this.pings = new PingStrikePolicy(keepalive);
      this.startLifetimeTimers(keepalive);
    }
    conn.onData = (bytes) => this.onData(bytes);
    conn.onDrain = () => {
      this.writable = true;
      this.flush();
    };
    // The client will send nothing more, but may still be reading responses: end once they are sent.
    conn.onEnd = () => {
      this.peerEnded = true;
      this.flush();
    };
    conn.onClose = () => {
      if (this.timer) clearTimeout(this.timer);
      if (this.idleTimer) clearTimeout(this.idleTimer);
      if (this.ageTimer) clearTimeout(this.ageTimer);
      this.finished = true;
      for (const s of this.streams.values()) s.closed(ErrorCode.CANCEL);
      this.streams.clear();
      this.onEnded(this);
    };
    this.flush();
  }

  shutdown(): void {
    if (this.finished || this.h2.isClosed) return;
    this.h2.shutdownGracefully(performance.now());
    this.flush();
  }

  private onData(bytes: Uint8Array): void {
    let events: ReturnType<Http2Connection['receive']>;
    const now = performance.now();
    this.lastReadAt = now;
    try {
      events = this.h2.receive(bytes, now);
    } catch (e) {
      if (!(e instanceof Http2ConnectionError)) throw e;
      this.flush(); // the GOAWAY
      this.conn.end();
      return;
    }
    this.dispatching = true;
    try {
      this.dispatch(events);
    } finally {
      this.dispatching = false;
    }
    if (this.tooManyPings && !this.h2.isClosed) {
      // grpc-go's enforcement: GOAWAY ENHANCE_YOUR_CALM with debug data "too_many_pings", then close.
      this.count('too_many_pings');
      this.h2.goaway(ErrorCode.ENHANCE_YOUR_CALM, new TextEncoder().encode('too_many_pings'));
      this.flush();
      this.conn.end();
      return;
    }
    this.flush();
  }

  private count(name: string): void {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  /** Max connection idle and age (grpc-go ServerParameters): a graceful GOAWAY so clients rebalance. */
  private startLifetimeTimers(keepalive: KeepalivePolicyOptions): void {
    const idle = keepalive.maxConnectionIdleMs ?? 0;
    if (idle > 0) {
      const check = () => {
        const quiet = performance.now() - this.lastBusyAt;
        if (this.h2.openStreamCount === 0 && quiet >= idle) {
          this.count('max_connection_idle');
          this.shutdown();
        } else {
          this.idleTimer = setTimeout(check, this.h2.openStreamCount === 0 ? idle - quiet : idle);
        }
      };
      this.idleTimer = setTimeout(check, idle);
    }
    const age = keepalive.maxConnectionAgeMs ?? 0;
    if (age > 0) {
      // ±10% jitter, as grpc-go, so connections made together do not all leave together.
      this.ageTimer = setTimeout(
        () => {
          this.count('max_connection_age');
          this.shutdown();
          const grace = keepalive.maxConnectionAgeGraceMs ?? 0;
          if (grace > 0) this.ageTimer = setTimeout(() => this.conn.end(), grace);
        },
        age * (0.9 + 0.2 * Math.random()),
      );
    }
  }

  private dispatch(events: ReturnType<Http2Connection['receive']>): void {
    for (const ev of events) {
      switch (ev.type) {
        case 'requestReceived': {
          const stream = new ServerStream(this, ev.streamId, ev.headers);
          this.streams.set(ev.streamId, stream);
          try {
            this.handler(stream);
          } catch {
            this.resetStream(ev.streamId, ErrorCode.INTERNAL_ERROR);
          }
          break;
        }
        case 'dataReceived':
          this.streams.get(ev.streamId)?.received(ev.data);
          break;
        case 'trailersReceived':
          this.streams.get(ev.streamId)?.onTrailers(ev.headers);
          break;
        case 'streamEnded':
          this.streams.get(ev.streamId)?.onEnd();
          this.forgetIfDone(ev.streamId);
          break;
        case 'streamReset':
          this.streams.get(ev.streamId)?.closed(ev.errorCode);
          this.streams.delete(ev.streamId);
          break;
        case 'pingReceived':
          if (this.pings?.onPing(performance.now(), this.h2.openStreamCount) === 'too_many_pings') {
            this.tooManyPings = true;
          }
          break;
        default:
          break;
      }
    }
  }

  /**
   * Flushes once at the end of the current microtask checkpoint: a handler that responds, writes a
   * message and sends trailers in one turn (a gRPC unary reply) costs one writev, not three.
   */
  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Writes what the connection has, unless the socket is backed up; notifies drained streams. */
  flush(): void {
    if (this.finished || this.dispatching) return;
    if (this.writable) {
      const out = this.h2.takeOutput();
      // Frames from the core are fresh buffers or DATA the sender handed over for good
      // (Http2Connection.sendData keeps them uncopied): safe to queue by reference.
      if (out.length > 0) this.writable = this.conn.writev(out, { retain: true });
      let abandoned = false;
      for (const [id, s] of this.streams) {
        const state = this.h2.streamState(id);
        // A stream whose END_STREAM went out after the peer's is closed now: forget it, or every
        // finished stream would stay in this map (and be "reset" at disconnect) for the connection's life.
        if (state === 'closed') this.streams.delete(id);
        else if (this.peerEnded && (state === 'half_closed_local' || state === 'open')) {
          // The peer shut its write side without ending this request: its END_STREAM can never
          // come, and waiting for it kept the connection open for ever. A complete response ends
          // with NO_ERROR (RFC 9113 §8.1); a handler still answering a truncated request is cancelled.
          const code = state === 'open' ? ErrorCode.CANCEL : ErrorCode.NO_ERROR;
          this.h2.resetStream(id, code);
          this.streams.delete(id);
          s.closed(code);
          abandoned = true;
        } else s.maybeDrain();
      }
      if (abandoned && this.writable) {
        const rst = this.h2.takeOutput();
        if (rst.length > 0) this.writable = this.conn.writev(rst, { retain: true });
      }
    }
    this.conn.busy = this.h2.openStreamCount > 0;
    if (this.conn.busy) this.lastBusyAt = performance.now();
    const deadline = this.h2.pollTimeout();
    if (deadline !== undefined && this.timer === undefined) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          try {
            this.h2.handleTimeout(performance.now());
          } catch (e) {
            if (!(e instanceof Http2ConnectionError)) throw e;
            this.flush(); // the GOAWAY (SETTINGS_TIMEOUT)
            this.conn.end();
            return;
          }
          this.flush();
        },
        Math.max(0, deadline - performance.now()),
      );
    }
    const idle = this.h2.openStreamCount === 0 && !this.h2.wantsWrite;
    if (idle && (this.h2.canClose || this.peerEnded)) this.conn.end();
  }

  acknowledge(streamId: number, n: number): void {
    this.h2.acknowledgeReceivedData(streamId, n);
  }

  resetStream(streamId: number, code: number): void {
    this.h2.resetStream(streamId, code);
    this.streams.get(streamId)?.closed(code);
    this.streams.delete(streamId);
    this.flush();
  }

  forgetIfDone(streamId: number): void {
    if (this.h2.streamState(streamId) === 'closed') this.streams.delete(streamId);
  }

  get isOpen(): boolean {
    return !this.finished && !this.h2.isClosed;
  }

  get remoteAddress(): SocketAddress | null {
    return this.conn.remoteAddress;
  }
}

class ServerStream implements Http2ServerStream {
  readonly method: string;
  readonly path: string;
  readonly receivedAt: number;
  onData: (chunk: Uint8Array) => void = () => {};
  onTrailers: (headers: readonly HeaderField[]) => void = () => {};
  onEnd: () => void = () => {};
  onReset: (errorCode: number) => void = () => {};
  onDrain: () => void = () => {};
  private paused = false;
  private unacknowledged = 0;
  private needDrain = false;
  private done = false;

  constructor(
    private readonly session: Session,
    readonly streamId: number,
    readonly headers: readonly HeaderField[],
  ) {
    this.method = headers.find((h) => h.name === ':method')?.value ?? '';
    this.path = headers.find((h) => h.name === ':path')?.value ?? '';
    this.receivedAt = session.lastReadAt;
  }

  get remoteAddress(): SocketAddress | null {
    return this.session.remoteAddress;
  }

  received(data: Uint8Array): void {
    this.onData(data);
    if (this.paused) this.unacknowledged += data.length;
    else this.session.acknowledge(this.streamId, data.length);
  }

  respond(headers: Iterable<HeaderFieldInput>, options: { endStream?: boolean } = {}): void {
    this.command(() => this.session.h2.sendHeaders(this.streamId, headers, options));
  }

  write(chunk: Uint8Array): boolean {
    this.command(() => this.session.h2.sendData(this.streamId, chunk));
    const ok = this.session.h2.bufferedAmount(this.streamId) < STREAM_HIGH_WATER_MARK;
    if (!ok) this.needDrain = true;
    return ok;
  }

  end(chunk: Uint8Array = new Uint8Array(0)): void {
    this.command(() => this.session.h2.sendData(this.streamId, chunk, { endStream: true }));
  }

  sendTrailers(headers: Iterable<HeaderFieldInput>): void {
    this.command(() => this.session.h2.sendTrailers(this.streamId, headers));
  }

  reset(errorCode: number = ErrorCode.CANCEL): void {
    if (this.done || !this.session.isOpen) return;
    this.session.resetStream(this.streamId, errorCode);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.unacknowledged > 0) {
      this.session.acknowledge(this.streamId, this.unacknowledged);
      this.unacknowledged = 0;
      this.session.flush();
    }
  }

  maybeDrain(): void {
    if (this.needDrain && this.session.h2.bufferedAmount(this.streamId) < STREAM_HIGH_WATER_MARK / 2) {
      this.needDrain = false;
      this.onDrain();
    }
  }

  closed(errorCode: number): void {
    if (this.done) return;
    this.done = true;
    this.onReset(errorCode);
  }

  /** Runs a command on the connection; a stream that is gone makes it a no-op, not a crash. */
  private command(run: () => void): void {
    if (this.done || !this.session.isOpen) return;
    try {
      run();
    } catch (e) {
      if (!(e instanceof Http2StreamError)) throw e;
      return;
    }
    this.session.pings?.onFrameSent();
    this.session.forgetIfDone(this.streamId);
    this.session.scheduleFlush();
  }
}
