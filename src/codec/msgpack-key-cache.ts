import { readUtf8 } from './utf8.js';

const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;
/** Keys longer than this are decoded every time; real protocols' field names are shorter. */
const MAX_KEY_BYTES = 24;

/**
 * A direct-mapped cache of short map keys by their bytes. Documents repeat the same few field names
 * thousands of times; returning the same string instead of building a new one saves the allocation
 * and lets V8 reuse the internalized key when it is set on an object.
 */
export class MsgpackKeyCache {
  private readonly strings: (string | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly lengths = new Uint8Array(SLOTS);
  private readonly store = new Uint8Array(SLOTS * MAX_KEY_BYTES);
  /** The slot of the key the last `get` returned, or -1 if that key was too long to cache. */
  slot = -1;

  /** The string for UTF-8 `bytes[start, start + len)`, or `undefined` if they are not valid UTF-8. */
  get(bytes: Uint8Array, start: number, len: number): string | undefined {
    if (len > MAX_KEY_BYTES) {
      this.slot = -1;
      return readUtf8(bytes, start, start + len);
    }
    // Hashing every byte cost as much as the comparison that follows anyway; field names of one length
    // rarely share their first two, middle and last bytes.
    let h = len;
    if (len > 0) {
      h = (len << 24) | (bytes[start] << 16) | (bytes[start + (len >> 1)] << 8) | bytes[start + len - 1];
      if (len > 2) h ^= bytes[start + 1] << 4;
    }
    const slot = Math.imul(h, 0x9e3779b1) >>> (32 - SLOT_BITS);
    this.slot = slot;
    const base = slot * MAX_KEY_BYTES;
    const cached = this.strings[slot];
    if (cached !== undefined && this.lengths[slot] === len) {
      let i = 0;
      while (i < len && this.store[base + i] === bytes[start + i]) i++;
      if (i === len) return cached;
    }
    const s = readUtf8(bytes, start, start + len);
    if (s === undefined) return undefined;
    this.strings[slot] = s;
    this.lengths[slot] = len;
    for (let i = 0; i < len; i++) this.store[base + i] = bytes[start + i];
    return s;
  }
}
