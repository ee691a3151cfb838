import { LOWER, latin1 } from './char-classes.js';

/**
 * Lower-cased field names without allocating for the common ones: the bytes are compared
 * case-insensitively against a small table of names, bucketed by length, and the interned string
 * is returned. Any other name is lower-cased through the LOWER table.
 */
const COMMON = [
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'connection',
  'content-length',
  'content-type',
  'transfer-encoding',
  'expect',
  'cookie',
  'authorization',
  'cache-control',
  'origin',
  'referer',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'if-none-match',
  'if-modified-since',
  'x-forwarded-for',
  'pragma',
  'range',
  'date',
];

const COMMON_SET = new Set(COMMON);

/** True for the names fieldName() interns (a bounded set, so callers may key caches on them). */
export function isCommonFieldName(name: string): boolean {
  return COMMON_SET.has(name);
}

const byLength: { name: string; bytes: Uint8Array }[][] = [];
for (const name of COMMON) {
  const list = (byLength[name.length] ??= []);
  list.push({ name, bytes: new TextEncoder().encode(name) });
}

/** The field name in buf[start, end) (already checked to be a token), lower-cased. */
export function fieldName(buf: Buffer, start: number, end: number): string {
  const candidates = byLength[end - start];
  if (candidates !== undefined) {
    for (const c of candidates) {
      const b = c.bytes;
      let i = 0;
      while (i < b.length && LOWER[buf[start + i]] === b[i]) i++;
      if (i === b.length) return c.name;
    }
  }
  return latin1(buf, start, end).toLowerCase();
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'].map((name) => ({
  name,
  bytes: new TextEncoder().encode(name),
}));

/** The method in buf[start, end): interned for the standard ones. Methods are case-sensitive. */
export function methodName(buf: Buffer, start: number, end: number): string {
  for (const m of METHODS) {
    const b = m.bytes;
    if (b.length !== end - start) continue;
    let i = 0;
    while (i < b.length && buf[start + i] === b[i]) i++;
    if (i === b.length) return m.name;
  }
  return latin1(buf, start, end);
}
