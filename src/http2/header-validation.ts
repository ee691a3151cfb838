import type { HeaderField } from '../hpack/index.js';

/** Which field section of a message is being checked (RFC 9113 §8.1). */
export type FieldSectionKind = 'request' | 'response' | 'trailers';

/** The outcome of checking a field section: a reason it is malformed, or what the connection needs from it. */
export type FieldSectionCheck =
  | { ok: false; reason: string }
  | {
      ok: true;
      /** The content-length value, or -1 when absent. */
      contentLength: number;
      /** For responses, the :status code (1xx are informational, §8.1). */
      status: number;
      method: string;
    };

// Pseudo-headers as bits: a Set per field section was a measurable share of a gRPC server's CPU.
const METHOD = 1;
const SCHEME = 2;
const AUTHORITY = 4;
const PATH = 8;
const STATUS = 16;

function pseudoBit(name: string): number {
  switch (name) {
    case ':method':
      return METHOD;
    case ':scheme':
      return SCHEME;
    case ':authority':
      return AUTHORITY;
    case ':path':
      return PATH;
    case ':status':
      return STATUS;
    default:
      return 0;
  }
}
// §8.2.2: "Any message containing connection-specific header fields MUST be treated as malformed".
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
]);

/** §8.2.1: the octets a field name may not contain (0x00-0x20, 0x41-0x5a, 0x7f-0xff). */
function badNameOctet(name: string, from: number): boolean {
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x41 && c <= 0x5a) || c >= 0x7f || c === 0x3a) return true;
  }
  return false;
}

/** §8.2.1: "A field value MUST NOT contain the zero value (ASCII NUL, 0x00), line feed (ASCII LF,
 * 0x0a), or carriage return (ASCII CR, 0x0d) at any position." and "MUST NOT start or end with an
 * ASCII whitespace character (ASCII SP or HTAB, 0x20 or 0x09)." */
function badValue(value: string): boolean {
  if (value.length === 0) return false;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return true;
  }
  return false;
}

/**
 * Checks a decoded field section against RFC 9113 §8.1-§8.3. A malformed message is a stream error
 * of type PROTOCOL_ERROR (§8.1.1: "Malformed requests or responses that are detected MUST be treated
 * as a stream error (Section 5.4.2) of type PROTOCOL_ERROR").
 *
 * @example
 * checkFieldSection([{ name: ':status', value: '200', sensitive: false }], 'response'); // { ok: true, status: 200, ... }
 */
export function checkFieldSection(fields: readonly HeaderField[], kind: FieldSectionKind): FieldSectionCheck {
  let seen = 0;
  let regular = false;
  let contentLength = -1;
  let status = 0;
  let method = '';
  let path: string | undefined;
  for (const { name, value } of fields) {
    if (name.length === 0) return { ok: false, reason: 'empty field name' };
    if (name.charCodeAt(0) === 0x3a) {
      // §8.3: "Pseudo-header fields MUST NOT appear in a trailer section."
      if (kind === 'trailers') return { ok: false, reason: `pseudo-header ${name} in trailers` };
      // §8.3: "All pseudo-header fields MUST appear in a field block before all regular field lines."
      if (regular) return { ok: false, reason: `pseudo-header ${name} after a regular field` };
      // §8.3: "Endpoints MUST treat a request or response that contains undefined or invalid
      // pseudo-header fields as malformed" and request pseudo-headers in responses likewise.
      const bit = pseudoBit(name);
      const allowed = kind === 'request' ? bit !== 0 && bit !== STATUS : bit === STATUS;
      if (!allowed) return { ok: false, reason: `pseudo-header ${name} not allowed in a ${kind}` };
      // §8.3.1: "The same pseudo-header field name MUST NOT appear more than once in a field block."
      if ((seen & bit) !== 0) return { ok: false, reason: `duplicate ${name}` };
      seen |= bit;
      if (bit === STATUS) {
        if (!/^[0-9]{3}$/.test(value)) return { ok: false, reason: `bad :status ${JSON.stringify(value)}` };
        status = Number(value);
      } else if (bit === METHOD) method = value;
      else if (bit === PATH) path = value;
      if (badValue(value)) return { ok: false, reason: `bad value for ${name}` };
      continue;
    }
    regular = true;
    // §8.2.1: "A field name MUST NOT contain characters in the ranges 0x00-0x20, 0x41-0x5a, or
    // 0x7f-0xff" and, outside pseudo-headers, "MUST NOT include a colon".
    if (badNameOctet(name, 0)) return { ok: false, reason: `invalid field name ${JSON.stringify(name)}` };
    if (badValue(value)) return { ok: false, reason: `invalid value for ${name}` };
    if (CONNECTION_SPECIFIC.has(name)) return { ok: false, reason: `connection-specific field ${name}` };
    // §8.2.2: TE "MUST NOT contain any value other than 'trailers'".
    if (name === 'te' && value !== 'trailers') return { ok: false, reason: `te: ${value}` };
    if (name === 'content-length' && kind !== 'trailers') {
      if (!/^[0-9]{1,15}$/.test(value)) return { ok: false, reason: `bad content-length ${value}` };
      const n = Number(value);
      if (contentLength >= 0 && contentLength !== n)
        return { ok: false, reason: 'conflicting content-length' };
      contentLength = n;
    }
  }
  if (kind === 'request') {
    if ((seen & METHOD) === 0) return { ok: false, reason: 'missing :method' };
    if (method === 'CONNECT') {
      // §8.5: "The :scheme and :path pseudo-header fields MUST be omitted" and ":authority ... MUST" be present.
      if ((seen & (SCHEME | PATH)) !== 0 || (seen & AUTHORITY) === 0) {
        return { ok: false, reason: 'CONNECT needs :authority and no :scheme or :path' };
      }
    } else {
      // §8.3.1: "All HTTP/2 requests MUST include exactly one valid value for the :method, :scheme,
      // and :path pseudo-header fields, unless they are CONNECT requests".
      if ((seen & SCHEME) === 0) return { ok: false, reason: 'missing :scheme' };
      // §8.3.1: "This pseudo-header field MUST NOT be empty for "http" or "https" URIs".
      if (path === undefined || path === '') return { ok: false, reason: 'missing or empty :path' };
    }
  } else if (kind === 'response' && status === 0) {
    // §8.3.2: "the :status pseudo-header field ... MUST be included in all responses".
    return { ok: false, reason: 'missing :status' };
  }
  return { ok: true, contentLength, status, method };
}
