/**
 * A growable output buffer reused across header blocks, so that encoding allocates only when a block
 * is larger than any before it.
 *
 * @example
 * const w = new ByteWriter();
 * w.byte(0x82);
 * w.view(); // Uint8Array [0x82], valid until the next reset()
 */
export class ByteWriter {
  /** The backing store; bytes [0, length) are written. Replaced when it grows. */
  buf: Buffer;
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Forgets the written bytes, keeping the storage. */
  reset(): void {
    this.length = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    if (this.length >= this.buf.length) this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** Writes each character of `s` as one octet; the caller has checked every code is <= 0xff. */
  latin1(s: string): void {
    this.ensure(s.length);
    this.length += this.buf.write(s, this.length, s.length, 'latin1');
  }

  /** The written bytes, a view into storage that the next write or reset() may overwrite. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
