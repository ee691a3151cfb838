/**
 * One RESP value as RespParser returns it and RespSerializer.writeValue accepts it. The `type` tag keeps
 * what the wire said (a simple string and a bulk string are different replies). Bulk payloads are
 * Uint8Array views (binary-safe); `bytesToString` turns one into text. `attributes` holds a RESP3
 * attribute map (`|`) sent just before the value, as alternating keys and values.
 */
export type RespValue =
  | { type: 'simple'; value: string; attributes?: RespValue[] }
  | { type: 'error'; value: string; attributes?: RespValue[] }
  /** `number` when it fits a JS number exactly, else `bigint` (RESP integers are signed 64-bit). */
  | { type: 'integer'; value: number | bigint; attributes?: RespValue[] }
  | { type: 'bulk'; value: Uint8Array; attributes?: RespValue[] }
  /** RESP2 `$-1` and `*-1`, RESP3 `_`. */
  | { type: 'null'; attributes?: RespValue[] }
  | { type: 'array'; value: RespValue[]; attributes?: RespValue[] }
  | { type: 'boolean'; value: boolean; attributes?: RespValue[] }
  | { type: 'double'; value: number; attributes?: RespValue[] }
  | { type: 'bignum'; value: bigint; attributes?: RespValue[] }
  | { type: 'bulkError'; value: Uint8Array; attributes?: RespValue[] }
  /** `format` is the three-character type (`txt`, `mkd`); `value` the text after `fmt:`. */
  | { type: 'verbatim'; format: string; value: Uint8Array; attributes?: RespValue[] }
  /** Keys and values alternate: `[k1, v1, k2, v2]`. */
  | { type: 'map'; value: RespValue[]; attributes?: RespValue[] }
  | { type: 'set'; value: RespValue[]; attributes?: RespValue[] }
  | { type: 'push'; value: RespValue[]; attributes?: RespValue[] };

export type RespAggregateType = 'array' | 'map' | 'set' | 'push';
