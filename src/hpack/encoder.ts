import { ByteWriter } from './byte-writer.js';
import { DEFAULT_MAX_TABLE_SIZE } from './decoder.js';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import type { HeaderFieldInput } from './header-field.js';
import { HuffmanCodec } from './huffman.js';
import { encodeInteger } from './integer.js';
import { StaticTable } from './static-table.js';

/**
 * Header names encoded as never-indexed literals by default (RFC 7541 §7.1.3): credentials and
 * cookies, which a compression side channel (CRIME-style, §7.1) could otherwise reveal to someone who
 * can inject guesses into the same connection, and which an intermediary must not index either.
 */
export const DEFAULT_SENSITIVE_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

/** Options of an HpackEncoder. */
export interface HpackEncoderOptions {
  /**
   * The largest dynamic table this encoder will use, whatever the peer allows; the effective size is
   * min(this, the peer's SETTINGS_HEADER_TABLE_SIZE given to setMaxTableSize). Default 4096.
   */
  maxTableSize?: number;
  /**
   * When to Huffman-code strings: `'auto'` (default) only when it is shorter than the raw octets,
   * `'always'`, or `'never'`.
   */
  huffman?: 'auto' | 'always' | 'never';
  /** Names always encoded never-indexed (lowercase, as HTTP/2 sends them). Default DEFAULT_SENSITIVE_HEADERS. */
  sensitiveHeaders?: Iterable<string>;
}

/**
 * Encodes header lists into HPACK header blocks (RFC 7541) for one direction of one connection.
 * Fields matching a static or dynamic entry become one index; others become literals that are added
 * to the dynamic table, except sensitive fields (never indexed) and fields too big for the table.
 *
 * The returned block is a view into a buffer reused by the next encode(): write it out or copy it
 * before encoding again.
 *
 * @example
 * const encoder = new HpackEncoder();
 * const block = encoder.encode([[':method', 'GET'], [':path', '/'], ['authorization', 'secret']]);
 * socketWrite(Uint8Array.prototype.slice.call(block)); // copy if kept past the next encode()
 */
export class HpackEncoder {
  /** The dynamic table; read it to inspect state, never mutate it. */
  readonly table: DynamicTable;
  private readonly ownLimit: number;
  private readonly huffman: 'auto' | 'always' | 'never';
  private readonly sensitive: ReadonlySet<string>;
  private readonly out = new ByteWriter();
  /** Smallest table size set since the last block, or -1 when there was no change (RFC 7541 §4.2). */
  private pendingMinSize = -1;

  constructor(options: HpackEncoderOptions = {}) {
    const limit = options.maxTableSize ?? DEFAULT_MAX_TABLE_SIZE;
    if (!Number.isInteger(limit) || limit < 0 || limit > 0x7fffffff) {
      throw new RangeError(`maxTableSize must be an integer in [0, 2^31 - 1], got ${limit}`);
    }
    this.ownLimit = limit;
    this.huffman = options.huffman ?? 'auto';
    this.sensitive = new Set(options.sensitiveHeaders ?? DEFAULT_SENSITIVE_HEADERS);
    // Both sides start at 4096 (RFC 9113 §6.5.2), so a smaller own limit must be announced.
    this.table = new DynamicTable(Math.min(limit, DEFAULT_MAX_TABLE_SIZE), { lookup: true });
    if (limit < DEFAULT_MAX_TABLE_SIZE) this.pendingMinSize = limit;
  }

  /**
   * Applies the peer's SETTINGS_HEADER_TABLE_SIZE: the table shrinks or grows to
   * min(peerLimit, maxTableSize) and the next block starts with the size update(s) that tell the peer
   * (RFC 7541 §4.2: the smallest size since the last block, then the final size).
   */
  setMaxTableSize(peerLimit: number): void {
    if (!Number.isInteger(peerLimit) || peerLimit < 0 || peerLimit > 0x7fffffff) {
      throw new RangeError(`table size must be an integer in [0, 2^31 - 1], got ${peerLimit}`);
    }
    const size = Math.min(peerLimit, this.ownLimit);
    if (size === this.table.maxSize && this.pendingMinSize < 0) return;
    this.pendingMinSize = this.pendingMinSize < 0 ? size : Math.min(this.pendingMinSize, size);
    this.table.setMaxSize(size);
  }

  /**
   * Encodes a header list into one header block and returns it, a view valid until the next call.
   * Throws HpackEncodingError if a name or value has a character above U+00FF.
   *
   * @example
   * const block = encoder.encode([{ name: 'cookie', value: 'a=1', sensitive: true }, ['accept', '*\/*']]);
   */
  encode(headers: Iterable<HeaderFieldInput>): Uint8Array {
    const w = this.out;
    w.reset();
    if (this.pendingMinSize >= 0) {
      if (this.pendingMinSize < this.table.maxSize) encodeInteger(w, this.pendingMinSize, 5, 0x20);
      encodeInteger(w, this.table.maxSize, 5, 0x20);
      this.pendingMinSize = -1;
    }
    for (const field of headers) {
      if (isPair(field)) this.encodeField(field[0], field[1], undefined, undefined);
      else this.encodeField(field.name, field.value, field.sensitive, field.index);
    }
    return w.view();
  }

  private encodeField(
    name: string,
    value: string,
    sensitive: boolean | undefined,
    index: boolean | undefined,
  ) {
    const w = this.out;
    const table = this.table;
    const neverIndex = sensitive ?? this.sensitive.has(name);
    if (!neverIndex) {
      // §6.1 Indexed Header Field for a full match, static first (smaller index).
      let full = StaticTable.findField(name, value);
      if (full === 0) {
        const d = table.findField(name, value);
        if (d !== 0) full = StaticTable.length + d;
      }
      if (full !== 0) {
        encodeInteger(w, full, 7, 0x80);
        return;
      }
    }
    let nameIndex = StaticTable.findName(name);
    if (nameIndex === 0) {
      const d = table.findName(name);
      if (d !== 0) nameIndex = StaticTable.length + d;
    }
    // Index unless told not to, or the entry would not fit (it would only empty the table, §4.4).
    const addToTable =
      !neverIndex && index !== false && name.length + value.length + ENTRY_OVERHEAD <= table.maxSize;
    if (neverIndex)
      encodeInteger(w, nameIndex, 4, 0x10); // §6.2.3
    else if (addToTable)
      encodeInteger(w, nameIndex, 6, 0x40); // §6.2.1
    else encodeInteger(w, nameIndex, 4, 0x00); // §6.2.2
    if (nameIndex === 0) this.encodeString(name);
    this.encodeString(value);
    if (addToTable) table.add(name, value);
  }

  /** A string literal (RFC 7541 §5.2), Huffman-coded per the `huffman` option. */
  private encodeString(s: string): void {
    const w = this.out;
    // encodedLength also rejects characters above U+00FF, so it runs even for 'never'.
    const huffmanLength = HuffmanCodec.encodedLength(s);
    const useHuffman = this.huffman === 'always' || (this.huffman === 'auto' && huffmanLength < s.length);
    if (useHuffman) {
      encodeInteger(w, huffmanLength, 7, 0x80);
      w.ensure(huffmanLength);
      w.length = HuffmanCodec.encode(s, w.buf, w.length);
    } else {
      encodeInteger(w, s.length, 7, 0x00);
      w.latin1(s);
    }
  }
}

function isPair(field: HeaderFieldInput): field is readonly [string, string] {
  return Array.isArray(field);
}
