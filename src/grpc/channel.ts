import { Http2Client } from '../drivers/http2-client.js';
import type { Http2ConnectionOptions } from '../http2/options.js';
import { GrpcError } from './errors.js';
import type { ClientInterceptor } from './interceptors/client-interceptor.js';
import { GrpcStatus } from './status.js';

/** Connectivity states, as gRPC names them (doc/connectivity-semantics-and-api.md). */
export type ChannelState = 'IDLE' | 'CONNECTING' | 'READY' | 'TRANSIENT_FAILURE' | 'SHUTDOWN';

export interface GrpcChannelOptions {
  /** The `:authority` of calls. Default `host:port`. */
  authority?: string;
  /** Limits of the HTTP/2 connection (see Http2ConnectionOptions). */
  http2?: Http2ConnectionOptions;
  /** A TCP connect that takes longer fails with UNAVAILABLE. Default 20 000 ms (gRPC's MIN_CONNECT_TIMEOUT). */
  connectTimeoutMs?: number;
  /** First reconnect delay after a failed connect. Default 1000 ms (gRPC connection-backoff.md). */
  initialBackoffMs?: number;
  /** Each further failure multiplies the delay by this. Default 1.6. */
  backoffMultiplier?: number;
  /** The delay never grows past this. Default 120 000 ms. */
  maxBackoffMs?: number;
  /** Random spread of each delay, ± this fraction. Default 0.2. */
  backoffJitter?: number;
  /** Send an HTTP/2 PING after this long without one; 0 disables. Default 0 (off, as in grpc-go). */
  keepaliveTimeMs?: number;
  /** A PING not acknowledged within this closes the connection (calls fail UNAVAILABLE). Default 20 000 ms. */
  keepaliveTimeoutMs?: number;
  /** Send keepalive PINGs even with no call open. Default false. */
  keepalivePermitWithoutCalls?: boolean;
  /** `user-agent` sent with each call. */
  userAgent?: string;
  /**
   * HTTP/2 connections the channel may open to the server. When every one carries the peer's
   * SETTINGS_MAX_CONCURRENT_STREAMS, a new connection is opened up to this number, and past it
   * calls wait for a stream to finish (as grpc-go queues them). Default 1.
   */
  maxConnections?: number;
  /**
   * Interceptors around every call on this channel (docs/grpc-interceptors.md); the first is the
   * outermost. A call's own (`CallOptions.interceptors`, a stub's) run inside them.
   */
  interceptors?: readonly ClientInterceptor[];
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
export const DEFAULT_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 120_000;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;

/** Splits `host:port`, `[v6]:port` or a bare `port`. */
export function parseTarget(target: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(target) ?? /^()()(\d+)$/.exec(target);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`target must be host:port, got ${JSON.stringify(target)}`);
  }
  const host = m[1] ?? m[2];
  return { host: host === '' || host === 'localhost' ? '127.0.0.1' : host, port };
}

/**
 * A virtual connection to one gRPC server: calls share one HTTP/2 connection (h2c, prior
 * knowledge), opened on the first call. When the connection fails, the channel is in
 * TRANSIENT_FAILURE: calls fail fast with UNAVAILABLE (or wait, with `waitForReady`) until the
 * backoff delay has passed, then the next call reconnects (gRPC connection-backoff.md:
 * 1 s × 1.6ⁿ, ±20 %, at most 120 s). A connection that ends after working (GOAWAY, EOF) takes the
 * channel back to IDLE with the backoff reset.
 *
 * @example
 * const channel = new GrpcChannel('127.0.0.1:50051');
 * const client = makeClient(schema.service('grpc.testing.TestService'), channel, { schema });
 * await client.emptyCall({});
 * await channel.close();
 */
