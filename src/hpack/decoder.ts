import { WirestackError } from '../buf/errors.js';
import type { Cursor } from './cursor.js';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { HeaderListTooLarge, HpackDecodingError } from './errors.js';
import type { HeaderField } from './header-field.js';
import { HuffmanCodec } from './huffman.js';
import { decodeInteger } from './integer.js';
import { StaticTable } from './static-table.js';

/** Limits of an HpackDecoder; every one has a safe default (see docs/hpack.md for the sources). */
export interface HpackDecoderOptions {
  /**
   * The largest dynamic table the peer's encoder may use: our SETTINGS_HEADER_TABLE_SIZE
   * (RFC 9113 §6.5.2). A table size update above it is a decoding error (RFC 7541 §6.3). Default 4096.
   * The peer's encoder starts at 4096 whatever we advertise, until it has seen our SETTINGS: over
   * HTTP/2, construct with 4096 and call setMaxTableSize() when the peer acknowledges a new value.
   */
  maxTableSize?: number;
  /**
   * The largest header list we accept, counted as RFC 9113 §6.5.2 does: name + value + 32 octets per
   * field; checked as each field is decoded. Default 65536 (64 KiB).
   */
  maxHeaderListSize?: number;
  /**
   * The longest single name or value, encoded or decoded, in octets. A longer string is a decoding
   * error (it is never materialized). Default 65536, after nghttp2's NGHTTP2_HD_MAX_NV (65536 for a
   * name and value together).
   */
  maxStringLength?: number;
  /**
   * What to do when a block exceeds maxHeaderListSize:
   * - `'sync'` (default): stop emitting fields, decode the rest of the block only to keep the dynamic
   *   table in sync with the peer, then throw HeaderListTooLarge with `tableInSync: true`; the decoder
   *   remains usable, so only the offending stream needs to be refused.
   * - `'abort'`: throw HeaderListTooLarge at once (`tableInSync: false`); the decoder is unusable and
   *   the connection must be closed.
   */
  onHeaderListTooLarge?: 'sync' | 'abort';
}

/** Receives decoded fields one by one, without an array or field objects being allocated. */
export type HeaderFieldSink = (name: string, value: string, sensitive: boolean) => void;

/** RFC 7541 §4.2 default, and the initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2). */
export const DEFAULT_MAX_TABLE_SIZE = 4096;
/** 64 KiB; see docs/hpack.md for how it compares with nghttp2, Go and SwiftNIO. */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;
/** nghttp2 rejects a name + value pair longer than NGHTTP2_HD_MAX_NV = 65536 octets. */
export const DEFAULT_MAX_STRING_LENGTH = 65536;

/**
 * Decodes HPACK header blocks (RFC 7541) of one direction of one connection, keeping the dynamic
 * table shared with the peer's encoder. Blocks must be decoded whole and in order (HEADERS plus its
 * CONTINUATIONs reassembled). Sans-IO: input is a Uint8Array, output is strings.
 *
 * Errors: HpackDecodingError for anything malformed (a COMPRESSION_ERROR for the connection; the
 * decoder refuses further blocks), HeaderListTooLarge when the list exceeds maxHeaderListSize.
 *
 * @example
 * const decoder = new HpackDecoder({ maxHeaderListSize: 16384 });
 * decoder.decode(Uint8Array.of(0x82, 0x86, 0x84));
 * // [{ name: ':method', value: 'GET', sensitive: false }, { name: ':scheme', ... }, { name: ':path', ... }]
 */
export class HpackDecoder {
  /** The dynamic table; read it to inspect state (tests, debugging), never mutate it. */
  readonly table: DynamicTable;
  private maxTableSize: number;
  private readonly maxHeaderListSize: number;
  private readonly maxStringLength: number;
  private readonly abortOnTooLarge: boolean;
  /** Set when maxTableSize dropped below the table's size: the next block MUST start with an update. */
  private sizeUpdateRequired = false;
  /** The code of the error that made this decoder unusable, if any. */
  private brokenBy: string | undefined;
  private readonly cur: Cursor = { pos: 0 };
  /** Holds Huffman-decoded strings; grows up to what maxStringLength allows, then is reused. */
  private scratch: Buffer = Buffer.allocUnsafe(256);
  // The last string literal read: octets [strStart, strEnd) of strBuf (the block or scratch).
  private strBuf: Buffer = this.scratch;
  private strStart = 0;
  private strEnd = 0;

  constructor(options: HpackDecoderOptions = {}) {
    this.maxTableSize = checkLimit('maxTableSize', options.maxTableSize ?? DEFAULT_MAX_TABLE_SIZE);
    this.maxHeaderListSize = checkLimit(
      'maxHeaderListSize',
      options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE,
    );
    this.maxStringLength = checkLimit(
      'maxStringLength',
      options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH,
    );
    this.abortOnTooLarge = options.onHeaderListTooLarge === 'abort';
    this.table = new DynamicTable(this.maxTableSize);
  }

