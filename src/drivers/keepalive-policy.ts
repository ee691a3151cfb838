/**
 * Server-side connection lifetime rules in the spirit of grpc-go's keepalive.EnforcementPolicy and
 * ServerParameters: how often a client may ping, and when a connection is asked (GOAWAY) to go away
 * so clients reconnect and rebalance.
 */
export interface KeepalivePolicyOptions {
  /**
   * Pings closer together than this are strikes (grpc-go EnforcementPolicy.MinTime). Pings right
   * after we sent HEADERS or DATA are free, as in grpc-go: BDP probes follow data. Default 300000 (5 min).
   */
  minPingIntervalMs?: number;
  /** Allow pings when no call is open; if false such pings count against a 2-hour interval. Default false. */
  permitWithoutStream?: boolean;
  /** Strikes tolerated; one more is GOAWAY ENHANCE_YOUR_CALM with debug data `too_many_pings`. Default 2 (grpc-go). */
  maxPingStrikes?: number;
  /** A connection with no open stream for this long gets a graceful GOAWAY. 0 disables. Default 0. */
  maxConnectionIdleMs?: number;
  /** A connection older than this (±10% jitter) gets a graceful GOAWAY. 0 disables. Default 0. */
  maxConnectionAgeMs?: number;
  /** After the age GOAWAY, in-flight streams get this long before the connection is closed. Default 0 = unbounded. */
  maxConnectionAgeGraceMs?: number;
}

/** grpc-go's interval for pings without an open stream when permitWithoutStream is false. */
const NO_STREAM_PING_INTERVAL_MS = 2 * 3_600_000;

/**
 * Counts ping strikes for one connection (sans-IO: the caller passes the time).
 *
 * @example
 * const policy = new PingStrikePolicy({ minPingIntervalMs: 1000 });
 * if (policy.onPing(performance.now(), openStreams) === 'too_many_pings') goaway();
 */
export class PingStrikePolicy {
  readonly minPingIntervalMs: number;
  readonly permitWithoutStream: boolean;
  readonly maxPingStrikes: number;
  private strikes = 0;
  private lastPingAt = Number.NEGATIVE_INFINITY;
  private sentSinceLastPing = false;

  constructor(options: KeepalivePolicyOptions = {}) {
    this.minPingIntervalMs = options.minPingIntervalMs ?? 300_000;
    this.permitWithoutStream = options.permitWithoutStream ?? false;
    this.maxPingStrikes = options.maxPingStrikes ?? 2;
  }

  /** We sent HEADERS or DATA: the next ping is free and the strikes start over. */
  onFrameSent(): void {
    this.sentSinceLastPing = true;
  }

  onPing(now: number, openStreams: number): 'ok' | 'strike' | 'too_many_pings' {
    if (this.sentSinceLastPing) {
      this.sentSinceLastPing = false;
      this.strikes = 0;
      this.lastPingAt = now;
      return 'ok';
    }
    const interval =
      openStreams === 0 && !this.permitWithoutStream ? NO_STREAM_PING_INTERVAL_MS : this.minPingIntervalMs;
    const early = now - this.lastPingAt < interval;
    this.lastPingAt = now;
    if (!early) return 'ok';
    return ++this.strikes > this.maxPingStrikes ? 'too_many_pings' : 'strike';
  }
}
