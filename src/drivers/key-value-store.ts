import { matchesGlob } from './glob-pattern.js';

export interface KeyValueStoreOptions {
  /** Milliseconds since the epoch; injectable so tests can move time. Default Date.now. */
  now?: () => number;
}

/**
 * The server's keyspace: binary keys to binary values, with optional expiry times kept in a second
 * map (as Redis keeps its `expires` dict), so keys without a TTL cost nothing extra and the periodic
 * sweep only walks keys that can expire.
 *
 * Keys are held as latin1 strings: one char per byte, so any byte sequence round-trips exactly and
 * Map lookups use V8's string hashing. Values are copies the store owns.
 *
 * Expiry is lazy (every read checks the deadline first) plus `sweepExpired(max)`, which examines at
 * most `max` keys per call, continuing where the previous call stopped.
 *
 * @example
 * const store = new KeyValueStore();
 * store.set(keyOf(bytes('a')), bytes('1'));
 * store.get(keyOf(bytes('a'))); // Uint8Array [49]
 */
export class KeyValueStore {
  private readonly values = new Map<string, Uint8Array>();
  private readonly expires = new Map<string, number>();
  private sweepCursor: Iterator<[string, number]> | null = null;
  readonly now: () => number;
  /** Keys removed because their time ran out (lazily or by the sweep). */
  expiredKeys = 0;

  constructor(options: KeyValueStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Number of keys, including expired ones the sweep has not reached yet (as Redis's DBSIZE). */
  get size(): number {
    return this.values.size;
  }

  /** Number of keys with a deadline. */
  get volatileSize(): number {
    return this.expires.size;
  }

  get(key: string): Uint8Array | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (this.expires.size > 0 && this.expireIfDue(key)) return undefined;
    return value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Store `value` (the caller hands over ownership). `expireAt` is an absolute deadline in ms; null
   * removes any deadline, undefined keeps the current one (SET ... KEEPTTL, INCR).
   */
  set(key: string, value: Uint8Array, expireAt?: number | null): void {
    this.values.set(key, value);
    if (expireAt === null) this.expires.delete(key);
    else if (expireAt !== undefined) this.expires.set(key, expireAt);
  }

  delete(key: string): boolean {
    if (this.get(key) === undefined) return false;
    this.values.delete(key);
    this.expires.delete(key);
    return true;
  }

  /** Set a deadline on an existing key; false when the key does not exist. A past deadline deletes it. */
  expireAt(key: string, deadline: number): boolean {
    if (this.get(key) === undefined) return false;
    if (deadline <= this.now()) {
      this.values.delete(key);
      this.expires.delete(key);
      return true;
    }
    this.expires.set(key, deadline);
    return true;
  }

  /** Remove a key's deadline; false when it has none or does not exist. */
  persist(key: string): boolean {
    if (this.get(key) === undefined) return false;
    return this.expires.delete(key);
  }

  /** Milliseconds left: -2 no such key, -1 no deadline. */
  ttlMs(key: string): number {
    if (this.get(key) === undefined) return -2;
    const deadline = this.expires.get(key);
    if (deadline === undefined) return -1;
    return Math.max(0, deadline - this.now());
  }

  /** The deadline of a live key, or undefined. */
  deadlineOf(key: string): number | undefined {
    if (this.get(key) === undefined) return undefined;
    return this.expires.get(key);
  }

  /** Live keys matching a glob pattern, as bytes. Walks the whole keyspace, like Redis's KEYS. */
  keys(pattern: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const matchAll = pattern.length === 1 && pattern[0] === 42;
    // Deleting expired entries while iterating is safe: a JS Map iterator skips removed entries.
    for (const key of this.values.keys()) {
      if (this.expires.size > 0 && this.expireIfDue(key)) continue;
      const bytes = keyBytes(key);
      if (matchAll || matchesGlob(pattern, bytes)) out.push(bytes);
    }
    return out;
  }

  clear(): void {
    this.values.clear();
    this.expires.clear();
    this.sweepCursor = null;
  }

  /**
   * Examine at most `max` keys that have a deadline, deleting the expired ones; resumes where the
   * last call stopped so every volatile key is visited in turn. Returns how many were deleted.
   */
  sweepExpired(max: number): number {
    if (this.expires.size === 0) return 0;
    const now = this.now();
    let removed = 0;
    const cursor = this.sweepCursor ?? this.expires.entries();
    for (let examined = 0; examined < max; examined++) {
      const step = cursor.next();
      if (step.done) {
        // A full pass is done: the next call starts over (never twice over the same keys in one call).
        this.sweepCursor = null;
        return removed;
      }
      const [key, deadline] = step.value;
      if (deadline <= now) {
        this.values.delete(key);
        this.expires.delete(key);
        this.expiredKeys++;
        removed++;
      }
    }
    this.sweepCursor = cursor;
    return removed;
  }

  private expireIfDue(key: string): boolean {
    const deadline = this.expires.get(key);
    if (deadline === undefined || deadline > this.now()) return false;
    this.values.delete(key);
    this.expires.delete(key);
    this.expiredKeys++;
    return true;
  }
}

/**
 * A key's bytes as the store's map key: one latin1 char per byte, so every byte sequence maps to a
 * distinct string and back (see keyBytes).
 */
export function keyOf(bytes: Uint8Array): string {
  const n = bytes.length;
  // One flat string in one call (a += loop builds a rope V8 must flatten before hashing it).
  if (n <= 256) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('latin1');
}

/** The bytes of a store key (the inverse of keyOf). */
export function keyBytes(key: string): Uint8Array {
  return Buffer.from(key, 'latin1');
}
