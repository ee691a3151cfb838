import { AF_INET, AF_INET6 } from './constants.js';

/** An IP endpoint. `host` is a numeric IPv4 or IPv6 literal. */
export interface SocketAddress {
  family: 4 | 6;
  host: string;
  port: number;
}

/** Size of the largest sockaddr we use (sockaddr_in6). */
export const SOCKADDR_MAX = 28;

export class InvalidAddress extends Error {
  readonly code = 'EINVALIDADDRESS';
  constructor(what: string) {
    super(`not a numeric IP address: ${JSON.stringify(what)} (use an IPv4 or IPv6 literal, or "localhost")`);
    this.name = 'InvalidAddress';
  }
}

/** Parse dotted-quad IPv4 into 4 bytes, or return null. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** Parse an IPv6 literal (RFC 4291 text forms, incl. `::` and an embedded IPv4 tail) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array | null {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const toGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (!v4) return null;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null;
        groups.push(Number.parseInt(item, 16));
      }
    }
    return groups;
  };
  const head = toGroups(halves[0]);
  const tail = halves.length === 2 ? toGroups(halves[1]) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  return out;
}

/** Resolve a host literal to an address family and bytes. `localhost` means 127.0.0.1. */
export function parseHost(host: string): { family: 4 | 6; bytes: Uint8Array } {
  if (host === 'localhost') return { family: 4, bytes: Uint8Array.of(127, 0, 0, 1) };
  const v4 = parseIPv4(host);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(host);
  if (v6) return { family: 6, bytes: v6 };
  throw new InvalidAddress(host);
}

/** Encode `host:port` as a sockaddr_in/sockaddr_in6 into `out`; returns its length. */
export function encodeSockaddr(host: string, port: number, out: Uint8Array): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port out of range: ${port}`);
  const { family, bytes } = parseHost(host);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.fill(0, 0, SOCKADDR_MAX);
  view.setUint16(2, port, false);
  if (family === 4) {
    view.setUint16(0, AF_INET, true);
    out.set(bytes, 4);
    return 16;
  }
  view.setUint16(0, AF_INET6, true);
  out.set(bytes, 8);
  return 28;
}

/** Decode a sockaddr_in/sockaddr_in6 written by the kernel. */
export function decodeSockaddr(buf: Uint8Array): SocketAddress {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = view.getUint16(0, true);
  const port = view.getUint16(2, false);
  if (family === AF_INET) return { family: 4, host: `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`, port };
  if (family === AF_INET6) return { family: 6, host: formatIPv6(buf.subarray(8, 24)), port };
  return { family: 4, host: '', port: 0 };
}

/** Shortest text form of an IPv6 address (RFC 5952): longest zero run as `::`. */
export function formatIPv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}