export class GrpcChannel {
  readonly host: string;
  readonly port: number;
  readonly authority: string;
  readonly options: GrpcChannelOptions;
  /** Usable connections (no GOAWAY, not failed), oldest first. */
  private readonly connections: Http2Client[] = [];
  private connecting: Promise<Http2Client> | undefined;
  private lastError: Error | undefined;
  private nextAttemptAt = 0;
  private backoffMs: number;
  private shutdown = false;
  private readonly keepaliveTimers = new Map<Http2Client, NodeJS.Timeout>();
  private slotWaiters: (() => void)[] = [];
  private readonly draining = new Set<Http2Client>();
  /** TCP connects attempted so far (for tests and diagnostics). */
  connectAttempts = 0;

  constructor(target: string, options: GrpcChannelOptions = {}) {
    const { host, port } = parseTarget(target);
    this.host = host;
    this.port = port;
    this.authority = options.authority ?? target;
    this.options = options;
    this.backoffMs = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
  }

  get state(): ChannelState {
    if (this.shutdown) return 'SHUTDOWN';
    if (this.connections.some((c) => c.isUsable)) return 'READY';
    if (this.connecting) return 'CONNECTING';
    if (this.lastError && performance.now() < this.nextAttemptAt) return 'TRANSIENT_FAILURE';
    return 'IDLE';
  }

  /**
   * The connection to open a call on, connecting if needed. Fails with UNAVAILABLE when the
   * server cannot be reached; with `waitForReady`, waits out backoff delays instead, until
   * `signal` aborts.
   */
  async connection(options: { waitForReady?: boolean; signal?: AbortSignal } = {}): Promise<Http2Client> {
    for (;;) {
      if (this.shutdown) throw new GrpcError(GrpcStatus.UNAVAILABLE, 'channel closed');
      const usable = this.connections.filter((c) => c.isUsable);
      const free = usable.find(hasStreamSlot);
      if (free) return free;
      if (usable.length > 0 && (usable.length >= (this.options.maxConnections ?? 1) || this.connecting)) {
        // Every connection is at the peer's MAX_CONCURRENT_STREAMS: wait for a call to finish.
        await this.waitForSlot(options.signal);
        continue;
      }
      if (this.connecting) {
        try {
          return await this.connecting;
        } catch (e) {
          if (!options.waitForReady) throw e;
          continue;
        }
      }
      const wait = this.nextAttemptAt - performance.now();
      if (wait > 0) {
        if (!options.waitForReady) {
          throw new GrpcError(
            GrpcStatus.UNAVAILABLE,
            `no connection to ${this.authority} (retrying in ${Math.ceil(wait)} ms): ${this.lastError?.message}`,
            undefined,
            { cause: this.lastError },
          );
        }
        await sleep(wait, options.signal);
        continue;
      }
      this.connecting = this.connect();
      try {
        return await this.connecting;
      } catch (e) {
        if (!options.waitForReady) throw e;
      } finally {
        this.connecting = undefined;
      }
    }
  }

