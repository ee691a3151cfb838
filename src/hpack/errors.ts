import { DecodeError, LimitExceeded, WirestackError } from '../buf/errors.js';

/**
 * A header block violated RFC 7541 or a hard decoder limit. The HTTP/2 layer maps this to a
 * connection error of type COMPRESSION_ERROR (RFC 9113 §4.3): after it, the decoder's dynamic table
 * can no longer be trusted, so the decoder refuses further blocks.
 *
 * Codes: `EHPACKTRUNCATED`, `EHPACKINTEGER`, `EHPACKHUFFMAN`, `EHPACKINDEX`, `EHPACKTABLESIZE`,
 * `EHPACKSTRINGTOOLONG`, `EHPACKBROKEN`.
 *
 * @example
 * try { decoder.decode(block) } catch (e) {
 *   if (e instanceof HpackDecodingError) goAway('COMPRESSION_ERROR');
 * }
 */
export class HpackDecodingError extends DecodeError {
  /** The option that bounds this check when a configured limit was hit; undefined for malformed input. */
  readonly limit: string | undefined;

  constructor(code: string, message: string, offset = -1, limit?: string) {
    super(code, message, offset);
    this.limit = limit;
  }
}

/**
 * The decoded header list is larger than `maxHeaderListSize` (counted as RFC 9113 §6.5.2 does:
 * name + value + 32 octets per field). This is NOT a compression error: when `tableInSync` is true
 * the decoder processed the whole block, its dynamic table matches the peer's, and the next block
 * decodes normally, so the HTTP/2 layer can refuse just this stream (e.g. HTTP 431 or RST_STREAM).
 *
 * @example
 * try { decoder.decode(block) } catch (e) {
 *   if (e instanceof HeaderListTooLarge && e.tableInSync) resetStream('REFUSED_STREAM');
 * }
 */
export class HeaderListTooLarge extends LimitExceeded {
  /** True when the decoder kept its dynamic table in sync and can decode the next block. */
  readonly tableInSync: boolean;

  constructor(max: number, actual: number, tableInSync: boolean, offset = -1) {
    super(
      'EHEADERLISTTOOLARGE',
      'maxHeaderListSize',
      max,
      actual,
      'header list size (name + value + 32 per field)',
      offset,
    );
    this.tableInSync = tableInSync;
  }
}

/**
 * A header field could not be encoded: HPACK strings are octets, and wirestack represents them as
 * latin1 strings (one character per octet), so a character above U+00FF has no encoding. Encode such
 * text to UTF-8 and pass it through `Buffer.from(text).toString('latin1')` first.
 *
 * @example
 * encoder.encode([['x-name', '\u20ac']]); // throws HpackEncodingError (code EHPACKCHAR)
 */
export class HpackEncodingError extends WirestackError {}
