import { type Http1Limits, Router } from '../http1/index.js';
import type { SocketAddress } from '../sys/sockaddr.js';
import { type DrainSummary, type ListenOptions, TcpServer, type TcpServerOptions } from '../tcp/index.js';
import type { Http1ServerRequest } from './http1-request.js';
import type { Http1ServerResponse } from './http1-response.js';
import { type Http1ConnectionHost, Http1ServerConnection } from './http1-server-connection.js';

export { HttpError } from './http1-http-error.js';
export { Http1ServerRequest } from './http1-request.js';
export { Http1ServerResponse } from './http1-response.js';

/** A request handler: respond through `res`; throw HttpError for an error status. */
export type Http1Handler = (req: Http1ServerRequest, res: Http1ServerResponse) => void | Promise<void>;

/** Every option of an Http1Server: the TCP server's, the parser's limits, and HTTP timers. */
export interface Http1ServerOptions extends TcpServerOptions {
  /** Request parsing limits (request line, header count and bytes, body size). */
  limits?: Partial<Http1Limits>;
  /**
   * A request head must be complete this long after its first byte (or after accept, for the
   * first request): against slowloris clients that trickle headers. Answered with 408 and close.
   * 0 disables. Default 10000.
   */
  headerTimeoutMs?: number;
  /**
   * A request body must be complete this long after its head: against clients that trickle a body
   * a byte at a time (slow POST), which neither the header timeout nor the idle timeout catches.
   * Answered with 408 and close. 0 disables. Default 60000 (1 MiB at 17 KiB/s).
   */
  bodyTimeoutMs?: number;
  /** Request body bytes queued for a handler before the socket stops being read. Default 64 KiB. */
  bodyHighWaterMark?: number;
  /** Bytes of pipelined requests buffered while a response is pending before reading pauses. Default 64 KiB. */
  maxPipelinedBytes?: number;
}

export interface Http1ServerCounters {
  requests: number;
  protocolErrors: number;
  headerTimeouts: number;
  bodyTimeouts: number;
  handlerErrors: number;
}

/**
 * An HTTP/1.1 server on wirestack's raw-syscall TCP server: routes with path params, handlers
 * with JSON and streaming helpers, keep-alive and pipelining, a header-read timeout, and graceful
 * drain (in-flight requests finish, their responses carry `Connection: close`).
 *
 * @example
 * const server = new Http1Server({ headerTimeoutMs: 10_000 });
 * server.get('/items/:id', (req, res) => res.json({ id: req.params.id }));
 * server.post('/items', async (req, res) => res.status(201).json(await req.json()));
 * const { port } = await server.listen({ host: '127.0.0.1', port: 8080 });
 * process.on('SIGTERM', async () => console.log(await server.close()));
 */
export class Http1Server implements Http1ConnectionHost {
  readonly tcp: TcpServer;
  readonly router = new Router<Http1Handler>();
  readonly counters: Http1ServerCounters = {
    requests: 0,
    protocolErrors: 0,
    bodyTimeouts: 0,
    headerTimeouts: 0,
    handlerErrors: 0,
  };
  readonly headerTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly bodyHighWaterMark: number;
  readonly maxPipelinedBytes: number;
  private readonly limits: Partial<Http1Limits>;
  private readonly log: ((line: string) => void) | undefined;
  private readonly open = new Set<Http1ServerConnection>();
  private headerTimer: NodeJS.Timeout | null = null;
  private drainStarted = false;

  constructor(options: Http1ServerOptions = {}) {
    this.tcp = new TcpServer(options);
    this.limits = options.limits ?? {};
    this.log = options.log;
    this.headerTimeoutMs = options.headerTimeoutMs ?? 10_000;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? 60_000;
    this.bodyHighWaterMark = options.bodyHighWaterMark ?? 64 * 1024;
    this.maxPipelinedBytes = options.maxPipelinedBytes ?? 64 * 1024;
    this.tcp.onConnection = (tcp) => {
      const conn = new Http1ServerConnection(tcp, this, this.limits);
      this.open.add(conn);
      const onClose = tcp.onClose;
      tcp.onClose = (err, reason) => {
        this.open.delete(conn);
        onClose(err, reason);
      };
    };
  }

