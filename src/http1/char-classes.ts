/**
 * Byte classes from RFC 9110 section 5.6.2 (token) and 5.5 (field values), as lookup tables so the
 * parser tests a byte with one array read.
 */

/** tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/** field-vchar (VCHAR / obs-text) plus SP and HTAB: what may appear inside a field value. */
export const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1;

/**
 * What we accept in a request-target: visible ASCII only. RFC 3986 allows less than that, but
 * anything outside VCHAR (controls, spaces, bytes >= 0x80) is never valid.
 */
export const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;

/** ASCII lower-casing table; other bytes map to themselves. */
export const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOWER[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;

/** Value of a hex digit, or 255. */
export const HEX = new Uint8Array(256).fill(255);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/**
 * The bytes [start, end) as a string, one char per byte (ISO-8859-1, as RFC 9110 section 5.5 reads
 * them). Buffer's native latin1 decoder is about 3x faster than String.fromCharCode over a view for
 * the 5-50 byte strings of a request head, which is why the parser's buffer is a Buffer (measured in
 * docs/http1.md).
 */
export function latin1(buf: Buffer, start: number, end: number): string {
  return end > start ? buf.toString('latin1', start, end) : '';
}
