const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/**
 * Bytes (a bulk string, a line) as a JS string, decoded as UTF-8 with U+FFFD for invalid sequences.
 * Short ASCII, the usual case for RESP keys and commands, skips TextDecoder's call overhead.
 *
 * @example
 * bytesToString(command[0]).toUpperCase() === 'PING'
 */
export function bytesToString(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n <= 32) {
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = bytes[i];
      if (c >= 0x80) return decoder.decode(bytes);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(bytes);
}

/** A JS string as new UTF-8 bytes. */
export function stringToBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Upper bound of the UTF-8 size of `text` (3 bytes per UTF-16 unit), for sizing a buffer before encodeInto. */
export function maxUtf8Length(text: string): number {
  return text.length * 3;
}

/** Encodes `text` into `target` at `offset`, which must have maxUtf8Length(text) room; returns bytes written. */
export function writeUtf8(text: string, target: Uint8Array, offset: number): number {
  const n = text.length;
  // ASCII fast path: a byte loop beats encodeInto's call overhead for short strings.
  if (n <= 32) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      target[offset + i] = c;
    }
    if (i === n) return n;
  }
  return encoder.encodeInto(text, target.subarray(offset)).written;
}