  /** The HTTP connections open now (for introspection and tests). */
  get connections(): ReadonlySet<Http1ServerConnection> {
    return this.open;
  }

  get draining(): boolean {
    return this.drainStarted;
  }

  get listening(): SocketAddress | null {
    return this.tcp.listening;
  }

  /** Register a handler for `method` and a path pattern such as `/items/:id` or `/files/*path`. */
  route(method: string, pattern: string, handler: Http1Handler): this {
    this.router.add(method, pattern, handler);
    return this;
  }

  get(pattern: string, handler: Http1Handler): this {
    return this.route('GET', pattern, handler);
  }

  post(pattern: string, handler: Http1Handler): this {
    return this.route('POST', pattern, handler);
  }

  put(pattern: string, handler: Http1Handler): this {
    return this.route('PUT', pattern, handler);
  }

  patch(pattern: string, handler: Http1Handler): this {
    return this.route('PATCH', pattern, handler);
  }

  delete(pattern: string, handler: Http1Handler): this {
    return this.route('DELETE', pattern, handler);
  }

  async listen(options: ListenOptions = {}): Promise<SocketAddress> {
    const address = await this.tcp.listen(options);
    const periods = [this.headerTimeoutMs, this.bodyTimeoutMs].filter((t) => t > 0);
    if (periods.length > 0) {
      const tick = Math.max(20, Math.min(1000, Math.floor(Math.min(...periods) / 4)));
      this.headerTimer = setInterval(() => this.checkHeaderTimeouts(performance.now()), tick);
      this.headerTimer.unref();
    }
    return address;
  }

  /**
   * Graceful drain: stop accepting, close idle keep-alive connections, let requests in flight
   * finish (their responses say `Connection: close`), cut what is left at the drain timeout.
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<DrainSummary> {
    this.drainStarted = true;
    const done = this.tcp.close(options);
    return done.finally(() => {
      if (this.headerTimer) clearInterval(this.headerTimer);
      this.headerTimer = null;
    });
  }

  /** One pass of the header- and body-read timers; exposed so tests can drive them with their own clock. */
  checkHeaderTimeouts(now: number): void {
    const head = this.headerTimeoutMs;
    const body = this.bodyTimeoutMs;
    for (const conn of this.open) {
      if (conn.closing) continue;
      if (head > 0 && conn.headStartedAt > 0 && now - conn.headStartedAt > head) {
        this.counters.headerTimeouts++;
        this.log?.(`connection ${conn.tcp.id}: request head not complete after ${head} ms: 408`);
        conn.failWith(408, `request head not received within ${head} ms`);
      } else if (body > 0 && conn.bodyStartedAt > 0 && now - conn.bodyStartedAt > body) {
        this.counters.bodyTimeouts++;
        this.log?.(`connection ${conn.tcp.id}: request body not complete after ${body} ms: 408`);
        conn.failWith(408, `request body not received within ${body} ms`);
      }
    }
  }

  /** @internal */
  dispatch(req: Http1ServerRequest, res: Http1ServerResponse): void | Promise<void> {
    this.counters.requests++;
    const found = this.router.find(req.method, req.path);
    if (found.kind === 'found') {
      req.params = found.params;
      return found.handler(req, res);
    }
    if (found.kind === 'method-not-allowed') {
      res
        .status(405)
        .header('allow', found.allowed.join(', '))
        .json({ error: `${req.method} not allowed here` });
      return;
    }
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  }

  /** @internal */
  protocolError(conn: Http1ServerConnection, err: Error): void {
    this.counters.protocolErrors++;
    this.log?.(`connection ${conn.tcp.id}: ${err.message}`);
  }

  /** @internal */
  handlerFailed(err: unknown): void {
    this.counters.handlerErrors++;
    this.log?.(`handler failed: ${err instanceof Error ? err.stack : String(err)}`);
  }
}
