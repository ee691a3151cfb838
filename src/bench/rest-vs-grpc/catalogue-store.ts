/**
 * The catalogue of the REST-vs-gRPC comparison (protos/wirestack/demo/catalogue.proto): data and
 * handlers with no protocol in them. `catalogue-rest-routes.ts` serves it as REST+JSON over
 * HTTP/1.1 and `catalogue-grpc-service.ts` as gRPC, so both sides do the same work per call and
 * differ only in the protocol.
 */

export interface Item {
  id: number;
  name: string;
  price: number;
}

export interface ItemPage {
  items: Item[];
  /** The id to continue after, as a string; empty on the last page. */
  nextPageToken: string;
}

export interface ItemUpdate {
  seq: number;
  item: Item;
}

/** Why a call failed, in words both protocols map to their own error model. */
export type CatalogueErrorKind = 'not-found' | 'invalid-argument' | 'resource-exhausted';

export class CatalogueError extends Error {
  constructor(
    readonly kind: CatalogueErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogueError';
  }
}

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;
export const MAX_WATCH_COUNT = 100_000;

const SEED_NAMES: readonly (readonly [string, number])[] = [
  ['kettle', 24.9],
  ['teapot', 18.5],
  ['mug', 6],
];

export interface CatalogueStoreOptions {
  /** Items present at start: kettle, teapot, mug, then `item 4`, `item 5`, ... Default 3. */
  items?: number;
  /** Creates beyond this many items fail with resource-exhausted (bounds a long load test). Default 1,000,000. */
  maxItems?: number;
}

/**
 * An in-memory catalogue: items in id order, paged by id, plus a deterministic feed of updates
 * (update `seq` reports item `(seq - 1) % seeded + 1`), so a stream of N updates is the same bytes
 * whichever protocol carries it.
 *
 * @example
 * const store = new CatalogueStore({ items: 100 });
 * store.get(1); // { id: 1, name: 'kettle', price: 24.9 }
 * store.list(2, ''); // { items: [kettle, teapot], nextPageToken: '2' }
 * store.create({ name: 'lamp', price: 12.5 }); // { id: 101, ... }
 */
export class CatalogueStore {
  /** Items in id order (ids only grow, so appending keeps the order). */
  private readonly items: Item[] = [];
  private readonly byId = new Map<number, Item>();
  private readonly seeded: number;
  private readonly maxItems: number;
  private nextId = 1;

  constructor(options: CatalogueStoreOptions = {}) {
    const n = options.items ?? SEED_NAMES.length;
    this.maxItems = options.maxItems ?? 1_000_000;
    for (let i = 0; i < n; i++) {
      const [name, price] = SEED_NAMES[i] ?? [`item ${i + 1}`, Math.round((i + 1) * 137.5) / 100];
      this.add(name, price);
    }
    this.seeded = Math.max(1, n);
  }

  get size(): number {
    return this.items.length;
  }

  get(id: number): Item {
    const item = this.byId.get(id);
    if (!item) throw new CatalogueError('not-found', `no item ${id}`);
    return item;
  }

  /** Up to `pageSize` items (0 means the default) with ids after `pageToken` (empty: from the start). */
  list(pageSize: number, pageToken: string): ItemPage {
    const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw new CatalogueError('invalid-argument', `page size must be 1..${MAX_PAGE_SIZE}, got ${pageSize}`);
    }
    let after = 0;
    if (pageToken !== '') {
      after = Number(pageToken);
      if (!/^[0-9]{1,10}$/.test(pageToken)) {
        throw new CatalogueError(
          'invalid-argument',
          `page token ${JSON.stringify(pageToken)} is not one we gave`,
        );
      }
    }
    const start = this.firstIndexAfter(after);
    const items = this.items.slice(start, start + size);
    const more = start + size < this.items.length;
    return { items, nextPageToken: more ? String(items[items.length - 1].id) : '' };
  }

  create(input: { name: unknown; price: unknown }): Item {
    const { name, price } = input;
    if (typeof name !== 'string' || name === '') {
      throw new CatalogueError('invalid-argument', 'name must be a non-empty string');
    }
    if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
      throw new CatalogueError('invalid-argument', 'price must be a number >= 0');
    }
    if (this.items.length >= this.maxItems) {
      throw new CatalogueError('resource-exhausted', `the catalogue is full (${this.maxItems} items)`);
    }
    return this.add(name, price);
  }

  /** The update with sequence number `seq` (1-based). */
  update(seq: number): ItemUpdate {
    return { seq, item: this.items[(seq - 1) % this.seeded] };
  }

  /** Checks a watch request: `count` updates after `after`. */
  checkWatch(count: number, after: number): void {
    if (!Number.isInteger(count) || count < 1 || count > MAX_WATCH_COUNT) {
      throw new CatalogueError('invalid-argument', `count must be 1..${MAX_WATCH_COUNT}, got ${count}`);
    }
    if (!Number.isInteger(after) || after < 0) {
      throw new CatalogueError('invalid-argument', `after must be a whole number, got ${after}`);
    }
  }

  private add(name: string, price: number): Item {
    const item = { id: this.nextId++, name, price };
    this.items.push(item);
    this.byId.set(item.id, item);
    return item;
  }

  /** Index of the first item whose id is greater than `id` (binary search: ids are sorted). */
  private firstIndexAfter(id: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].id <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
