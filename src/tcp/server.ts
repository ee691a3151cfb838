import { Reactor } from '../loop/reactor.js';
import { EPOLLIN, EPOLLRDHUP } from '../sys/constants.js';
import { EAGAIN, ECONNABORTED, EMFILE, ENFILE, ENOBUFS, ENOMEM, SysError } from '../sys/errno.js';
import { libc } from '../sys/libc.js';
import type { SocketAddress } from '../sys/sockaddr.js';
import {
  accept,
  bind,
  close,
  familyOf,
  listen,
  localAddress,
  read,
  send,
  setKeepAlive,
  setNoDelay,
  setReuseAddr,
  setReusePort,
  setV6Only,
  tcpSocket,
} from '../sys/socket.js';
import {
  type ConnectionLimits,
  type ConnectionOwner,
  DEFAULT_CONNECTION_LIMITS,
  TcpConnection,
} from './connection.js';

/** Every limit and timer of a TcpServer. All are optional; defaults are documented per field. */
export interface TcpServerOptions extends Partial<ConnectionLimits> {
  /** Connections served at once (`--max-conns`). Default 10000. */
  maxConnections?: number;
  /**
   * Accepted connections that wait, FIFO, for a free slot once maxConnections are active
   * (`--backlog`). Beyond that a client gets a one-line error and is closed. Default 128.
   * Not the kernel's listen backlog: see `listenBacklog`.
   */
  backlog?: number;
  /** listen(2) backlog: handshakes the kernel completes before we accept them (capped by somaxconn). Default 511. */
  listenBacklog?: number;
  /** Close a connection with no read or write progress for this long (`--idle-timeout`). 0 disables. Default 30000. */
  idleTimeoutMs?: number;
  /**
   * Send `heartbeat` after this much read silence; a peer that sends nothing within another
   * interval is closed (`--heartbeat`). 0 disables. Default 0.
   */
  heartbeatIntervalMs?: number;
  /** The probe bytes sent as a heartbeat. Default `PING\r\n`. */
  heartbeat?: Uint8Array;
  /** Upper bound for a graceful close; what is left is cut (`--drain-timeout`). Default 30000. */
  drainTimeoutMs?: number;
  /** During a drain, a connection with nothing queued and no bytes read for this long is idle. Default 250. */
  drainQuietMs?: number;
  /** After our FIN, how long to wait for the peer's before closing anyway. Default 5000. */
  finTimeoutMs?: number;
  /** The line a client gets when connections and backlog are full. */
  busyMessage?: string;
  /** The line a queued client gets when the server shuts down before serving it. */
  shutdownMessage?: string;
  /** TCP_NODELAY on accepted sockets. Default true. */
  noDelay?: boolean;
  /** SO_KEEPALIVE on accepted sockets (kernel probes after its own idle time). Default true. */
  keepAlive?: boolean;
  /** SO_REUSEPORT on the listener, for several processes on one port. Default false. */
  reusePort?: boolean;
  reactor?: Reactor;
  /** Where the server reports notable events (drains, fd exhaustion, handler errors). Default: none. */
  log?: (line: string) => void;
}

export interface ListenOptions {
  /** Numeric IPv4/IPv6 address or `localhost`. `::` listens dual-stack. Default 127.0.0.1. */
  host?: string;
  /** 0 asks the kernel for a free port; read it back from the result. Default 0. */
  port?: number;
}

export interface ServerCounters {
  active: number;
  queued: number;
  accepted: number;
  served: number;
  rejected: number;
  queueAbandoned: number;
  idleClosed: number;
  heartbeatClosed: number;
  fdExhausted: number;
  handlerErrors: number;
}

export interface DrainSummary {
  /** Connections in flight when the drain began that finished on their own. */
  drained: number;
  /** Connections with nothing pending, closed at once. */
  idleClosed: number;
  /** Connections still open at the drain timeout, force-closed. */
  cut: number;
  /** Clients waiting in the backlog queue, told the server is shutting down. */
  queuedTold: number;
  durationMs: number;
}

const enc = new TextEncoder();

/**
 * A TCP server on raw syscalls: non-blocking accept4 on an epoll reactor, a connection limit with a
 * FIFO backlog queue, idle timeouts and heartbeats from one periodic sweep, and graceful drain.
 *
 * @example
 * const server = new TcpServer({ maxConnections: 100, backlog: 10 });
 * server.onConnection = (conn) => { conn.onData = (b) => conn.write(b); };
 * const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
 * process.on('SIGTERM', async () => console.log(await server.close()));
 */
