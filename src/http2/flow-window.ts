import { MAX_INT31 } from './frame-type.js';

/**
 * One flow-control window (RFC 9113 §5.2, §6.9): the octets a sender may still send. The same
 * class serves both directions. As a receive window it also tracks what the application has
 * consumed, and says when a WINDOW_UPDATE is worth sending (once a quarter of the target has been
 * consumed, as grpc-go does: updates are not sent for every small frame, yet the sender never
 * waits on a window that is mostly used up).
 *
 * @example
 * const w = new FlowWindow(65535);
 * w.consume(1000);
 * w.acknowledge(1000); // 0: not worth an update yet; 16384 consumed would return the increment
 */
export class FlowWindow {
  /** Octets still allowed; negative after a SETTINGS_INITIAL_WINDOW_SIZE decrease (§6.9.2). */
  available: number;
  /** The size we want the window to return to (receive side). */
  target: number;
  /** Consumed and acknowledged by the application, not yet returned to the peer. */
  private pending = 0;

  constructor(initial: number, target = initial) {
    this.available = initial;
    this.target = target;
  }

  /** Takes `n` octets from the window (a DATA frame sent or received). */
  consume(n: number): void {
    this.available -= n;
  }

  /**
   * Adds `increment` (a WINDOW_UPDATE or a settings change). Returns false, leaving the window
   * unchanged, if it would exceed 2^31 - 1 (§6.9.1: "A sender MUST NOT allow a flow-control window
   * to exceed 2^31-1 octets").
   */
  increase(increment: number): boolean {
    if (this.available + increment > MAX_INT31) return false;
    this.available += increment;
    return true;
  }

  /**
   * Receive side: the application has processed `n` octets. Returns the increment to send in a
   * WINDOW_UPDATE now (and applies it), or 0 to wait for more.
   */
  acknowledge(n: number): number {
    this.pending += n;
    const deficit = this.target - this.available;
    if (deficit <= 0) {
      this.pending = 0;
      return 0;
    }
    if (this.pending < this.target / 4) return 0;
    const increment = Math.min(this.pending, deficit);
    this.pending -= increment;
    this.available += increment;
    return increment;
  }
}
