/**
 * The send plan of an open-loop (fixed-rate) load: request i is *intended* to be sent at
 * `startMs + i / rate`, whether or not the server has kept up. Latency is measured from that
 * intended time, not from when the request actually left, so a server stall is charged to every
 * request that should have been sent during it. Measuring from the actual send time instead lets a
 * stalled server slow the generator down and hide the stall ("coordinated omission"; wrk2 corrects
 * it the same way).
 *
 * The scheduler is pure arithmetic on times passed in, so it can be tested without a clock.
 *
 * @example
 * const plan = new OpenLoopScheduler(10_000, performance.now()); // 10k req/s
 * const due = plan.dueBy(performance.now()); // send requests plan.sent .. due-1
 * for (let i = plan.sent; i < due; i++) send(i, plan.intendedTime(i));
 * plan.markSent(due);
 */
export class OpenLoopScheduler {
  readonly ratePerSecond: number;
  readonly startMs: number;
  private readonly intervalMs: number;
  private next = 0;

  constructor(ratePerSecond: number, startMs: number) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`rate must be a positive number of requests per second, got ${ratePerSecond}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.startMs = startMs;
    this.intervalMs = 1000 / ratePerSecond;
  }

  /** When request `index` (0-based) should be sent, in the same clock as startMs. */
  intendedTime(index: number): number {
    return this.startMs + index * this.intervalMs;
  }

  /** How many requests should have been sent by `nowMs` (the index one past the last due). */
  dueBy(nowMs: number): number {
    if (nowMs < this.startMs) return 0;
    return Math.floor((nowMs - this.startMs) / this.intervalMs) + 1;
  }

  /** Index of the next request not yet sent. */
  get sent(): number {
    return this.next;
  }

  /** Record that requests up to (not including) `upTo` have been sent. */
  markSent(upTo: number): void {
    if (upTo > this.next) this.next = upTo;
  }

  /** Requests due by `nowMs` but not sent yet (all connections were full): the backlog. */
  backlog(nowMs: number): number {
    return Math.max(0, this.dueBy(nowMs) - this.next);
  }

  /** Milliseconds from `nowMs` until the next unsent request is due (<= 0: overdue). */
  msUntilNext(nowMs: number): number {
    return this.intendedTime(this.next) - nowMs;
  }

  /**
   * Latency of a request answered at `doneMs`, corrected for coordinated omission: measured from
   * the intended send time of request `index`.
   */
  correctedLatency(index: number, doneMs: number): number {
    return doneMs - this.intendedTime(index);
  }
}