export class TcpServer implements ConnectionOwner {
  onConnection: (conn: TcpConnection) => void = (conn) => conn.destroy();
  readonly counters: ServerCounters = {
    active: 0,
    queued: 0,
    accepted: 0,
    served: 0,
    rejected: 0,
    queueAbandoned: 0,
    idleClosed: 0,
    heartbeatClosed: 0,
    fdExhausted: 0,
    handlerErrors: 0,
  };

  readonly reactor: Reactor;
  readonly maxConnections: number;
  readonly backlog: number;
  readonly idleTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly drainTimeoutMs: number;
  private readonly opts: TcpServerOptions;
  private readonly limits: ConnectionLimits;
  private readonly active = new Set<TcpConnection>();
  private readonly waiting: number[] = [];
  private listenFd = -1;
  private spareFd = -1;
  private address: SocketAddress | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private acceptBackoffMs = 0;
  private acceptTimer: NodeJS.Timeout | null = null;
  private draining: {
    promise: Promise<DrainSummary>;
    resolve: (s: DrainSummary) => void;
    inFlight: Set<TcpConnection>;
    summary: DrainSummary;
    startedAt: number;
    timer: NodeJS.Timeout;
  } | null = null;

  constructor(options: TcpServerOptions = {}) {
    this.opts = options;
    this.reactor = options.reactor ?? Reactor.shared();
    this.maxConnections = positive(options.maxConnections ?? 10_000, 'maxConnections');
    this.backlog = nonNegative(options.backlog ?? 128, 'backlog');
    this.idleTimeoutMs = nonNegative(options.idleTimeoutMs ?? 30_000, 'idleTimeoutMs');
    this.heartbeatIntervalMs = nonNegative(options.heartbeatIntervalMs ?? 0, 'heartbeatIntervalMs');
    this.drainTimeoutMs = nonNegative(options.drainTimeoutMs ?? 30_000, 'drainTimeoutMs');
    this.limits = {
      highWaterMark: positive(
        options.highWaterMark ?? DEFAULT_CONNECTION_LIMITS.highWaterMark,
        'highWaterMark',
      ),
      maxQueuedBytes: positive(
        options.maxQueuedBytes ?? DEFAULT_CONNECTION_LIMITS.maxQueuedBytes,
        'maxQueuedBytes',
      ),
      maxReadsPerEvent: positive(
        options.maxReadsPerEvent ?? DEFAULT_CONNECTION_LIMITS.maxReadsPerEvent,
        'maxReadsPerEvent',
      ),
    };
  }

  /** Bind and listen. Resolves with the bound address (read the port back when you asked for 0). */
  async listen(options: ListenOptions = {}): Promise<SocketAddress> {
    if (this.listenFd >= 0) throw new Error('server is already listening');
    if (this.draining) throw new Error('server is closed');
    const host = options.host ?? '127.0.0.1';
    const family = familyOf(host);
    const fd = tcpSocket(family);
    try {
      setReuseAddr(fd, true);
      if (this.opts.reusePort) setReusePort(fd, true);
      if (family === 6 && (host === '::' || host === '[::]')) setV6Only(fd, false);
      bind(fd, host, options.port ?? 0);
      listen(fd, this.opts.listenBacklog ?? 511);
      this.address = localAddress(fd);
    } catch (err) {
      close(fd);
      throw err;
    }
    this.listenFd = fd;
    // The reserve fd: when accept fails with EMFILE we give it up for one accept to shed that
    // client cleanly, instead of leaving it in the kernel queue and spinning on readiness.
    this.spareFd = libc.open('/dev/null', 0o2000000);
    this.reactor.add(fd, EPOLLIN, this.onAcceptable);
    const tick = this.sweepInterval();
    if (tick > 0) {
      this.sweepTimer = setInterval(() => this.sweep(performance.now()), tick);
      this.sweepTimer.unref();
    }
    return this.address;
  }

  /** Where the server listens (null before listen()). */
  get listening(): SocketAddress | null {
    return this.listenFd >= 0 ? this.address : null;
  }

  get connections(): ReadonlySet<TcpConnection> {
    return this.active;
  }

