/** A monotonic clock in milliseconds (performance.now by default; tests pass their own). */
export type Clock = () => number;

/** Buckets one TokenBucketMap keeps at most, unless told otherwise. */
export const DEFAULT_MAX_BUCKETS = 10_000;
/** A bucket unused this long may be dropped, unless told otherwise (and never before it could have refilled). */
export const DEFAULT_BUCKET_IDLE_MS = 60_000;
/** Oldest buckets looked at per new key: enough to keep up with arrivals, small enough to stay O(1). */
const SWEEP_STEPS = 4;

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** The most tokens a bucket holds, hence the largest burst. Default: one second's worth (ratePerSecond). */
  burst?: number;
  /** Keys tracked at once; past it the least recently checked bucket is dropped. Default 10 000. */
  maxBuckets?: number;
  /** Buckets unused this long are dropped (a returning key starts full, as it would be anyway). Default 60 000 ms. */
  idleMs?: number;
  /** Milliseconds, monotonic. Default performance.now. */
  now?: Clock;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  updatedAt: number;
}

/**
 * Token buckets by key, in bounded memory: each key's bucket fills at `ratePerSecond` up to
 * `burst`, and a request takes tokens or is told how long to wait. At most `maxBuckets` keys are
 * kept. Idle buckets go first: a bucket idle long enough to be full again is the same as a new
 * one, so dropping it loses nothing. Only when every bucket is busy does the least recently
 * checked one go, which can give that key a fresh burst: the price of a memory bound, so size
 * maxBuckets above the number of keys active at once.
 *
 * @example
 * const buckets = new TokenBucketMap({ ratePerSecond: 10, burst: 20 });
 * const waitMs = buckets.take('alice', 1);
 * if (waitMs > 0) throw new GrpcError(GrpcStatus.RESOURCE_EXHAUSTED, `retry in ${waitMs} ms`);
 */
export class TokenBucketMap {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly maxBuckets: number;
  /** Idle time after which a bucket may be dropped: the configured idleMs, or the refill time if longer. */
  readonly idleMs: number;
  /** The clock this map reads (RateLimiter reads it once for all its maps). */
  readonly now: Clock;
  private readonly perMs: number;
  /** Insertion order is check order: the first entries are the ones looked at longest ago. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: TokenBucketOptions) {
    const { ratePerSecond } = options;
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    }
    const burst = options.burst ?? ratePerSecond;
    if (!(burst >= 1) || !Number.isFinite(burst))
      throw new RangeError(`burst must be at least 1, got ${burst}`);
    const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
    if (!Number.isInteger(maxBuckets) || maxBuckets < 1) {
      throw new RangeError(`maxBuckets must be a positive integer, got ${maxBuckets}`);
    }
    const idleMs = options.idleMs ?? DEFAULT_BUCKET_IDLE_MS;
    if (!(idleMs >= 0)) throw new RangeError(`idleMs must be >= 0, got ${idleMs}`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.maxBuckets = maxBuckets;
    this.perMs = ratePerSecond / 1000;
    this.idleMs = Math.max(idleMs, burst / this.perMs);
    this.now = options.now ?? (() => performance.now());
  }

  /** Buckets held now. */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes `cost` tokens from `key`'s bucket. Returns 0 when they were taken, otherwise the
   * milliseconds until they will be there (nothing is taken then). A cost above `burst` can
   * never be met: Infinity. `now`: the clock, when the caller has just read it.
   */
  take(key: string, cost = 1, now = this.now()): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      this.makeRoom(now);
      b = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, b);
    } else if (now > b.updatedAt) {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.updatedAt) * this.perMs);
      b.updatedAt = now;
    }
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    if (cost > this.burst) return Number.POSITIVE_INFINITY;
    return (cost - b.tokens) / this.perMs;
  }

  /** Gives back tokens taken for a request that another limit then refused. */
  refund(key: string, cost = 1): void {
    const b = this.buckets.get(key);
    if (b !== undefined) b.tokens = Math.min(this.burst, b.tokens + cost);
  }

  /** Tokens in `key`'s bucket now (burst for a key not seen); for tests and metrics. */
  available(key: string): number {
    const b = this.buckets.get(key);
    if (b === undefined) return this.burst;
    return Math.min(this.burst, b.tokens + Math.max(0, this.now() - b.updatedAt) * this.perMs);
  }

  /** Drops every idle bucket now (new keys already do this a few buckets at a time). */
  sweep(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (now - b.updatedAt >= this.idleMs) this.buckets.delete(key);
  }

  /**
   * Before a new key: look at the few oldest buckets, drop the idle ones and move busy ones to the
   * back (checked, so no longer oldest); if still full, drop the oldest.
   */
  private makeRoom(now: number): void {
    let steps = SWEEP_STEPS;
    for (const [key, b] of this.buckets) {
      if (steps-- === 0) break;
      this.buckets.delete(key);
      if (now - b.updatedAt < this.idleMs) this.buckets.set(key, b);
    }
    if (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
  }
}
