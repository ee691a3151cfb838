// HPACK, header compression for HTTP/2 (RFC 7541). Sans-IO: bytes in, header fields out, and back.
// See docs/hpack.md.
export { ByteWriter } from './byte-writer.js';
export {
  DEFAULT_MAX_HEADER_LIST_SIZE,
  DEFAULT_MAX_STRING_LENGTH,
  DEFAULT_MAX_TABLE_SIZE,
  type HeaderFieldSink,
  HpackDecoder,
  type HpackDecoderOptions,
} from './decoder.js';
export { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
export { DEFAULT_SENSITIVE_HEADERS, HpackEncoder, type HpackEncoderOptions } from './encoder.js';
export { HeaderListTooLarge, HpackDecodingError, HpackEncodingError } from './errors.js';
export type { HeaderField, HeaderFieldInput } from './header-field.js';
export { HuffmanCodec } from './huffman.js';
export { decodeInteger, encodeInteger, MAX_HPACK_INTEGER } from './integer.js';
export { StaticTable } from './static-table.js';