  /**
   * Graceful shutdown: stop accepting now (new connects are refused), tell queued clients, close
   * idle connections, let in-flight ones finish, and force-close what is left at the drain timeout.
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<DrainSummary> {
    if (this.draining) return this.draining.promise;
    const startedAt = performance.now();
    const summary: DrainSummary = { drained: 0, idleClosed: 0, cut: 0, queuedTold: 0, durationMs: 0 };
    let resolve!: (s: DrainSummary) => void;
    const promise = new Promise<DrainSummary>((r) => {
      resolve = r;
    });
    const timeout = options.drainTimeoutMs ?? this.drainTimeoutMs;
    const timer = setTimeout(() => this.cutRemaining(), timeout);
    this.draining = { promise, resolve, inFlight: new Set(), summary, startedAt, timer };
    this.stopListening();
    const told = enc.encode(this.opts.shutdownMessage ?? 'ERR server is shutting down\r\n');
    for (const fd of this.waiting.splice(0)) {
      this.reactor.remove(fd);
      send(fd, told);
      this.closeUnserved(fd);
      summary.queuedTold++;
    }
    this.counters.queued = 0;
    const now = performance.now();
    for (const conn of [...this.active]) {
      if (this.isBusy(conn, now)) this.draining.inFlight.add(conn);
      else {
        summary.idleClosed++;
        conn.end('local-end');
      }
    }
    // Check for quiet connections more often while draining.
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = setInterval(() => this.sweep(performance.now()), Math.max(10, this.drainQuietMs() / 2));
    this.maybeFinishDrain();
    return promise;
  }

  /**
   * One pass of the keep-alive sweep: idle timeouts, heartbeats, FIN timeouts and, while draining,
   * closing connections that went quiet. Runs on a single timer for all connections; exposed so
   * tests can drive it with their own clock.
   */
  sweep(now: number): void {
    const idle = this.idleTimeoutMs;
    const hb = this.heartbeatIntervalMs;
    const finTimeout = this.opts.finTimeoutMs ?? 5000;
    for (const conn of this.active) {
      if (conn.finSentAt > 0) {
        if (now - conn.finSentAt > finTimeout) conn.destroy(null, 'fin-timeout');
        continue;
      }
      if (this.draining) {
        if (!this.isBusy(conn, now)) conn.end('local-end');
        continue;
      }
      if (idle > 0 && now - conn.lastActivityAt > idle && conn.queuedBytes === 0) {
        this.counters.idleClosed++;
        this.opts.log?.(`connection ${conn.id} idle for ${Math.round(now - conn.lastActivityAt)} ms: closed`);
        conn.end('idle-timeout');
        continue;
      }
      if (hb > 0 && now - conn.lastReadAt > hb) {
        if (conn.heartbeatSentAt === 0) {
          conn.heartbeatSentAt = now;
          conn.write(this.opts.heartbeat ?? enc.encode('PING\r\n'));
        } else if (now - conn.heartbeatSentAt > hb) {
          this.counters.heartbeatClosed++;
          this.opts.log?.(`connection ${conn.id} did not answer a heartbeat: closed`);
          conn.destroy(null, 'heartbeat-timeout');
        }
      }
    }
  }

  connectionClosed(conn: TcpConnection): void {
    if (!this.active.delete(conn)) return;
    this.counters.active = this.active.size;
    this.counters.served++;
    const d = this.draining;
    if (d) {
      if (d.inFlight.delete(conn)) {
        if (conn.closeReason === 'drain-timeout') d.summary.cut++;
        else d.summary.drained++;
      }
      this.maybeFinishDrain();
      return;
    }
    while (this.active.size < this.maxConnections && this.waiting.length > 0) {
      const fd = this.waiting.shift()!;
      this.counters.queued = this.waiting.length;
      this.reactor.remove(fd);
      this.startConnection(fd);
    }
  }

  handlerFailed(conn: TcpConnection, err: unknown): void {
    this.counters.handlerErrors++;
    this.opts.log?.(
      `connection ${conn.id}: handler threw: ${err instanceof Error ? err.stack : String(err)}`,
    );
  }

  private drainQuietMs(): number {
    return this.opts.drainQuietMs ?? 250;
  }

  private isBusy(conn: TcpConnection, now: number): boolean {
    if (conn.busy || conn.queuedBytes > 0) return true;
    // A client still sending, or whose bytes wait unread in the kernel, is mid-request.
    if (conn.bytesRead > 0 && now - conn.lastReadAt < this.drainQuietMs()) return true;
    return !conn.peerHasEnded && conn.hasUnreadInput();
  }

  private sweepInterval(): number {
    const periods = [this.idleTimeoutMs, this.heartbeatIntervalMs, this.opts.finTimeoutMs ?? 5000].filter(
      (x) => x > 0,
    );
    if (periods.length === 0) return 0;
    return Math.min(1000, Math.max(10, Math.floor(Math.min(...periods) / 4)));
  }

