/** Serialised form of a Histogram: sparse [bucket index, count] pairs plus exact extremes. */
export interface HistogramSnapshot {
  significantBits: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  buckets: [number, number][];
}

/** Largest value a histogram tracks: 2^42 ns is about 73 minutes, far beyond any request we time. */
const MAX_TRACKABLE = 2 ** 42;

/**
 * An HDR-style histogram of non-negative integers (we record nanoseconds): log-linear buckets, so
 * every recorded value is kept within a fixed relative error whatever its magnitude, in a few
 * hundred kilobytes, with O(1) recording.
 *
 * Layout: with S significant bits, values below 2^S get a bucket each (exact). Above that, a value
 * whose highest set bit is b falls into a group of 2^(S-1) buckets of width 2^(b-S+1). The bucket
 * index is `shift * 2^(S-1) + (v >> shift)` with `shift = max(0, b - S + 1)`, which runs on without
 * gaps from the linear range. A bucket's width is at most v / 2^(S-1), and we report its midpoint,
 * so a reported percentile is within `relativeError` (2^-S) of a value that was recorded.
 *
 * @example
 * const h = new Histogram();
 * h.record(52_000); // 52 µs, in ns
 * h.valueAtPercentile(99); // ≈ 52_000, within h.relativeError
 */
export class Histogram {
  readonly significantBits: number;
  /** Bound on |reported - true| / true for any percentile. */
  readonly relativeError: number;
  private readonly half: number;
  private readonly counts: Float64Array;
  private total = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = 0;
  private sumValue = 0;

  constructor(significantBits = 11) {
    if (!Number.isInteger(significantBits) || significantBits < 2 || significantBits > 16) {
      throw new RangeError(`significantBits must be a whole number from 2 to 16, got ${significantBits}`);
    }
    this.significantBits = significantBits;
    this.relativeError = 2 ** -significantBits;
    this.half = 2 ** (significantBits - 1);
    this.counts = new Float64Array(this.indexOf(MAX_TRACKABLE) + 1);
  }

  get count(): number {
    return this.total;
  }

  /** Smallest recorded value (exact); 0 when empty. */
  get min(): number {
    return this.total === 0 ? 0 : this.minValue;
  }

  /** Largest recorded value (exact). */
  get max(): number {
    return this.maxValue;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sumValue / this.total;
  }

  /** Record `value` (rounded down to an integer, clamped to [0, 2^42]) `times` times. */
  record(value: number, times = 1): void {
    let v = value > 0 ? Math.floor(value) : 0;
    if (v > MAX_TRACKABLE) v = MAX_TRACKABLE;
    this.counts[this.indexOf(v)] += times;
    this.total += times;
    this.sumValue += v * times;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  /**
   * The value below or at which `percentile` percent of recorded values fall (0..100), as the
   * midpoint of its bucket clamped to the exact min and max. 0 when empty.
   */
  valueAtPercentile(percentile: number): number {
    if (this.total === 0) return 0;
    if (percentile >= 100) return this.maxValue;
    const rank = Math.max(1, Math.ceil((Math.max(0, percentile) / 100) * this.total));
    let seen = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        const mid = this.bucketMidpoint(i);
        return Math.min(this.maxValue, Math.max(this.minValue, mid));
      }
    }
    return this.maxValue;
  }

  /** Add every value recorded in `other` (same significantBits). */
  merge(other: Histogram): void {
    if (other.significantBits !== this.significantBits) {
      throw new RangeError(
        `cannot merge histograms of ${other.significantBits} and ${this.significantBits} bits`,
      );
    }
    if (other.total === 0) return;
    for (let i = 0; i < other.counts.length; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sumValue += other.sumValue;
    if (other.minValue < this.minValue) this.minValue = other.minValue;
    if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sumValue = 0;
    this.minValue = Number.POSITIVE_INFINITY;
    this.maxValue = 0;
  }

  /** A compact, JSON-safe copy (only non-empty buckets), e.g. to send from a generator process. */
  snapshot(): HistogramSnapshot {
    const buckets: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return {
      significantBits: this.significantBits,
      count: this.total,
      min: this.min,
      max: this.maxValue,
      sum: this.sumValue,
      buckets,
    };
  }

  static fromSnapshot(s: HistogramSnapshot): Histogram {
    const h = new Histogram(s.significantBits);
    for (const [i, c] of s.buckets) h.counts[i] = c;
    h.total = s.count;
    h.sumValue = s.sum;
    h.maxValue = s.max;
    h.minValue = s.count === 0 ? Number.POSITIVE_INFINITY : s.min;
    return h;
  }

  private indexOf(v: number): number {
    const topBit = v < 2 ** 31 ? 31 - Math.clz32(v) : 31 + highBit(v / 2 ** 31);
    const shift = Math.max(0, topBit - this.significantBits + 1);
    return shift * this.half + Math.floor(v / 2 ** shift);
  }

  private bucketMidpoint(index: number): number {
    if (index < 2 * this.half) return index; // linear range: one value per bucket
    const shift = Math.floor(index / this.half) - 1;
    const low = (index - shift * this.half) * 2 ** shift;
    return low + (2 ** shift - 1) / 2;
  }
}

function highBit(v: number): number {
  return 31 - Math.clz32(Math.floor(v));
}
