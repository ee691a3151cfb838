import type { HeaderField, HeaderFieldInput } from '../hpack/index.js';
import { Http2Connection } from '../http2/connection.js';
import { ErrorCode, errorCodeName } from '../http2/error-code.js';
import { Http2ConnectionError, Http2StreamError } from '../http2/errors.js';
import type { Http2Event } from '../http2/events.js';
import type { Http2ConnectionOptions } from '../http2/options.js';
import { connectTcp } from '../tcp/client.js';
import type { TcpConnection } from '../tcp/connection.js';

/** Request body octets queued on a stream before write() returns false (as the server driver). */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

/** A complete response, as collected by `Http2Client.fetch()`. */
export interface Http2Response {
  status: number;
  headers: HeaderField[];
  body: Buffer;
  trailers: HeaderField[];
}

/**
 * One request stream from the client side: send the body, receive response events.
 *
 * @example
 * const s = client.request([[':method', 'POST'], [':path', '/echo']]);
 * s.onData = (chunk) => out.push(chunk);
 * s.write(Buffer.from('hi'));
 * s.end();
 */
export interface Http2ClientStream {
  readonly streamId: number;
  onResponse: (headers: HeaderField[]) => void;
  onData: (chunk: Uint8Array) => void;
  onTrailers: (headers: HeaderField[]) => void;
  onEnd: () => void;
  onReset: (errorCode: number) => void;
  /** The queued request body fell below half the high-water mark after write() returned false. */
  onDrain: () => void;
  /** Queues request body octets; false means "stop writing until onDrain". */
  write(chunk: Uint8Array): boolean;
  /** Stops returning flow-control window for this stream: the server slows down, others do not. */
  pause(): void;
  resume(): void;
  end(chunk?: Uint8Array): void;
  sendTrailers(headers: Iterable<HeaderFieldInput>): void;
  reset(errorCode?: number): void;
}

export interface Http2ClientOptions {
  host?: string;
  port: number;
  /** The :authority of requests. Default `host:port`. */
  authority?: string;
  http2?: Http2ConnectionOptions;
  /**
   * After our FIN, how long to wait for the server's before closing the socket anyway (a server
   * that never closes must not hold close() for ever). Default 5000 ms, like the server side.
   */
  finTimeoutMs?: number;
}

/** How long close() waits for the server's FIN after ours, unless Http2ClientOptions says otherwise. */
export const DEFAULT_CLIENT_FIN_TIMEOUT_MS = 5000;

/**
 * An HTTP/2 client over wirestack's TCP core (h2c with prior knowledge): one connection,
 * multiplexed streams.
 *
 * @example
 * const client = await Http2Client.connect({ port: 8080 });
 * const res = await client.fetch({ path: '/' });
 * console.log(res.status, res.body.toString());
 * await client.close();
 */
export class Http2Client {
  readonly h2: Http2Connection;
  private readonly streams = new Map<number, ClientStream>();
  private writable = true;
  private failure: Error | undefined;
  private closedResolve: (() => void) | undefined;
  private readonly closed: Promise<void>;
  private goAwayReceived = false;
  private readonly pendingPings: { data: Uint8Array; resolve: (rttMs: number) => void; sentAt: number }[] =
    [];
  private settingsResolve: (() => void) | undefined;
  /** Resolves when the server's first SETTINGS frame (its connection preface) has arrived. */
  readonly remoteSettingsReceived: Promise<void>;
  /** Called once when the TCP connection is gone (after a close, a connection error or EOF). */
  onClose: (err: Error | undefined) => void = () => {};
  /** Called when the peer sends GOAWAY: no new streams may be opened on this connection. */
  onGoAway: (errorCode: number, lastStreamId: number) => void = () => {};

