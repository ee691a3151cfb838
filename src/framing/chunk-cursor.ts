/**
 * The read side shared by every framing decoder: a cursor over the chunks a stream delivered, which
 * hands out whole pieces (an exact byte count, or a line) as views.
 *
 * A piece that lies inside the current chunk comes out as a view of that chunk (no copy). Bytes of an
 * unfinished piece are copied ("spilled") into a buffer of ours the moment a read runs out of input, so
 * the caller may reuse its chunk as soon as a decoder returned NEED_MORE. Views handed out stay valid
 * until the next `push()`: a spill buffer that a view points into is never written again before then;
 * if more bytes must be spilled in the meantime they go to the spare buffer. The two buffers swap roles
 * and are reused, so a steady stream allocates nothing once they have grown.
 */

const EMPTY = new Uint8Array(0);
const CR = 13;
const LF = 10;
/** A spill buffer grown past this by one large frame is released once empty, so it does not pin memory. */
const RETAINED_SPILL_BYTES = 1 << 20;

/** `readLine` found (or can already prove) a line longer than the limit it was given. */
export const TOO_LONG: unique symbol = Symbol('TOO_LONG');

export class ChunkCursor {
  private chunk: Uint8Array = EMPTY;
  private pos = 0;
  private spill: Uint8Array = EMPTY;
  private spillStart = 0;
  private spillEnd = 0;
  private spillLent = false;
  private spare: Uint8Array = EMPTY;
  private spareLent = false;
  private consumed = 0;
  // How many unconsumed bytes a previous readLine already searched without finding a line end,
  // valid while nothing was consumed since (scanAt === consumed). Keeps line scanning O(n).
  private scanned = 0;
  private scanAt = -1;
  private scanBareLf = false;

  /** Stream offset of the next unconsumed byte (total bytes consumed so far). */
  get offset(): number {
    return this.consumed;
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.spillEnd - this.spillStart + (this.chunk.length - this.pos);
  }

  push(chunk: Uint8Array): void {
    // Views handed out so far expire now, so both buffers may be written again.
    this.spillLent = false;
    this.spareLent = false;
    if (this.pos < this.chunk.length) this.stash();
    if (this.spillStart === this.spillEnd) {
      this.spillStart = this.spillEnd = 0;
      if (this.spill.length > RETAINED_SPILL_BYTES) this.spill = EMPTY;
      if (this.spare.length > RETAINED_SPILL_BYTES) this.spare = EMPTY;
    }
    this.chunk = chunk;
    this.pos = 0;
  }

  /** The next byte without consuming it, or -1 when there is none. */
  peekByte(): number {
    if (this.spillStart < this.spillEnd) return this.spill[this.spillStart];
    if (this.pos < this.chunk.length) return this.chunk[this.pos];
    return -1;
  }

  /** Consumes one byte, or returns -1 when there is none. */
  readByte(): number {
    if (this.spillStart < this.spillEnd) {
      this.consumed++;
      return this.spill[this.spillStart++];
    }
    if (this.pos < this.chunk.length) {
      this.consumed++;
      return this.chunk[this.pos++];
    }
    return -1;
  }

  /**
   * Fast path for the commonest RESP header, `<type byte><1-9><digits>\r\n` (at most 15 digits, line
   * within `max`) lying inside the current chunk: consumes it and returns the number. Anything else
   * returns -1 and consumes nothing; the caller then takes the general readLine path, which gives the
   * same result for these lines, so the fast path changes speed only.
   */
  readCountLine(max: number): number {
    if (this.spillStart !== this.spillEnd) return -1;
    const c = this.chunk;
    const start = this.pos;
    let i = start + 1;
    let d = c[i];
    if (!(d >= 49 && d <= 57)) return -1;
    const end = Math.min(c.length, i + 15);
    let v = 0;
    for (; i < end; i++) {
      d = c[i];
      if (d < 48 || d > 57) break;
      v = v * 10 + d - 48;
    }
    if (i + 1 >= c.length || c[i] !== CR || c[i + 1] !== LF || i - start > max) return -1;
    this.pos = i + 2;
    this.consumed += i + 2 - start;
    return v;
  }

  /** The byte `k` places after the next unconsumed one, or -1 when it has not arrived. */
  peekAt(k: number): number {
    const inSpill = this.spillEnd - this.spillStart;
    if (k < inSpill) return this.spill[this.spillStart + k];
    const i = this.pos + k - inSpill;
    return i < this.chunk.length ? this.chunk[i] : -1;
  }

  /**
   * Consumes exactly `n` bytes and returns the first `keep` of them as one contiguous view (so a
   * trailer checked with peekAt needs no second view), or null (after spilling) if fewer are here.
   */
  readExact(n: number, keep = n): Uint8Array | null {
    const inSpill = this.spillEnd - this.spillStart;
    if (inSpill === 0) {
      if (this.chunk.length - this.pos < n) {
        this.stash();
        return null;
      }
      const view = this.chunk.subarray(this.pos, this.pos + keep);
      this.pos += n;
      this.consumed += n;
      return view;
    }
    if (inSpill < n) {
      const need = n - inSpill;
      if (this.chunk.length - this.pos < need) {
        this.stash();
        return null;
      }
      this.append(this.chunk, this.pos, this.pos + need);
      this.pos += need;
    }
    return this.lendSpill(n, keep);
  }

