/**
 * The per-entry overhead of RFC 7541 §4.1: an entry's size is its name length + value length + 32.
 * (RFC 9113 §6.5.2 counts a header list the same way.)
 */
export const ENTRY_OVERHEAD = 32;

/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of header fields bounded by a size in octets.
 * New entries go in front (dynamic index 1 is the newest); adding evicts from the end until the new
 * entry fits (§4.4); lowering the maximum size evicts too (§4.3). Entries live in a ring buffer, so
 * adding and evicting move nothing.
 *
 * With `{ lookup: true }` (the encoder's table) it also keeps name and name+value Maps so that the
 * encoder finds matches without scanning.
 *
 * @example
 * const t = new DynamicTable(4096);
 * t.add('custom-key', 'custom-header');
 * t.size; // 55
 * t.name(1); // 'custom-key'
 */
export class DynamicTable {
  /** The current size in octets, the sum of the entry sizes (§4.1). */
  size = 0;
  /** The current maximum size (§4.2), set by table size updates. */
  maxSize: number;
  /** The number of entries. */
  length = 0;

  private names: string[] = new Array(16);
  private values: string[] = new Array(16);
  private sizes: Uint32Array = new Uint32Array(16);
  /** Ring slot of the newest entry; the oldest is at (newest - length + 1). */
  private newest = -1;
  /** How many entries have ever been added: entry k (0-based, in insertion order) is never reused. */
  private inserted = 0;
  /** For `lookup`: name -> insertion number of the newest entry with that name. */
  private readonly byName: Map<string, number> | undefined;
  /** For `lookup`: name -> value -> insertion number of the newest entry with that field. */
  private readonly byField: Map<string, Map<string, number>> | undefined;

  constructor(maxSize: number, options: { lookup?: boolean } = {}) {
    this.maxSize = maxSize;
    if (options.lookup) {
      this.byName = new Map();
      this.byField = new Map();
    }
  }

  /** The name of dynamic entry `index` (1 = newest); the caller has checked 1 <= index <= length. */
  name(index: number): string {
    return this.names[this.slot(index)];
  }

  /** The value of dynamic entry `index` (1 = newest). */
  value(index: number): string {
    return this.values[this.slot(index)];
  }

  /**
   * Adds a field in front, evicting old entries until it fits. An entry larger than the maximum
   * size empties the table and is not added; that is not an error (RFC 7541 §4.4).
   */
  add(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.maxSize) {
      this.clear();
      return;
    }
    this.evictTo(this.maxSize - entrySize);
    if (this.length === this.names.length) this.grow();
    const cap = this.names.length;
    this.newest = (this.newest + 1) & (cap - 1);
    this.names[this.newest] = name;
    this.values[this.newest] = value;
    this.sizes[this.newest] = entrySize;
    this.length++;
    this.size += entrySize;
    const seq = this.inserted++;
    if (this.byName !== undefined && this.byField !== undefined) {
      this.byName.set(name, seq);
      let values = this.byField.get(name);
      if (values === undefined) {
        values = new Map();
        this.byField.set(name, values);
      }
      values.set(value, seq);
    }
  }

  /** Evicts every entry (RFC 7541 §4.4, an entry larger than the maximum size). */
  clear(): void {
    this.evictTo(0);
  }

  /** Sets the maximum size, evicting entries that no longer fit (RFC 7541 §4.3). */
  setMaxSize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evictTo(maxSize);
  }

  /** The dynamic index (1 = newest) of an entry with this name and value, or 0. Needs `lookup`. */
  findField(name: string, value: string): number {
    const seq = this.byField?.get(name)?.get(value);
    return seq === undefined ? 0 : this.inserted - seq;
  }

  /** The dynamic index of the newest entry with this name, or 0. Needs `lookup`. */
  findName(name: string): number {
    const seq = this.byName?.get(name);
    return seq === undefined ? 0 : this.inserted - seq;
  }

  private slot(index: number): number {
    return (this.newest - index + 1) & (this.names.length - 1);
  }

  private evictTo(limit: number): void {
    const mask = this.names.length - 1;
    while (this.size > limit) {
      const oldest = (this.newest - this.length + 1) & mask;
      const name = this.names[oldest];
      const value = this.values[oldest];
      this.size -= this.sizes[oldest];
      this.length--;
      const seq = this.inserted - this.length - 1;
      // The evicted entry is the oldest, so if a Map still points at it no other entry matches.
      if (this.byName !== undefined && this.byField !== undefined) {
        if (this.byName.get(name) === seq) this.byName.delete(name);
        const values = this.byField.get(name);
        if (values !== undefined && values.get(value) === seq) {
          values.delete(value);
          if (values.size === 0) this.byField.delete(name);
        }
      }
      // Drop the references so evicted strings can be collected.
      this.names[oldest] = '';
      this.values[oldest] = '';
    }
  }

  private grow(): void {
    const cap = this.names.length;
    const names: string[] = new Array(cap * 2);
    const values: string[] = new Array(cap * 2);
    const sizes = new Uint32Array(cap * 2);
    // Copy oldest..newest to slots 0..length-1.
    for (let i = 0; i < this.length; i++) {
      const from = (this.newest - this.length + 1 + i) & (cap - 1);
      names[i] = this.names[from];
      values[i] = this.values[from];
      sizes[i] = this.sizes[from];
    }
    this.names = names;
    this.values = values;
    this.sizes = sizes;
    this.newest = this.length - 1;
  }
}