  private finTimer: NodeJS.Timeout | undefined;
  /** The core's next deadline (SETTINGS ack), from pollTimeout(). */
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly conn: TcpConnection,
    private readonly authority: string,
    options: Http2ConnectionOptions,
    private readonly finTimeoutMs = DEFAULT_CLIENT_FIN_TIMEOUT_MS,
  ) {
    this.h2 = new Http2Connection('client', options);
    this.h2.handleTimeout(performance.now()); // starts the clock of our SETTINGS' ack deadline
    this.closed = new Promise((resolve) => {
      this.closedResolve = resolve;
    });
    this.remoteSettingsReceived = new Promise((resolve) => {
      this.settingsResolve = resolve;
    });
    conn.onData = (bytes) => this.onData(bytes);
    conn.onDrain = () => {
      this.writable = true;
      this.flush();
      this.drainStreams();
    };
    conn.onClose = (err) => {
      clearTimeout(this.finTimer);
      clearTimeout(this.timer);
      this.failure ??= err ?? new Error('connection closed');
      for (const s of this.streams.values()) s.fail(ErrorCode.CANCEL);
      this.streams.clear();
      this.pendingPings.length = 0;
      this.closedResolve?.();
      this.onClose(err ?? undefined);
    };
    this.flush();
  }

  static async connect(options: Http2ClientOptions): Promise<Http2Client> {
    const host = options.host ?? '127.0.0.1';
    const conn = await connectTcp({ host, port: options.port });
    return new Http2Client(
      conn,
      options.authority ?? `${host}:${options.port}`,
      options.http2 ?? {},
      options.finTimeoutMs,
    );
  }

  /** True while new streams may be opened: connected, no GOAWAY received, no connection error. */
  get isUsable(): boolean {
    return this.failure === undefined && !this.goAwayReceived && !this.h2.isClosed;
  }

  /** Why the connection is gone (undefined while it is up). */
  get failureReason(): Error | undefined {
    return this.failure;
  }

  /** Streams open on this connection. */
  get activeStreams(): number {
    return this.streams.size;
  }

  /**
   * Sends a PING and resolves with the round-trip time in milliseconds when the ACK arrives (the
   * promise never settles if the connection dies first: pair it with a timer).
   *
   * @example
   * const rtt = await client.ping();
   */
  ping(): Promise<number> {
    return new Promise((resolve) => {
      if (this.failure) return;
      const data = new Uint8Array(8);
      new DataView(data.buffer).setFloat64(0, Math.random());
      this.pendingPings.push({ data, resolve, sentAt: performance.now() });
      this.h2.ping(data);
      this.flush();
    });
  }

  /**
   * Opens a stream with `headers` (pseudo-headers default to GET http://authority/).
   *
   * @example
   * const s = client.request([[':path', '/stream']], { endStream: true });
   */
  request(headers: Iterable<HeaderFieldInput>, options: { endStream?: boolean } = {}): Http2ClientStream {
    if (this.failure) throw this.failure;
    const given = [...headers];
    const has = (name: string) =>
      given.some((h) => (Array.isArray(h) ? h[0] : (h as HeaderField).name) === name);
    const pseudo: HeaderFieldInput[] = [];
    if (!has(':method')) pseudo.push([':method', 'GET']);
    if (!has(':scheme')) pseudo.push([':scheme', 'http']);
    if (!has(':authority')) pseudo.push([':authority', this.authority]);
    if (!has(':path')) pseudo.push([':path', '/']);
    // Pseudo-headers first (RFC 9113 §8.3).
    const isPseudo = (h: HeaderFieldInput) =>
      (Array.isArray(h) ? h[0] : (h as HeaderField).name).startsWith(':');
    const all = [...pseudo, ...given.filter(isPseudo), ...given.filter((h) => !isPseudo(h))];
    const id = this.h2.request(all, options);
    const stream = new ClientStream(this, id);
    this.streams.set(id, stream);
    this.flush();
    return stream;
  }

  /**
   * Sends a whole request and collects the whole response.
   *
   * @example
   * const res = await client.fetch({ method: 'POST', path: '/echo', body: Buffer.from('x') });
   */
  fetch(req: {
    method?: string;
    path?: string;
    headers?: HeaderFieldInput[];
    body?: Uint8Array;
  }): Promise<Http2Response> {
    return new Promise((resolve, reject) => {
      const headers: HeaderFieldInput[] = [
        [':method', req.method ?? (req.body ? 'POST' : 'GET')],
        [':path', req.path ?? '/'],
        ...(req.headers ?? []),
      ];
      const s = this.request(headers, { endStream: req.body === undefined });
      const res: Http2Response = { status: 0, headers: [], body: Buffer.alloc(0), trailers: [] };
      const chunks: Uint8Array[] = [];
      s.onResponse = (h) => {
        res.headers = h;
        res.status = Number(h.find((f) => f.name === ':status')?.value ?? 0);
      };
      s.onData = (c) => chunks.push(c);
      s.onTrailers = (t) => {
        res.trailers = t;
      };
      s.onEnd = () => {
        res.body = Buffer.concat(chunks);
        resolve(res);
      };
      s.onReset = (code) => reject(new Http2StreamError(s.streamId, code, `reset: ${errorCodeName(code)}`));
      if (req.body !== undefined) s.end(req.body);
    });
  }

  /** Graceful close: GOAWAY, wait for open streams, then close the TCP connection. */
  async close(): Promise<void> {
    if (!this.failure && !this.h2.isClosed) {
      this.h2.goaway(ErrorCode.NO_ERROR);
      this.flush();
    }
    if (this.streams.size === 0) this.endConnection();
    await this.closed;
  }

  /** Sends our FIN once the output is out; the socket closes on the server's FIN, or at finTimeoutMs. */
  private endConnection(): void {
    this.conn.end();
    if (this.finTimer === undefined) {
      this.finTimer = setTimeout(
        () => this.destroy(new Error('the server did not close the connection')),
        this.finTimeoutMs,
      );
      this.finTimer.unref();
    }
  }

  /** Closes the TCP connection at once: open streams fail (reset CANCEL), `onClose` runs. */
  destroy(err?: Error): void {
    this.failure ??= err ?? new Error('connection destroyed');
    this.conn.destroy(err ?? null);
  }

  private onData(bytes: Uint8Array): void {
    let events: Http2Event[];
    try {
      events = this.h2.receive(bytes, performance.now());
    } catch (e) {
      if (!(e instanceof Http2ConnectionError)) throw e;
      this.flush(); // the GOAWAY, before failure stops flushing
      this.failure = e;
      this.endConnection();
      return;
    }
    for (const ev of events) {
      const s = 'streamId' in ev ? this.streams.get(ev.streamId) : undefined;
      switch (ev.type) {
        case 'responseReceived':
          s?.onResponse(ev.headers);
          break;
        case 'dataReceived':
          s?.onData(ev.data);
          if (s?.holdAcknowledgement(ev.flowControlledLength) !== true)
            this.h2.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
          break;
        case 'trailersReceived':
          s?.onTrailers(ev.headers);
          break;
        case 'streamEnded':
          s?.onEnd();
          this.streams.delete(ev.streamId);
          break;
        case 'streamReset':
          s?.fail(ev.errorCode);
          this.streams.delete(ev.streamId);
          break;
        case 'settingsChanged':
          this.settingsResolve?.();
          this.settingsResolve = undefined;
          break;
        case 'goAwayReceived':
          this.goAwayReceived = true;
          this.onGoAway(ev.errorCode, ev.lastStreamId);
          break;
        case 'pingAcked': {
          const i = this.pendingPings.findIndex((p) => Buffer.from(p.data).equals(ev.data));
          if (i >= 0) {
            const [p] = this.pendingPings.splice(i, 1);
            p.resolve(performance.now() - p.sentAt);
          }
          break;
        }
        default:
          break;
      }
    }
    this.flush();
    this.drainStreams();
    if (this.h2.canClose && this.streams.size === 0) this.endConnection();
  }

  /** WINDOW_UPDATEs and a writable socket let queued bodies go out: tell writers that wait. */
  private drainStreams(): void {
    for (const s of this.streams.values()) s.maybeDrain();
  }

  /** Forgets a stream reset by the application. */
  forget(streamId: number): void {
    this.streams.delete(streamId);
  }

  flush(): void {
    if (!this.writable || this.failure) return;
    const out = this.h2.takeOutput();
    // Frames from the core are fresh buffers or DATA the sender handed over for good
    // (Http2Connection.sendData keeps them uncopied): safe to queue by reference.
    if (out.length > 0) this.writable = this.conn.writev(out, { retain: true });
    if (this.timer === undefined) {
      const deadline = this.h2.pollTimeout();
      if (deadline !== undefined) {
        this.timer = setTimeout(() => this.onTimer(), Math.max(0, deadline - performance.now()));
        this.timer.unref();
      }
    }
  }

  private onTimer(): void {
    this.timer = undefined;
    try {
      this.h2.handleTimeout(performance.now());
    } catch (e) {
      if (!(e instanceof Http2ConnectionError)) throw e;
      this.flush(); // the GOAWAY (SETTINGS_TIMEOUT)
      this.failure = e;
      this.endConnection();
      return;
    }
    this.flush();
  }

  /** Runs a stream command; errors on a stream that is gone are ignored. */
  command(run: () => void): void {
    if (this.failure) return;
    try {
      run();
    } catch (e) {
      if (!(e instanceof Http2StreamError)) throw e;
    }
    this.flush();
  }
}

