/**
 * The header (or trailer) fields of a message, in arrival order, names lower-cased. Repeated fields
 * are kept as separate entries; `get` joins them with ", " as RFC 9110 section 5.3 allows (except
 * Set-Cookie, which `getAll` returns as it came).
 *
 * @example
 * const type = req.headers.get('content-type'); // case-insensitive: pass any case
 * for (const [name, value] of req.headers) console.log(name, value);
 */
export class Http1Headers implements Iterable<[string, string]> {
  /**
   * @param names Lower-cased names; `values[i]` belongs to `names[i]`.
   * @param values The field values.
   */
  constructor(
    readonly names: string[] = [],
    readonly values: string[] = [],
  ) {}

  /**
   * The fields so far as a new Http1Headers of exactly their size, leaving this one empty for
   * reuse (the parser collects every head in one and hands out a copy).
   */
  detach(): Http1Headers {
    const out = new Http1Headers(this.names.slice(), this.values.slice());
    this.names.length = 0;
    this.values.length = 0;
    return out;
  }

  get size(): number {
    return this.names.length;
  }

  add(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
  }

  /** Every value of `name`, joined with ", "; undefined when absent. */
  get(name: string): string | undefined {
    const key = lower(name);
    let found: string | undefined;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] !== key) continue;
      found = found === undefined ? this.values[i] : `${found}, ${this.values[i]}`;
    }
    return found;
  }

  getAll(name: string): string[] {
    const key = lower(name);
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === key) out.push(this.values[i]);
    return out;
  }

  has(name: string): boolean {
    return this.names.includes(lower(name));
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i], this.values[i]];
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of new Set(this.names)) out[name] = this.get(name)!;
    return out;
  }
}

function lower(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return name.toLowerCase();
  }
  return name;
}
