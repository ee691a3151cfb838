/**
 * Looks up a name sent as bytes (a command or subcommand) case-insensitively without building a
 * string: a hash of the lowercased bytes picks a bucket, then the bytes are compared in place.
 *
 * @example
 * const table = new CommandNameTable<number>();
 * table.add('get', 1);
 * table.find(new TextEncoder().encode('GET')); // 1
 */
export class CommandNameTable<T> {
  private readonly buckets = new Map<number, Array<{ name: Uint8Array; value: T }>>();
  private readonly all: T[] = [];

  add(name: string, value: T): this {
    const bytes = new TextEncoder().encode(name.toLowerCase());
    const hash = hashLowercase(bytes);
    let bucket = this.buckets.get(hash);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(hash, bucket);
    }
    bucket.push({ name: bytes, value });
    this.all.push(value);
    return this;
  }

  find(name: Uint8Array): T | undefined {
    if (name.length > 64) return undefined;
    const bucket = this.buckets.get(hashLowercase(name));
    if (bucket === undefined) return undefined;
    for (const entry of bucket) if (equalsLowercase(entry.name, name)) return entry.value;
    return undefined;
  }

  get size(): number {
    return this.all.length;
  }

  values(): readonly T[] {
    return this.all;
  }
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

// FNV-1a over the lowercased bytes.
function hashLowercase(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ lower(bytes[i]), 0x01000193);
  return h >>> 0;
}

function equalsLowercase(lowered: Uint8Array, candidate: Uint8Array): boolean {
  if (lowered.length !== candidate.length) return false;
  for (let i = 0; i < lowered.length; i++) if (lowered[i] !== lower(candidate[i])) return false;
  return true;
}
