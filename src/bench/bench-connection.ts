import type { TcpConnection } from '../tcp/connection.js';
import type { LoadProtocol, ResponseCounter } from './load-protocol.js';
import type { LoadRecorder } from './load-recorder.js';

/**
 * One load-generating connection: sends pipelined requests and matches responses to their start
 * times in FIFO order (the protocols we drive answer in order). Requests sent together go out as
 * one write, so D pipelined requests cost one syscall, not D.
 */
export class BenchConnection {
  /** Called after each read that completed at least one response, with how many completed. */
  onResponses: (completed: number) => void = () => {};
  private readonly counter: ResponseCounter;
  private readonly request: Uint8Array;
  /** `request` repeated `depth` times, so k requests are one subarray. */
  private readonly batch: Uint8Array;
  private readonly starts: Float64Array;
  private head = 0;
  private inFlightCount = 0;
  private stopped = false;

  constructor(
    readonly conn: TcpConnection,
    protocol: LoadProtocol,
    readonly depth: number,
    private readonly recorder: LoadRecorder,
  ) {
    this.counter = protocol.newResponseCounter();
    this.request = protocol.request;
    this.batch = new Uint8Array(this.request.byteLength * depth);
    for (let i = 0; i < depth; i++) this.batch.set(this.request, i * this.request.byteLength);
    this.starts = new Float64Array(depth);
    conn.onData = this.onData;
    conn.onEnd = () => {
      if (!this.stopped) this.recorder.error(new Error('the server closed the connection'));
      conn.destroy();
    };
    conn.onClose = (err) => {
      if (!this.stopped && err) this.recorder.error(err);
    };
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get free(): number {
    return this.stopped || this.conn.isClosed ? 0 : this.depth - this.inFlightCount;
  }

  /**
   * Send `k` requests (k <= free) as one write. The j-th one's start time is `startMs + j * stepMs`
   * (closed loop: all now; open loop: their intended times).
   */
  send(k: number, startMs: number, stepMs = 0): void {
    if (k <= 0) return;
    const { starts, depth } = this;
    let tail = (this.head + this.inFlightCount) % depth;
    for (let j = 0; j < k; j++) {
      starts[tail] = startMs + j * stepMs;
      tail = tail + 1 === depth ? 0 : tail + 1;
    }
    this.inFlightCount += k;
    const bytes = k * this.request.byteLength;
    this.recorder.sent(bytes);
    this.conn.write(k === 1 ? this.request : this.batch.subarray(0, bytes));
  }

  /** Stop generating: responses still in flight are dropped and the socket is closed. */
  stop(): void {
    this.stopped = true;
    this.conn.destroy();
  }

  private readonly onData = (chunk: Uint8Array): void => {
    this.recorder.received(chunk.byteLength);
    const done = this.counter.feed(chunk);
    if (done === 0) return;
    const now = performance.now();
    const { starts, depth, recorder } = this;
    const n = Math.min(done, this.inFlightCount);
    for (let j = 0; j < n; j++) {
      recorder.response(starts[this.head], now);
      this.head = this.head + 1 === depth ? 0 : this.head + 1;
    }
    this.inFlightCount -= n;
    if (done > n) recorder.error(new Error(`the server sent ${done - n} responses nobody asked for`));
    if (!this.stopped) this.onResponses(n);
  };
}
