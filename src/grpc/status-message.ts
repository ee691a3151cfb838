/**
 * `grpc-message` percent-encoding (PROTOCOL-HTTP2, "Responses"): the message is UTF-8, and every
 * byte outside space..tilde, plus `%` itself, is written as `%XX`.
 */
const HEX = '0123456789ABCDEF';
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export function encodeStatusMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = '';
  for (const b of utf8.encode(message)) {
    if (b >= 0x20 && b <= 0x7e && b !== 0x25) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/**
 * Decode a `grpc-message`. The spec forbids failing on bad input: a broken `%` sequence is kept as
 * it is, and invalid UTF-8 becomes U+FFFD.
 */
export function decodeStatusMessage(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of utf8.encode(value[i])) bytes.push(b);
    }
  }
  return utf8Decoder.decode(Uint8Array.from(bytes));
}