  /**
   * Consumes one line and returns its content without the terminator, or null (after spilling) when no
   * whole line is here yet, or TOO_LONG when the content is, or is already known to be, over `max`.
   * A line ends at `\r\n`; with `bareLf` a lone `\n` ends it too (and a `\r` before it is dropped).
   */
  readLine(max: number, bareLf: boolean): Uint8Array | null | typeof TOO_LONG {
    const inSpill = this.spillEnd - this.spillStart;
    if (inSpill === 0) {
      const chunk = this.chunk;
      const start = this.pos;
      const end = findLineEnd(chunk, start, chunk.length, start, -1, bareLf);
      if (end < 0) return this.unterminated(max, chunk.length - start, chunk[chunk.length - 1], bareLf);
      const contentEnd = end > start && chunk[end - 1] === CR ? end - 1 : end;
      if (contentEnd - start > max) return TOO_LONG;
      this.pos = end + 1;
      this.consumed += end + 1 - start;
      return chunk.subarray(start, contentEnd);
    }
    const scanned = this.scanAt === this.consumed && this.scanBareLf === bareLf ? this.scanned : 0;
    if (scanned < inSpill) {
      const from = this.spillStart + scanned;
      const hit = this.spill.subarray(from, this.spillEnd);
      const rel = findLineEnd(
        hit,
        0,
        hit.length,
        0,
        from > this.spillStart ? this.spill[from - 1] : -1,
        bareLf,
      );
      if (rel >= 0) {
        const end = from + rel;
        const crlf = end > this.spillStart && this.spill[end - 1] === CR ? 1 : 0;
        if (end - crlf - this.spillStart > max) return TOO_LONG;
        return this.lendSpill(end + 1 - this.spillStart, end - crlf - this.spillStart);
      }
    }
    const chunk = this.chunk;
    const end = findLineEnd(chunk, this.pos, chunk.length, this.pos, this.spill[this.spillEnd - 1], bareLf);
    if (end < 0) {
      const last = this.pos < chunk.length ? chunk[chunk.length - 1] : this.spill[this.spillEnd - 1];
      return this.unterminated(max, inSpill + chunk.length - this.pos, last, bareLf);
    }
    const prev = end > this.pos ? chunk[end - 1] : this.spill[this.spillEnd - 1];
    const crlf = prev === CR ? 1 : 0;
    const total = inSpill + end + 1 - this.pos;
    if (total - 1 - crlf > max) return TOO_LONG;
    this.append(chunk, this.pos, end + 1);
    this.pos = end + 1;
    return this.lendSpill(total, total - 1 - crlf);
  }

  private unterminated(max: number, pending: number, last: number, bareLf: boolean): null | typeof TOO_LONG {
    // A trailing \r may be the first half of the terminator, so it does not count against the limit yet.
    if ((last === CR ? pending - 1 : pending) > max) return TOO_LONG;
    this.stash();
    this.scanned = pending;
    this.scanAt = this.consumed;
    this.scanBareLf = bareLf;
    return null;
  }

  /** Consumes `take` spilled bytes and returns the first `keep` of them as a view. */
  private lendSpill(take: number, keep: number): Uint8Array {
    const view = this.spill.subarray(this.spillStart, this.spillStart + keep);
    this.spillStart += take;
    this.consumed += take;
    this.spillLent = true;
    return view;
  }

  /** Moves the rest of the current chunk into the spill buffer, so the caller may reuse the chunk. */
  private stash(): void {
    if (this.pos < this.chunk.length) this.append(this.chunk, this.pos, this.chunk.length);
    this.chunk = EMPTY;
    this.pos = 0;
  }

  private append(src: Uint8Array, from: number, to: number): void {
    const kept = this.spillEnd - this.spillStart;
    const needed = kept + (to - from);
    if (!this.spillLent) {
      if (needed > this.spill.length) {
        const grown = new Uint8Array(grow(this.spill.length, needed));
        grown.set(this.spill.subarray(this.spillStart, this.spillEnd));
        this.spill = grown;
      } else if (this.spillStart > 0) {
        this.spill.copyWithin(0, this.spillStart, this.spillEnd);
      }
    } else {
      // A handed-out view points into the spill buffer: continue in the spare one instead.
      const dest =
        this.spareLent || this.spare.length < needed
          ? new Uint8Array(grow(this.spare.length, needed))
          : this.spare;
      dest.set(this.spill.subarray(this.spillStart, this.spillEnd));
      this.spare = this.spill;
      this.spareLent = true;
      this.spill = dest;
      this.spillLent = false;
    }
    this.spillStart = 0;
    this.spillEnd = needed;
    this.spill.set(src.subarray(from, to), kept);
  }
}

function grow(capacity: number, needed: number): number {
  return Math.max(needed, capacity * 2, 256);
}

/**
 * Index of the `\n` ending the first line in buf[from, to), or -1. Without `bareLf` only a `\n` right after
 * a `\r` counts; `prevOutside` is the byte before `lowest` (from an earlier buffer), -1 if none.
 */
function findLineEnd(
  buf: Uint8Array,
  from: number,
  to: number,
  lowest: number,
  prevOutside: number,
  bareLf: boolean,
): number {
  let i = from;
  for (;;) {
    i = buf.indexOf(LF, i);
    if (i < 0 || i >= to) return -1;
    if (bareLf) return i;
    if ((i > lowest ? buf[i - 1] : prevOutside) === CR) return i;
    i++;
  }
}
