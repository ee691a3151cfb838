/**
 * A decoded header field. Names and values are latin1 strings: one character per octet, exactly the
 * octets on the wire (HPACK strings are octet sequences, RFC 7541 §5.2).
 */
export interface HeaderField {
  name: string;
  value: string;
  /**
   * True when the field came as a never-indexed literal (RFC 7541 §6.2.3). An intermediary that
   * re-encodes the field MUST keep it never-indexed (RFC 7541 §7.1.3); HpackEncoder does so when this
   * object is passed back to it.
   */
  sensitive: boolean;
}

/**
 * A field to encode: a `[name, value]` pair, or an object that may say how to represent it.
 * `sensitive: true` forces a never-indexed literal (RFC 7541 §6.2.3); `index: false` forbids adding
 * it to the dynamic table (a literal without indexing, §6.2.2). Unset, the encoder's policy decides.
 */
export type HeaderFieldInput =
  | readonly [name: string, value: string]
  | { readonly name: string; readonly value: string; readonly sensitive?: boolean; readonly index?: boolean };
