import { addressOf } from '../sys/libc.js';
import { WRITEV_MAX, writevAddresses } from '../sys/socket.js';

/** Size of one pooled slab that queued copies go into. */
export const OUTPUT_BLOCK_SIZE = 64 * 1024;
/**
 * Slabs kept for reuse across all connections (16 MiB). Sized from a profile of 1 MiB HTTP/2
 * responses: with 4 MiB the pool ran dry and allocating fresh slabs took 20% of the server's CPU
 * (raising it cut CPU per response by about 20%). Beyond it, freed slabs go to the GC.
 */
const POOL_MAX_SLABS = 256;
/** Below this, a retained write is copied anyway: a memcpy is cheaper than an extra iovec. */
export const RETAIN_MIN_BYTES = 4096;

/** A pooled 64 KiB buffer. Several queued segments may point into it; it is reused once none do. */
interface Slab {
  buf: Uint8Array;
  /** The address of buf[0]; pooled memory never moves, so it is read once. */
  addr: number;
  /** Where the next copy goes. */
  used: number;
  /** Queued segments that point into this slab. */
  refs: number;
}

/** A run of queued bytes: part of a slab, or (slab null) a caller's buffer queued by reference. */
interface Segment {
  slab: Slab | null;
  addr: number;
  start: number;
  end: number;
}

const pool: Slab[] = [];

function takeSlab(): Slab {
  const s = pool.pop();
  if (s) {
    s.used = 0;
    s.refs = 0;
    return s;
  }
  const buf = new Uint8Array(OUTPUT_BLOCK_SIZE);
  return { buf, addr: Number(addressOf(buf)), used: 0, refs: 0 };
}

function releaseSlab(s: Slab): void {
  if (pool.length < POOL_MAX_SLABS) pool.push(s);
}

const iovAddresses = new Float64Array(WRITEV_MAX);
const iovLengths = new Int32Array(WRITEV_MAX);

/**
 * Bytes accepted for a socket that the kernel has not taken yet.
 *
 * Copies go into pooled 64 KiB slabs: each append continues where the last copy ended, so small
 * writes between retained ones (HTTP/2 frame headers between DATA payloads) share one slab
 * instead of taking one each. Retained buffers are queued by reference. Flushing is one writev over
 * the segments' stable addresses; a slab returns to a shared pool once nothing queued points into
 * it. A connection that keeps hitting EAGAIN therefore creates no garbage, and an idle connection
 * holds no slab at all.
 */
export class OutputQueue {
  private segments: Segment[] = [];
  private head = 0;
  /** The slab copies currently go into. */
  private slab: Slab | null = null;
  /** Bytes queued. */
  size = 0;

  /** Copy `data[from..]` into the queue. */
  append(data: Uint8Array, from = 0): void {
    let pos = from;
    const len = data.byteLength;
    while (pos < len) {
      let slab = this.slab;
      if (!slab || slab.used === OUTPUT_BLOCK_SIZE) {
        if (slab && slab.refs === 0) releaseSlab(slab);
        slab = this.slab = takeSlab();
      }
      const n = Math.min(OUTPUT_BLOCK_SIZE - slab.used, len - pos);
      slab.buf.set(pos === 0 && n === len ? data : data.subarray(pos, pos + n), slab.used);
      const last = this.segments.length > this.head ? this.segments[this.segments.length - 1] : undefined;
      if (last && last.slab === slab && last.end === slab.used) {
        last.end += n;
      } else {
        this.segments.push({ slab, addr: slab.addr, start: slab.used, end: slab.used + n });
        slab.refs++;
      }
      slab.used += n;
      pos += n;
      this.size += n;
    }
  }

  /**
   * Queue `data[from..]` by reference, without copying: the caller promises not to modify it until
   * it is written (as node:stream writers promise). Small remainders are copied anyway.
   */
  appendRetained(data: Uint8Array, from = 0): void {
    const len = data.byteLength - from;
    if (len < RETAIN_MIN_BYTES) {
      this.append(data, from);
      return;
    }
    this.segments.push({ slab: null, addr: Number(addressOf(data)), start: from, end: data.byteLength });
    this.size += len;
  }

  /** One writev of the queued segments. Returns bytes written or -errno; consumes what was written. */
  writeTo(fd: number): number {
    const count = Math.min(this.segments.length - this.head, WRITEV_MAX);
    for (let i = 0; i < count; i++) {
      const s = this.segments[this.head + i];
      iovAddresses[i] = s.addr + s.start;
      iovLengths[i] = s.end - s.start;
    }
    const n = writevAddresses(fd, iovAddresses, iovLengths, count);
    if (n > 0) this.consume(n);
    return n;
  }

  /** Drop everything, returning slabs to the pool. */
  clear(): void {
    for (let i = this.head; i < this.segments.length; i++) this.unref(this.segments[i]);
    this.segments = [];
    this.head = 0;
    this.size = 0;
    if (this.slab) {
      if (this.slab.refs === 0) releaseSlab(this.slab);
      this.slab = null;
    }
  }

  private unref(seg: Segment): void {
    const slab = seg.slab;
    if (!slab || --slab.refs > 0) return;
    // The current slab stays ours and is rewound; any other goes back to the pool.
    if (slab === this.slab) slab.used = 0;
    else releaseSlab(slab);
  }

  private consume(n: number): void {
    this.size -= n;
    let left = n;
    while (left > 0) {
      const s = this.segments[this.head];
      const avail = s.end - s.start;
      if (left < avail) {
        s.start += left;
        return;
      }
      left -= avail;
      this.head++;
      this.unref(s);
    }
    if (this.head === this.segments.length) {
      this.segments.length = 0;
      this.head = 0;
      // Nothing queued: give the current slab back too, so an idle connection holds no memory.
      if (this.slab && this.slab.refs === 0) {
        releaseSlab(this.slab);
        this.slab = null;
      }
    } else if (this.head > 32) {
      this.segments = this.segments.slice(this.head);
      this.head = 0;
    }
  }
}