class ClientStream implements Http2ClientStream {
  onResponse: (headers: HeaderField[]) => void = () => {};
  onData: (chunk: Uint8Array) => void = () => {};
  onTrailers: (headers: HeaderField[]) => void = () => {};
  onEnd: () => void = () => {};
  onReset: (errorCode: number) => void = () => {};
  onDrain: () => void = () => {};
  private failed = false;
  private needDrain = false;
  private paused = false;
  private unacknowledged = 0;

  constructor(
    private readonly client: Http2Client,
    readonly streamId: number,
  ) {}

  write(chunk: Uint8Array): boolean {
    this.client.command(() => this.client.h2.sendData(this.streamId, chunk));
    const ok = this.client.h2.bufferedAmount(this.streamId) < STREAM_HIGH_WATER_MARK;
    if (!ok) this.needDrain = true;
    return ok;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.unacknowledged > 0) {
      const n = this.unacknowledged;
      this.unacknowledged = 0;
      this.client.command(() => this.client.h2.acknowledgeReceivedData(this.streamId, n));
    }
  }

  /** While paused, received octets are acknowledged only on resume(). */
  holdAcknowledgement(n: number): boolean {
    if (!this.paused) return false;
    this.unacknowledged += n;
    return true;
  }

  maybeDrain(): void {
    if (this.needDrain && this.client.h2.bufferedAmount(this.streamId) < STREAM_HIGH_WATER_MARK / 2) {
      this.needDrain = false;
      this.onDrain();
    }
  }

  end(chunk: Uint8Array = new Uint8Array(0)): void {
    this.client.command(() => this.client.h2.sendData(this.streamId, chunk, { endStream: true }));
  }

  sendTrailers(headers: Iterable<HeaderFieldInput>): void {
    this.client.command(() => this.client.h2.sendTrailers(this.streamId, headers));
  }

  reset(errorCode: number = ErrorCode.CANCEL): void {
    this.client.command(() => this.client.h2.resetStream(this.streamId, errorCode));
    this.client.forget(this.streamId);
  }

  fail(errorCode: number): void {
    if (this.failed) return;
    this.failed = true;
    this.onReset(errorCode);
  }
}
