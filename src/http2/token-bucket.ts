/**
 * A token bucket over injected time: `burst` tokens, refilled at `ratePerSecond`. Used to budget
 * abusive-but-legal peer behaviour (rapid resets, empty DATA frames).
 *
 * @example
 * const bucket = new TokenBucket(1000, 33);
 * if (!bucket.take(nowMs)) goaway(ErrorCode.ENHANCE_YOUR_CALM);
 */
export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(
    readonly burst: number,
    readonly ratePerSecond: number,
  ) {
    this.tokens = burst;
  }

  /** Takes one token at time `now` (milliseconds); false when the bucket is empty. */
  take(now: number): boolean {
    if (this.last !== undefined && now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    }
    if (this.last === undefined || now > this.last) this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
