import { type RespRequestParserOptions, RespSerializer } from '../framing/index.js';
import type { SocketAddress } from '../sys/sockaddr.js';
import { type DrainSummary, type ListenOptions, TcpServer, type TcpServerOptions } from '../tcp/index.js';
import { KeyValueStore } from './key-value-store.js';
import { PubSubHub } from './pubsub-hub.js';
import {
  DEFAULT_PUBSUB_OUTPUT_LIMIT,
  type PubSubOutputLimit,
  type RespServerContext,
  type RespServerStats,
  RespSession,
} from './resp-session.js';

export interface RespServerOptions extends TcpServerOptions {
  /**
   * Request parsing limits (Redis's proto-max-bulk-len 512 MiB, multibulk length 1M elements, inline
   * command 64 KiB, client-query-buffer-limit 1 GiB). A client that passes one gets
   * `-ERR Protocol error: ...` and is disconnected; nobody else is affected.
   */
  parser?: RespRequestParserOptions;
  /** Disconnect subscribers that do not read their messages. Default 32 MiB hard, 8 MiB for 60 s soft. */
  pubsubOutputLimit?: Partial<PubSubOutputLimit>;
  /** How often the expiry sweep (and the soft output limit check) runs. Default 100 ms. */
  expirySweepIntervalMs?: number;
  /** Most volatile keys one sweep examines, so a sweep never stalls the loop. Default 1000. */
  expirySweepMaxKeys?: number;
  /** Clock for key expiry (ms since the epoch). Default Date.now. */
  now?: () => number;
}

/**
 * An in-memory key-value server that speaks RESP2 and RESP3 to real Redis clients (redis-cli,
 * redis-benchmark, client libraries), on wirestack's TCP server: strings with expiry, counters, KEYS,
 * publish/subscribe, and enough of HELLO, CLIENT, COMMAND, CONFIG GET and INFO for clients to start.
 * Connection limit, backlog queue, idle timeout (default 0, as Redis's `timeout 0`) and graceful drain
 * come from TcpServer.
 *
 * @example
 * const server = new RespServer({ maxConnections: 1000 });
 * const { port } = await server.listen({ port: 6380 });
 * // redis-cli -p 6380 set greeting hello
 * process.on('SIGTERM', async () => console.log(await server.close()));
 */
export class RespServer {
  readonly tcp: TcpServer;
  readonly store: KeyValueStore;
  readonly hub = new PubSubHub();
  readonly stats: RespServerStats = {
    commandsProcessed: 0,
    connectionsReceived: 0,
    protocolErrors: 0,
    pubsubLimitDisconnects: 0,
  };
  readonly pubsubOutputLimit: PubSubOutputLimit;
  private readonly sessions = new Map<number, RespSession>();
  private readonly context: RespServerContext;
  private readonly sweepMaxKeys: number;
  private readonly sweepIntervalMs: number;
  private maintenanceTimer: NodeJS.Timeout | null = null;

  constructor(options: RespServerOptions = {}) {
    this.tcp = new TcpServer({
      ...options,
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
      // Refusals as RESP errors, so a client library reports them instead of a parse failure.
      busyMessage: options.busyMessage ?? '-ERR max number of clients reached\r\n',
      shutdownMessage: options.shutdownMessage ?? '-ERR server is shutting down\r\n',
    });
    this.store = new KeyValueStore({ now: options.now });
    this.pubsubOutputLimit = { ...DEFAULT_PUBSUB_OUTPUT_LIMIT, ...options.pubsubOutputLimit };
    for (const [name, v] of Object.entries(this.pubsubOutputLimit)) {
      if (!Number.isFinite(v) || v < 0)
        throw new RangeError(`pubsubOutputLimit.${name} must be >= 0, got ${v}`);
    }
    this.sweepIntervalMs = options.expirySweepIntervalMs ?? 100;
    this.sweepMaxKeys = options.expirySweepMaxKeys ?? 1000;
    if (!(this.sweepIntervalMs > 0)) throw new RangeError('expirySweepIntervalMs must be positive');
    if (!(this.sweepMaxKeys > 0)) throw new RangeError('expirySweepMaxKeys must be positive');
    const tcp = this.tcp;
    this.context = {
      store: this.store,
      hub: this.hub,
      out: new RespSerializer(),
      parserOptions: options.parser ?? {},
      pubsubOutputLimit: this.pubsubOutputLimit,
      stats: this.stats,
      sessions: this.sessions,
      startedAt: Date.now(),
      active: null,
      port: () => tcp.listening?.port ?? 0,
    };
    tcp.onConnection = (conn) => {
      this.stats.connectionsReceived++;
      this.sessions.set(conn.id, new RespSession(this.context, conn));
    };
  }

  async listen(options: ListenOptions = {}): Promise<SocketAddress> {
    const address = await this.tcp.listen(options);
    this.maintenanceTimer = setInterval(() => this.maintain(), this.sweepIntervalMs);
    this.maintenanceTimer.unref();
    return address;
  }

  get listening(): SocketAddress | null {
    return this.tcp.listening;
  }

  /** Connected clients, by client id (CLIENT ID). */
  get clients(): ReadonlyMap<number, RespSession> {
    return this.sessions;
  }

  /** Graceful drain (see TcpServer.close): commands already started finish and are answered. */
  async close(options: { drainTimeoutMs?: number } = {}): Promise<DrainSummary> {
    const summary = await this.tcp.close(options);
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    this.maintenanceTimer = null;
    return summary;
  }

  /**
   * One maintenance pass: a bounded expiry sweep, and the soft output limit for subscribers whose
   * output stayed high while nothing new was published. Runs on the server's timer; public for tests.
   */
  maintain(now = performance.now()): void {
    this.store.sweepExpired(this.sweepMaxKeys);
    for (const session of this.sessions.values()) {
      if (session.subscriptionCount > 0 && session.conn.queuedBytes > 0) session.checkOutputLimit(now);
    }
  }
}