  private async connect(): Promise<Http2Client> {
    this.connectAttempts++;
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    let tcpUp: Http2Client | undefined;
    // READY once the server's SETTINGS are in (as grpc-go waits for the preface): until then its
    // MAX_CONCURRENT_STREAMS is unknown and calls would pile onto the new connection.
    const attempt = Http2Client.connect({
      host: this.host,
      port: this.port,
      authority: this.authority,
      http2: this.options.http2,
    }).then(async (c) => {
      tcpUp = c;
      let closed: (err: Error | undefined) => void = () => {};
      c.onClose = (err) => closed(err);
      await Promise.race([
        c.remoteSettingsReceived,
        new Promise<never>((_, reject) => {
          closed = (err) => reject(err ?? new Error('connection closed before the server sent SETTINGS'));
        }),
      ]);
      return c;
    });
    try {
      const client = await Promise.race([
        attempt,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (this.shutdown) {
        void client.close();
        throw new GrpcError(GrpcStatus.UNAVAILABLE, 'channel closed');
      }
      this.adopt(client);
      return client;
    } catch (e) {
      clearTimeout(timer);
      // A connection that timed out waiting for SETTINGS, or that wins after its timeout, is dropped.
      tcpUp?.destroy();
      attempt.then((c) => c.destroy()).catch(() => {});
      this.releaseSlot(true);
      if (e instanceof GrpcError) throw e;
      const err = e as Error;
      this.lastError = err;
      const jitter = this.options.backoffJitter ?? 0.2;
      this.nextAttemptAt = performance.now() + this.backoffMs * (1 + jitter * (Math.random() * 2 - 1));
      this.backoffMs = Math.min(
        this.backoffMs * (this.options.backoffMultiplier ?? 1.6),
        this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
      );
      throw new GrpcError(
        GrpcStatus.UNAVAILABLE,
        `failed to connect to ${this.authority}: ${err.message}`,
        undefined,
        { cause: err },
      );
    }
  }

  /**
   * A stream slot may be free: wakes the longest-waiting call (a call finished), or every waiting
   * call (`all`: a connection came or went). A woken call that finds no room waits again.
   */
  releaseSlot(all = false): void {
    if (all) {
      const waiters = this.slotWaiters;
      this.slotWaiters = [];
      for (const w of waiters) w();
    } else {
      this.slotWaiters.shift()?.();
    }
  }

  private waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.slotWaiters = this.slotWaiters.filter((w) => w !== wake);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.slotWaiters.push(wake);
    });
  }

  private adopt(client: Http2Client): void {
    this.connections.push(client);
    this.lastError = undefined;
    this.nextAttemptAt = 0;
    this.backoffMs = this.options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    const retire = () => {
      const i = this.connections.indexOf(client);
      if (i >= 0) this.connections.splice(i, 1);
      clearTimeout(this.keepaliveTimers.get(client));
      this.keepaliveTimers.delete(client);
      this.releaseSlot(true);
    };
    client.onGoAway = () => {
      // Calls in flight finish on this connection; new calls open a new one.
      retire();
      this.draining.add(client);
      if (client.activeStreams === 0) void client.close();
    };
    client.onClose = () => {
      retire();
      this.draining.delete(client);
    };
    this.startKeepalive(client);
    this.releaseSlot(true);
  }

  private startKeepalive(client: Http2Client): void {
    const every = this.options.keepaliveTimeMs ?? 0;
    if (every <= 0) return;
    const timeoutMs = this.options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
    const live = () => this.connections.includes(client);
    const schedule = () => this.keepaliveTimers.set(client, setTimeout(tick, every).unref());
    const tick = () => {
      if (!live()) return;
      if (client.activeStreams === 0 && !this.options.keepalivePermitWithoutCalls) {
        schedule();
        return;
      }
      let acked = false;
      const deadline = setTimeout(() => {
        // grpc keepalive.md: no ACK within the timeout means the transport is dead.
        if (!acked) client.destroy(new Error(`keepalive ping not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs).unref();
      void client.ping().then(() => {
        acked = true;
        clearTimeout(deadline);
        if (live()) schedule();
      });
    };
    schedule();
  }

  /**
   * Closes the channel: new calls fail with UNAVAILABLE; calls in flight finish, then the
   * connection closes (GOAWAY).
   */
  async close(): Promise<void> {
    this.shutdown = true;
    for (const t of this.keepaliveTimers.values()) clearTimeout(t);
    this.keepaliveTimers.clear();
    const conns = [...this.draining, ...this.connections];
    this.connections.length = 0;
    this.releaseSlot(true);
    await Promise.all(conns.map((c) => c.close()));
  }
}

/** True if the peer's SETTINGS_MAX_CONCURRENT_STREAMS leaves room for one more call. */
export function hasStreamSlot(c: Http2Client): boolean {
  return c.h2.openStreamCount < c.h2.remoteSettings.maxConcurrentStreams;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