  /**
   * Changes the limit on the peer's table size, e.g. once the peer acknowledges a new
   * SETTINGS_HEADER_TABLE_SIZE. If the table is now larger than allowed, the peer's next block MUST
   * begin with a table size update (RFC 7541 §4.2), and a block without one is a decoding error.
   */
  setMaxTableSize(maxTableSize: number): void {
    this.maxTableSize = checkLimit('maxTableSize', maxTableSize);
    if (this.table.maxSize > maxTableSize) this.sizeUpdateRequired = true;
  }

  /**
   * Decodes one complete header block into field objects.
   *
   * @example
   * for (const { name, value } of decoder.decode(block)) console.log(name, value);
   */
  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    this.decodeTo(block, (name, value, sensitive) => {
      fields.push({ name, value, sensitive });
    });
    return fields;
  }

  /**
   * Decodes one complete header block, calling `sink` for each field in order. With the default
   * `onHeaderListTooLarge: 'sync'`, fields already passed to `sink` stay delivered when the list
   * turns out too large; discard them on HeaderListTooLarge.
   *
   * @example
   * decoder.decodeTo(block, (name, value) => headers.append(name, value));
   */
  decodeTo(block: Uint8Array, sink: HeaderFieldSink): void {
    if (this.brokenBy !== undefined) {
      throw new HpackDecodingError(
        'EHPACKBROKEN',
        `decoder is unusable after an earlier error (${this.brokenBy}); the connection must be closed`,
      );
    }
    try {
      this.run(block, sink);
    } catch (e) {
      // Only an oversized list decoded to the end leaves the table trustworthy. Anything else
      // (including an exception thrown by the sink) may have stopped mid-block.
      if (!(e instanceof HeaderListTooLarge && e.tableInSync)) {
        this.brokenBy = e instanceof WirestackError ? e.code : 'an exception from the sink';
      }
      throw e;
    }
  }

  private run(block: Uint8Array, sink: HeaderFieldSink): void {
    const src = Buffer.isBuffer(block)
      ? block
      : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    const end = src.length;
    const cur = this.cur;
    const table = this.table;
    cur.pos = 0;
    let listSize = 0;
    let emitting = true;
    let fieldSeen = false;

    while (cur.pos < end) {
      const start = cur.pos;
      const b = src[start];

      if ((b & 0xe0) === 0x20) {
        // §6.3 Dynamic Table Size Update: 001xxxxx, 5-bit prefix.
        // §4.2: "This dynamic table size update MUST occur at the beginning of the first header block
        // following the change"; an update after a field is a decoding error.
        if (fieldSeen) {
          throw new HpackDecodingError(
            'EHPACKTABLESIZE',
            'dynamic table size update after a header field (RFC 7541 §4.2)',
            start,
          );
        }
        const size = decodeInteger(src, end, cur, 5);
        // §6.3: "a value that exceeds this limit MUST be treated as a decoding error".
        if (size > this.maxTableSize) {
          throw new HpackDecodingError(
            'EHPACKTABLESIZE',
            `dynamic table size update to ${size} exceeds maxTableSize=${this.maxTableSize} (RFC 7541 §6.3)`,
            start,
            'maxTableSize',
          );
        }
        table.setMaxSize(size);
        this.sizeUpdateRequired = false;
        continue;
      }

      if (!fieldSeen) {
        fieldSeen = true;
        if (this.sizeUpdateRequired) throw missingUpdate(start, this.maxTableSize);
      }

      let name: string;
      let value: string;
      let sensitive = false;

      if (b & 0x80) {
        // §6.1 Indexed Header Field: 1xxxxxxx, 7-bit prefix.
        const index = decodeInteger(src, end, cur, 7);
        if (index === 0) {
          // §6.1: "The index value of 0 is not used. It MUST be treated as a decoding error".
          throw new HpackDecodingError('EHPACKINDEX', 'indexed field with index 0 (RFC 7541 §6.1)', start);
        }
        if (index <= StaticTable.length) {
          name = StaticTable.name(index);
          value = StaticTable.value(index);
        } else {
          const d = index - StaticTable.length;
          if (d > table.length) throw badIndex(index, table.length, start);
          name = table.name(d);
          value = table.value(d);
        }
        listSize += name.length + value.length + ENTRY_OVERHEAD;
      } else {
        // §6.2 Literal Header Field: 01xxxxxx with incremental indexing (6-bit prefix), 0000xxxx
        // without indexing, 0001xxxx never indexed (4-bit prefix).
        const indexing = (b & 0x40) !== 0;
        sensitive = !indexing && (b & 0x10) !== 0;
        const nameIndex = decodeInteger(src, end, cur, indexing ? 6 : 4);
        let nameLength: number;
        if (nameIndex === 0) {
          this.readString(src, end);
          nameLength = this.strEnd - this.strStart;
          // Once the list is over the limit, a name that goes nowhere is checked but not copied.
          name = emitting || indexing ? this.strBuf.toString('latin1', this.strStart, this.strEnd) : '';
        } else {
          name = this.indexedName(nameIndex, start);
          nameLength = name.length;
        }
        this.readString(src, end);
        const valueLength = this.strEnd - this.strStart;
        listSize += nameLength + valueLength + ENTRY_OVERHEAD;
        // Materialize the value only if someone will see it: the caller, or the table.
        const fits = nameLength + valueLength + ENTRY_OVERHEAD <= table.maxSize;
        const needed = (emitting && listSize <= this.maxHeaderListSize) || (indexing && fits);
        value = needed ? this.strBuf.toString('latin1', this.strStart, this.strEnd) : '';
        // §6.2.1: the field is added to the dynamic table; an entry larger than the table empties it
        // and is not added, which is not an error (§4.4).
        if (indexing) {
          if (fits) table.add(name, value);
          else table.clear();
        }
      }

      if (listSize > this.maxHeaderListSize) {
        if (this.abortOnTooLarge)
          throw new HeaderListTooLarge(this.maxHeaderListSize, listSize, false, start);
        emitting = false;
      }
      if (emitting) sink(name, value, sensitive);
    }

    // A block with no field at all still had to carry the required update.
    if (this.sizeUpdateRequired) throw missingUpdate(end, this.maxTableSize);
    if (!emitting) throw new HeaderListTooLarge(this.maxHeaderListSize, listSize, true);
  }

  private indexedName(index: number, offset: number): string {
    if (index <= StaticTable.length) return StaticTable.name(index);
    const d = index - StaticTable.length;
    // §2.3.3: "Indices strictly greater than the sum of the lengths of both tables MUST be treated
    // as a decoding error."
    if (d > this.table.length) throw badIndex(index, this.table.length, offset);
    return this.table.name(d);
  }

  /**
   * Reads a string literal (RFC 7541 §5.2) at the cursor into strBuf/strStart/strEnd, without
   * creating a JS string: raw octets stay in the block, Huffman octets are decoded into scratch.
   */
  private readString(src: Buffer, end: number): void {
    const cur = this.cur;
    const start = cur.pos;
    if (start >= end) {
      throw new HpackDecodingError('EHPACKTRUNCATED', 'header block ends before a string literal', start);
    }
    const huffman = (src[start] & 0x80) !== 0;
    const length = decodeInteger(src, end, cur, 7);
    if (length > this.maxStringLength) throw this.tooLong(length, start);
    const from = cur.pos;
    if (length > end - from) {
      throw new HpackDecodingError(
        'EHPACKTRUNCATED',
        `string literal of ${length} octets overruns the header block`,
        start,
      );
    }
    cur.pos = from + length;
    if (!huffman) {
      this.strBuf = src;
      this.strStart = from;
      this.strEnd = from + length;
      return;
    }
    const room = HuffmanCodec.maxDecodedLength(length);
    if (room > this.scratch.length) {
      this.scratch = Buffer.allocUnsafe(Math.max(room, this.scratch.length * 2));
    }
    const decoded = HuffmanCodec.decode(src, from, from + length, this.scratch);
    if (decoded > this.maxStringLength) throw this.tooLong(decoded, start);
    this.strBuf = this.scratch;
    this.strStart = 0;
    this.strEnd = decoded;
  }

  private tooLong(length: number, offset: number): HpackDecodingError {
    return new HpackDecodingError(
      'EHPACKSTRINGTOOLONG',
      `string literal of ${length} octets exceeds maxStringLength=${this.maxStringLength}`,
      offset,
      'maxStringLength',
    );
  }
}

function badIndex(index: number, dynamicLength: number, offset: number): HpackDecodingError {
  return new HpackDecodingError(
    'EHPACKINDEX',
    `index ${index} is beyond the static table and the ${dynamicLength} dynamic entries (RFC 7541 §2.3.3)`,
    offset,
  );
}

function missingUpdate(offset: number, max: number): HpackDecodingError {
  return new HpackDecodingError(
    'EHPACKTABLESIZE',
    `header block lacks the dynamic table size update required after maxTableSize was lowered to ${max} (RFC 7541 §4.2)`,
    offset,
    'maxTableSize',
  );
}

function checkLimit(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`${name} must be an integer in [0, 2^31 - 1], got ${value}`);
  }
  return value;
}
