/**
 * The HPACK static table (RFC 7541 Appendix A): 61 fixed entries, index 1 to 61. Index 0 is unused
 * (RFC 7541 §6.1: an indexed representation with index 0 MUST be treated as a decoding error).
 */
const ENTRIES: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** The number of static entries; dynamic table indices start after it (RFC 7541 §2.3.3). */
export const STATIC_TABLE_LENGTH = ENTRIES.length;

// Index 0 is a placeholder so that STATIC_NAMES[i] is entry i.
const STATIC_NAMES: readonly string[] = ['', ...ENTRIES.map((e) => e[0])];
const STATIC_VALUES: readonly string[] = ['', ...ENTRIES.map((e) => e[1])];

interface NameEntry {
  /** The lowest index with this name. */
  readonly index: number;
  /** value -> index, for the entries with this name. */
  readonly values: Map<string, number>;
}

const BY_NAME = new Map<string, NameEntry>();
for (let i = 1; i <= STATIC_TABLE_LENGTH; i++) {
  let entry = BY_NAME.get(STATIC_NAMES[i]);
  if (entry === undefined) {
    entry = { index: i, values: new Map() };
    BY_NAME.set(STATIC_NAMES[i], entry);
  }
  if (!entry.values.has(STATIC_VALUES[i])) entry.values.set(STATIC_VALUES[i], i);
}

/**
 * Lookups in the static table: by index for the decoder, by name (a Map, no scan) for the encoder.
 *
 * @example
 * StaticTable.name(2); // ':method'
 * StaticTable.findField(':method', 'GET'); // 2
 * StaticTable.findName('cookie'); // 32
 */
export const StaticTable = {
  length: STATIC_TABLE_LENGTH,

  /** The name of entry `index` (1..61). */
  name(index: number): string {
    return STATIC_NAMES[index];
  },

  /** The value of entry `index` (1..61). */
  value(index: number): string {
    return STATIC_VALUES[index];
  },

  /** The index of the entry with this name and value, or 0. */
  findField(name: string, value: string): number {
    return BY_NAME.get(name)?.values.get(value) ?? 0;
  },

  /** The lowest index of an entry with this name, or 0. */
  findName(name: string): number {
    return BY_NAME.get(name)?.index ?? 0;
  },
};