  private readonly onAcceptable = (): void => {
    // Bounded per wake-up so a connect storm cannot starve established connections.
    for (let i = 0; i < 128 && this.listenFd >= 0; i++) {
      const fd = accept(this.listenFd);
      if (fd >= 0) {
        this.acceptBackoffMs = 0;
        this.counters.accepted++;
        this.admit(fd);
        continue;
      }
      if (fd === -EAGAIN) return;
      if (fd === -ECONNABORTED) continue;
      if (fd === -EMFILE || fd === -ENFILE || fd === -ENOBUFS || fd === -ENOMEM) {
        this.onFdExhaustion(-fd);
        return;
      }
      this.opts.log?.(`accept4: ${new SysError('accept4', -fd).message}`);
      return;
    }
  };

  private admit(fd: number): void {
    if (this.active.size < this.maxConnections) {
      this.startConnection(fd);
    } else if (this.waiting.length < this.backlog) {
      this.waiting.push(fd);
      this.counters.queued = this.waiting.length;
      // Watch for the client giving up while it waits.
      this.reactor.add(fd, EPOLLRDHUP, () => this.onQueuedHangup(fd));
    } else {
      this.counters.rejected++;
      const msg =
        this.opts.busyMessage ??
        `ERR server busy: ${this.maxConnections} connections and ${this.backlog} queued, try again later\r\n`;
      send(fd, enc.encode(msg));
      this.closeUnserved(fd);
    }
  }

  private startConnection(fd: number): void {
    if (this.opts.noDelay ?? true) setNoDelay(fd, true);
    if (this.opts.keepAlive ?? true) setKeepAlive(fd, true);
    const conn = new TcpConnection(fd, this.reactor, this, this.limits);
    this.active.add(conn);
    this.counters.active = this.active.size;
    conn.start();
    try {
      this.onConnection(conn);
    } catch (err) {
      this.handlerFailed(conn, err);
      conn.destroy(err instanceof Error ? err : new Error(String(err)), 'handler-error');
    }
  }

  private onQueuedHangup(fd: number): void {
    const i = this.waiting.indexOf(fd);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    this.counters.queued = this.waiting.length;
    this.counters.queueAbandoned++;
    this.reactor.remove(fd);
    close(fd);
  }

  /** Close a socket we never served without an RST: read what the client already sent first. */
  private closeUnserved(fd: number): void {
    const sink = new Uint8Array(4096);
    for (let i = 0; i < 16 && read(fd, sink) > 0; i++);
    close(fd);
  }

  private onFdExhaustion(errno: number): void {
    this.counters.fdExhausted++;
    if (this.spareFd >= 0) {
      close(this.spareFd);
      this.spareFd = -1;
      const fd = accept(this.listenFd);
      if (fd >= 0) {
        send(fd, enc.encode('ERR server out of file descriptors, try again later\r\n'));
        this.closeUnserved(fd);
        this.counters.rejected++;
      }
      this.spareFd = libc.open('/dev/null', 0o2000000);
    }
    // Back off from 5 ms up to 1 s (as Go's Serve does) instead of spinning on a readable listener.
    this.acceptBackoffMs = Math.min(1000, this.acceptBackoffMs ? this.acceptBackoffMs * 2 : 5);
    this.opts.log?.(
      `accept4: ${new SysError('accept4', errno).code}: pausing accepts for ${this.acceptBackoffMs} ms`,
    );
    this.reactor.modify(this.listenFd, 0);
    this.acceptTimer = setTimeout(() => {
      this.acceptTimer = null;
      if (this.listenFd >= 0) this.reactor.modify(this.listenFd, EPOLLIN);
    }, this.acceptBackoffMs);
  }

  private stopListening(): void {
    if (this.acceptTimer) clearTimeout(this.acceptTimer);
    this.acceptTimer = null;
    if (this.listenFd >= 0) {
      this.reactor.remove(this.listenFd);
      close(this.listenFd);
      this.listenFd = -1;
    }
    if (this.spareFd >= 0) {
      close(this.spareFd);
      this.spareFd = -1;
    }
  }

  private cutRemaining(): void {
    const d = this.draining;
    if (!d) return;
    for (const conn of [...this.active]) {
      if (!d.inFlight.has(conn)) d.inFlight.add(conn);
      conn.destroy(null, 'drain-timeout');
    }
    this.maybeFinishDrain();
  }

  private maybeFinishDrain(): void {
    const d = this.draining;
    if (!d || this.active.size > 0) return;
    clearTimeout(d.timer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    d.summary.durationMs = Math.round(performance.now() - d.startedAt);
    d.resolve(d.summary);
  }
}

function positive(v: number, name: string): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

function nonNegative(v: number, name: string): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be zero or positive, got ${v}`);
  return v;
}
