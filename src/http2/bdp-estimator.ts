/**
 * Estimates the bandwidth-delay product of the path from the peer to us, to size receive windows
 * (as grpc-go's bdpEstimator does). On the first DATA after an idle period we send a PING and count
 * the DATA octets that arrive until its ACK: that count is what the link delivered in one round
 * trip. When it reaches 2/3 of the current window and bandwidth is at its highest seen, the window
 * was the bottleneck: it grows to twice the sample, up to `limit`. Sans-IO: time is passed in.
 *
 * @example
 * const bdp = new BdpEstimator(1 << 20, 16 << 20);
 * if (bdp.onData(frameLength, now)) sendPing(BDP_PING);
 * const grown = bdp.onPingAck(now); // a new window size, or undefined
 */
export class BdpEstimator {
  /** The current estimate, which is also the window size in use. */
  window: number;
  private pingOutstanding = false;
  private sample = 0;
  private sentAt = 0;
  private rttMs = 0;
  private bandwidthMax = 0;

  constructor(
    initialWindow: number,
    readonly limit: number,
  ) {
    this.window = initialWindow;
  }

  /** Counts received DATA; returns true when a BDP PING should be sent now. */
  onData(length: number, now: number): boolean {
    this.sample += length;
    if (this.pingOutstanding || this.window >= this.limit) return false;
    this.pingOutstanding = true;
    this.sample = length;
    this.sentAt = now;
    return true;
  }

  /** The BDP PING was acknowledged; returns the grown window, or undefined to keep the current one. */
  onPingAck(now: number): number | undefined {
    if (!this.pingOutstanding) return undefined;
    this.pingOutstanding = false;
    const rtt = Math.max(now - this.sentAt, 0.001);
    // A smoothed round-trip time: the first sample as is, then a moving average.
    this.rttMs = this.rttMs === 0 ? rtt : this.rttMs + (rtt - this.rttMs) * 0.1;
    const bandwidth = this.sample / (this.rttMs * 1.5);
    if (bandwidth > this.bandwidthMax) this.bandwidthMax = bandwidth;
    if (this.sample < (this.window * 2) / 3 || bandwidth < this.bandwidthMax) return undefined;
    const next = Math.min(this.limit, this.sample * 2);
    if (next <= this.window) return undefined;
    this.window = next;
    return next;
  }
}
