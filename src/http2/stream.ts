import type { HeaderFieldInput } from '../hpack/index.js';
import { FlowWindow } from './flow-window.js';
import { nextStreamState, type StreamInput, type StreamState } from './stream-state.js';

const EMPTY = new Uint8Array(0);

/** How a stream ended, remembered for a while to answer late frames correctly (RFC 9113 §5.1 "closed"). */
export type StreamClosure = 'ended' | 'reset_sent' | 'reset_received' | 'ignored';

/**
 * The connection's record of one live stream: its RFC 9113 §5.1 state, both flow-control windows,
 * outgoing data waiting for window, and what has been received. Internal to Http2Connection.
 */
export class Http2Stream {
  state: StreamState = 'idle';
  readonly sendWindow: FlowWindow;
  readonly recvWindow: FlowWindow;
  /** Outgoing DATA waiting for flow-control window, in order, from `pendingHead` on. */
  private pending: Uint8Array[] = [];
  /** Index of the first unsent chunk in `pending`. */
  private pendingHead = 0;
  /**
   * Octets of the first unsent chunk already sent: a large body is cut into frames by moving this,
   * not by re-slicing the remainder (one view per frame instead of two).
   */
  private pendingOffset = 0;
  pendingBytes = 0;
  /** END_STREAM is to be sent after the pending data (or with the trailers). */
  pendingEnd = false;
  pendingTrailers: HeaderFieldInput[] | undefined;
  /** The application has queued the end of its side: no more sendData. */
  endQueued = false;
  /** Response headers received (client side): 'informational' after 1xx only. */
  headersReceived: 'none' | 'informational' | 'final' = 'none';
  headersSent = false;
  /** Declared content-length of the received message, or -1. */
  contentLength = -1;
  receivedBytes = 0;
  /** Our request was HEAD: the response has no content whatever its content-length (RFC 9110 §9.3.2). */
  headRequest = false;

  constructor(
    readonly id: number,
    readonly peerInitiated: boolean,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = new FlowWindow(sendWindow);
    this.recvWindow = new FlowWindow(recvWindow);
  }

  /** Applies a transition of the RFC 9113 §5.1 table; throws on one the table does not allow. */
  apply(input: StreamInput): StreamState {
    const next = nextStreamState(this.state, input);
    if (next === undefined) throw new Error(`stream ${this.id}: ${input} not allowed in state ${this.state}`);
    this.state = next;
    return next;
  }

  /** Drops everything queued (the stream closed). */
  clearPending(): void {
    this.pending = [];
    this.pendingHead = 0;
    this.pendingOffset = 0;
    this.pendingBytes = 0;
  }

  /** Queues octets to send (kept, not copied). */
  pushPending(data: Uint8Array): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
  }

  /**
   * Removes and returns the next `n` pending octets (a view when they lie in one chunk). Consumed
   * chunks are skipped with a head index, not shift(): shift() is O(queue) and made 50k small
   * queued writes quadratic.
   */
  takePending(n: number): Uint8Array {
    const first = this.pending[this.pendingHead];
    const off = this.pendingOffset;
    const left = first.length - off;
    this.pendingBytes -= n;
    if (left > n) {
      this.pendingOffset = off + n;
      return first.subarray(off, off + n);
    }
    if (left === n) {
      this.advancePending();
      return off === 0 ? first : first.subarray(off);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      // Read this.pending each time: advancePending may compact it into a new array.
      const c = this.pending[this.pendingHead];
      const from = this.pendingOffset;
      const take = Math.min(c.length - from, n - filled);
      out.set(c.subarray(from, from + take), filled);
      filled += take;
      if (from + take === c.length) this.advancePending();
      else this.pendingOffset = from + take;
    }
    return out;
  }

  private advancePending(): void {
    this.pendingOffset = 0;
    this.pending[this.pendingHead++] = EMPTY;
    if (this.pendingHead === this.pending.length) {
      this.pending.length = 0;
      this.pendingHead = 0;
    } else if (this.pendingHead >= 1024 && this.pendingHead * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }
}
