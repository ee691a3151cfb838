import { ErrorCode } from './error-code.js';
import { Http2ConnectionError } from './errors.js';
import type { PriorityFields } from './frame.js';

/**
 * One field block being reassembled from HEADERS + CONTINUATION frames (RFC 9113 §4.3, §6.10),
 * with the two limits that stop a CONTINUATION flood: total octets and number of frames. Both
 * are checked as each frame arrives, before its fragment is kept, so memory never exceeds
 * `maxBytes` however long the peer goes on.
 *
 * @example
 * const block = new HeaderBlock(headersFrame, 131072, 32);
 * block.add(continuation.fragment, true); // throws Http2ConnectionError ENHANCE_YOUR_CALM past a limit
 * decoder.decode(block.bytes());
 */
export class HeaderBlock {
  readonly streamId: number;
  readonly endStream: boolean;
  readonly priority: PriorityFields | undefined;
  /** The key of the limit that stopped the block, for the connection's counters. */
  tripped: 'header_block_too_large' | 'continuation_flood' | undefined;
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  private continuations = 0;

  constructor(
    first: { streamId: number; endStream: boolean; priority: PriorityFields | undefined },
    private readonly maxBytes: number,
    private readonly maxContinuations: number,
  ) {
    this.streamId = first.streamId;
    this.endStream = first.endStream;
    this.priority = first.priority;
  }

  /**
   * Adds a fragment (copied unless `last`, when it is only read before this call returns).
   * `continuation` counts the frame against maxContinuations.
   */
  add(fragment: Uint8Array, continuation: boolean, last: boolean): void {
    if (continuation && ++this.continuations > this.maxContinuations) {
      this.tripped = 'continuation_flood';
      throw new Http2ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `more than maxContinuationFrames=${this.maxContinuations} CONTINUATION frames in one field block`,
      );
    }
    this.length += fragment.length;
    if (this.length > this.maxBytes) {
      this.tripped = 'header_block_too_large';
      throw new Http2ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `field block of ${this.length} octets exceeds maxHeaderBlockBytes=${this.maxBytes}`,
      );
    }
    this.chunks.push(last ? fragment : Uint8Array.prototype.slice.call(fragment));
  }

  /** The whole block (a view of the only fragment when there was one). */
  bytes(): Uint8Array {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
  }
}
