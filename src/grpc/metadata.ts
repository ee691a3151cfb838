import { GrpcError } from './errors.js';
import { GrpcStatus } from './status.js';

export type MetadataValue = string | Uint8Array;

/** Headers owned by HTTP/2 or the gRPC runtime: never surfaced as, nor accepted from, custom metadata. */
const TRANSPORT_HEADERS = new Set([
  'content-type',
  'te',
  'content-length',
  'connection',
  'host',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'grpc-status',
  'grpc-message',
  'grpc-status-details-bin',
]);

const KEY = /^[0-9a-z_.-]+$/;

function checkKey(key: string): string {
  const k = key.toLowerCase();
  if (!KEY.test(k)) throw new GrpcError(GrpcStatus.INTERNAL, `invalid metadata key ${JSON.stringify(key)}`);
  return k;
}

function checkValue(key: string, value: MetadataValue): MetadataValue {
  if (key.endsWith('-bin')) {
    if (!(value instanceof Uint8Array)) {
      throw new GrpcError(
        GrpcStatus.INTERNAL,
        `metadata key ${key} ends in -bin: its values must be Uint8Array`,
      );
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw new GrpcError(GrpcStatus.INTERNAL, `metadata key ${key} is not -bin: its values must be strings`);
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new GrpcError(
        GrpcStatus.INTERNAL,
        `metadata ${key}: character ${c} at ${i} is not printable ASCII (use a -bin key for bytes)`,
      );
    }
  }
  return value;
}

/**
 * gRPC metadata: lower-case keys with one or more values; keys ending in `-bin` carry bytes
 * (base64 on the wire, unpadded when we send, padded or not accepted), other keys printable ASCII.
 *
 * @example
 * const md = new Metadata().set('authorization', 'Bearer t').add('trace-bin', Uint8Array.of(1, 2));
 * md.get('authorization'); // 'Bearer t'
 */
export class Metadata {
  private readonly map = new Map<string, MetadataValue[]>();

  /** Append a value to a key. */
  add(key: string, value: MetadataValue): this {
    const k = checkKey(key);
    const v = checkValue(k, value);
    const list = this.map.get(k);
    if (list) list.push(v);
    else this.map.set(k, [v]);
    return this;
  }

  /** Replace a key's values with one value. */
  set(key: string, value: MetadataValue): this {
    const k = checkKey(key);
    this.map.set(k, [checkValue(k, value)]);
    return this;
  }

  get(key: string): MetadataValue | undefined {
    return this.map.get(key.toLowerCase())?.[0];
  }

  getAll(key: string): MetadataValue[] {
    return this.map.get(key.toLowerCase())?.slice() ?? [];
  }

  has(key: string): boolean {
    return this.map.has(key.toLowerCase());
  }

  remove(key: string): void {
    this.map.delete(key.toLowerCase());
  }

  get size(): number {
    return this.map.size;
  }

  *entries(): IterableIterator<[string, MetadataValue]> {
    for (const [k, vs] of this.map) for (const v of vs) yield [k, v];
  }

  /**
   * Calls `fn` once per key with its values (not a copy: do not keep or change them). No iterator
   * objects, for per-call hot paths such as logging.
   */
  forEachKey(fn: (values: readonly MetadataValue[], key: string) => void): void {
    this.map.forEach(fn);
  }

  /** How many values `key` has. */
  count(key: string): number {
    return this.map.get(key.toLowerCase())?.length ?? 0;
  }

  clone(): Metadata {
    const m = new Metadata();
    for (const [k, vs] of this.map) m.map.set(k, vs.slice());
    return m;
  }

  /** Merge another set in (its values are appended). */
  merge(other: Metadata): this {
    for (const [k, v] of other.entries()) this.add(k, v);
    return this;
  }

  /**
   * As HTTP/2 header fields. Transport-owned names are refused: a handler cannot forge
   * `grpc-status` through metadata.
   */
  toHeaders(): [string, string][] {
    const out: [string, string][] = [];
    for (const [k, v] of this.entries()) {
      if (TRANSPORT_HEADERS.has(k)) {
        throw new GrpcError(GrpcStatus.INTERNAL, `metadata key ${k} is reserved for the gRPC runtime`);
      }
      out.push([k, typeof v === 'string' ? v : Buffer.from(v).toString('base64').replace(/=+$/, '')]);
    }
    return out;
  }

  /**
   * From received header fields: pseudo-headers and transport headers are skipped; `-bin` values are
   * split on `,` and base64-decoded. Malformed base64 is INTERNAL for this call only.
   */
  static fromHeaders(headers: Iterable<readonly [string, string]>): Metadata {
    const m = new Metadata();
    for (const [name, value] of headers) {
      if (name.startsWith(':') || TRANSPORT_HEADERS.has(name)) continue;
      if (!KEY.test(name)) continue;
      if (name.endsWith('-bin')) {
        for (const part of value.split(',')) {
          const p = part.trim();
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(p) || p.replace(/=+$/, '').length % 4 === 1) {
            throw new GrpcError(GrpcStatus.INTERNAL, `metadata ${name}: invalid base64 value`);
          }
          m.add(name, new Uint8Array(Buffer.from(p, 'base64')));
        }
      } else {
        m.add(name, value.trim());
      }
    }
    return m;
  }

  /** Size as HTTP/2 counts a header list: name + value + 32 per field, binary values after base64. */
  byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries())
      n += k.length + 32 + (typeof v === 'string' ? v.length : Math.ceil((v.length * 4) / 3));
    return n;
  }
}
