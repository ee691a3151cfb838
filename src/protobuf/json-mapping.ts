import { WirestackError } from '../buf/errors.js';
import { base64Decode, base64Encode } from './base64.js';
import {
  type FieldDescriptor,
  FieldType,
  is64Bit,
  lowerCamel,
  type MessageDescriptor,
} from './descriptors.js';
import { decodeMessage } from './message-decoder.js';
import { encodeMessage } from './message-encoder.js';
import { createMessage, DEFAULT_MAX_DEPTH, defaultValue, type ProtoMessage } from './message-shape.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ToJsonOptions {
  /** Also write fields holding their default value (proto3's "always print primitive fields"). */
  emitDefaults?: boolean;
  /** Write enums as numbers instead of names. */
  enumsAsNumbers?: boolean;
  /** Use the .proto field names instead of lowerCamelCase JSON names. */
  useProtoNames?: boolean;
  /** Finds the type named in a google.protobuf.Any's type URL (MessageType supplies its schema's). */
  typeRegistry?: TypeRegistry;
}

/** Looks a message type up by fully-qualified name, for google.protobuf.Any. */
export type TypeRegistry = (fullName: string) => MessageDescriptor | undefined;

export interface FromJsonOptions {
  /** Skip keys that name no field instead of failing. */
  ignoreUnknownFields?: boolean;
  maxDepth?: number;
  typeRegistry?: TypeRegistry;
}

const fail = (path: string, message: string) => new WirestackError('EPROTOJSON', `${path}: ${message}`);

/**
 * A message in the proto3 JSON mapping: lowerCamelCase keys, 64-bit integers and bytes (base64) as
 * strings, enums by name, non-finite floats as "NaN" / "Infinity", maps as objects.
 *
 * @example
 * messageToJson(desc, { id: 7n, tags: ['a'] }); // { id: '7', tags: ['a'] }
 */
export function messageToJson(
  desc: MessageDescriptor,
  msg: ProtoMessage,
  options: ToJsonOptions = {},
): JsonValue {
  return toJson(desc, msg, options, 0);
}

function toJson(
  desc: MessageDescriptor,
  msg: ProtoMessage,
  options: ToJsonOptions,
  depth: number,
): JsonValue {
  if (depth > DEFAULT_MAX_DEPTH) throw fail(desc.fullName, 'nesting too deep (a cycle?)');
  const special = WKT_TO_JSON[desc.fullName];
  if (special) return special(desc, msg, options, depth);
  const out: Record<string, JsonValue> = Object.create(null);
  for (const f of desc.fields) {
    const v = f.inheritedName && !Object.hasOwn(msg, f.localName) ? undefined : msg[f.localName];
    const key = options.useProtoNames ? f.name : f.jsonName;
    if (v === undefined || v === null) {
      if (options.emitDefaults && !f.explicitPresence && !f.repeated)
        out[key] = scalarToJson(f, defaultValue(f), options);
      continue;
    }
    if (f.mapEntry) {
      const valueField = f.mapEntry.fields[1];
      const entries = v instanceof Map ? [...v] : Object.entries(v as object);
      if (entries.length === 0 && !options.emitDefaults) continue;
      const obj: Record<string, JsonValue> = Object.create(null);
      for (const [k, x] of entries) obj[String(k)] = valueToJson(valueField, x, options, depth);
      out[key] = obj;
    } else if (f.repeated) {
      const list = v as unknown[];
      if (list.length === 0 && !options.emitDefaults) continue;
      out[key] = list.map((x) => valueToJson(f, x, options, depth));
    } else {
      if (!f.explicitPresence && !options.emitDefaults && isJsonDefault(v)) continue;
      out[key] = valueToJson(f, v, options, depth);
    }
  }
  return out;
}

function isJsonDefault(v: unknown): boolean {
  return v === 0 || v === 0n || v === '' || v === false || (v instanceof Uint8Array && v.length === 0);
}

function valueToJson(f: FieldDescriptor, v: unknown, options: ToJsonOptions, depth: number): JsonValue {
  if (f.type === FieldType.MESSAGE || f.type === FieldType.GROUP) {
    return toJson(f.messageType!, v as ProtoMessage, options, depth + 1);
  }
  return scalarToJson(f, v, options);
}

function scalarToJson(f: FieldDescriptor, v: unknown, options: ToJsonOptions): JsonValue {
  switch (f.type) {
    case FieldType.FLOAT:
    case FieldType.DOUBLE: {
      const n = v as number;
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return n;
    }
    case FieldType.BYTES:
      return base64Encode(v as Uint8Array);
    case FieldType.ENUM: {
      if (f.enumType!.fullName === 'google.protobuf.NullValue') return null;
      if (options.enumsAsNumbers) return v as number;
      return f.enumType!.byNumber.get(v as number)?.name ?? (v as number);
    }
    default:
      if (is64Bit(f.type)) return String(v);
      return v as JsonValue;
  }
}

/**
 * Reads the proto3 JSON mapping back into a message. Accepts JSON names and .proto names, numbers as
 * JSON numbers or strings, enums by name or number, bytes in standard or URL-safe base64; `null` means
 * unset. Anything that does not fit is a WirestackError with code EPROTOJSON naming the field.
 *
 * @example
 * messageFromJson(desc, { id: '7', tags: ['a'] }); // { id: 7n, tags: ['a'] }
 */
export function messageFromJson(
  desc: MessageDescriptor,
  json: unknown,
  options: FromJsonOptions = {},
): ProtoMessage {
  return fromJson(desc, json, options, 0, desc.fullName);
}

function fromJson(
  desc: MessageDescriptor,
  json: unknown,
  options: FromJsonOptions,
  depth: number,
  path: string,
): ProtoMessage {
  if (depth > (options.maxDepth ?? DEFAULT_MAX_DEPTH)) throw fail(path, 'nesting too deep');
  const special = WKT_FROM_JSON[desc.fullName];
  if (special) return special(desc, json, options, depth, path);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw fail(path, 'expected a JSON object');
  const msg = createMessage(desc);
  for (const key of Object.keys(json)) {
    const v = (json as Record<string, unknown>)[key];
    const f = desc.fields.find((x) => x.jsonName === key || x.name === key);
    const p = `${path}.${key}`;
    if (!f) {
      if (options.ignoreUnknownFields) continue;
      throw fail(p, `no field named ${key} in ${desc.fullName}`);
    }
    if (v === null && !(f.type === FieldType.MESSAGE && f.messageType!.fullName === 'google.protobuf.Value'))
      continue;
    if (f.oneof) {
      for (const other of f.oneof.fields) {
        if (other !== f && msg[other.localName] !== undefined)
          throw fail(p, `oneof ${f.oneof.name} already has ${other.name}`);
      }
    }
    if (f.mapEntry) {
      if (typeof v !== 'object' || Array.isArray(v)) throw fail(p, 'expected a JSON object for a map');
      const [keyField, valueField] = f.mapEntry.fields;
      const map = msg[f.localName] as Map<unknown, unknown>;
      for (const k of Object.keys(v as object)) {
        map.set(
          mapKey(keyField, k, `${p}[${k}]`),
          valueFromJson(valueField, (v as Record<string, unknown>)[k], options, depth, `${p}[${k}]`),
        );
      }
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw fail(p, 'expected a JSON array');
      msg[f.localName] = v.map((x, i) => valueFromJson(f, x, options, depth, `${p}[${i}]`));
    } else {
      msg[f.localName] = valueFromJson(f, v, options, depth, p);
    }
  }
  return msg;
}

function mapKey(f: FieldDescriptor, k: string, path: string): unknown {
  if (f.type === FieldType.STRING) return k;
  if (f.type === FieldType.BOOL) {
    if (k === 'true') return true;
    if (k === 'false') return false;
    throw fail(path, 'bool map keys must be "true" or "false"');
  }
  return scalarFromJson(f, k, path);
}

function valueFromJson(
  f: FieldDescriptor,
  v: unknown,
  options: FromJsonOptions,
  depth: number,
  path: string,
): unknown {
  if (f.type === FieldType.MESSAGE || f.type === FieldType.GROUP) {
    return fromJson(f.messageType!, v, options, depth + 1, path);
  }
  return scalarFromJson(f, v, path);
}

const INT_RANGES: Partial<Record<FieldType, [bigint, bigint]>> = {
  [FieldType.INT32]: [-(1n << 31n), (1n << 31n) - 1n],
  [FieldType.SINT32]: [-(1n << 31n), (1n << 31n) - 1n],
  [FieldType.SFIXED32]: [-(1n << 31n), (1n << 31n) - 1n],
  [FieldType.UINT32]: [0n, (1n << 32n) - 1n],
  [FieldType.FIXED32]: [0n, (1n << 32n) - 1n],
  [FieldType.INT64]: [-(1n << 63n), (1n << 63n) - 1n],
  [FieldType.SINT64]: [-(1n << 63n), (1n << 63n) - 1n],
  [FieldType.SFIXED64]: [-(1n << 63n), (1n << 63n) - 1n],
  [FieldType.UINT64]: [0n, (1n << 64n) - 1n],
  [FieldType.FIXED64]: [0n, (1n << 64n) - 1n],
};

function scalarFromJson(f: FieldDescriptor, v: unknown, path: string): unknown {
  switch (f.type) {
    case FieldType.STRING:
      if (typeof v !== 'string') throw fail(path, 'expected a string');
      return v;
    case FieldType.BOOL:
      if (typeof v !== 'boolean') throw fail(path, 'expected true or false');
      return v;
    case FieldType.BYTES:
      if (typeof v !== 'string') throw fail(path, 'expected a base64 string');
      try {
        return base64Decode(v);
      } catch (e) {
        throw fail(path, (e as Error).message);
      }
    case FieldType.FLOAT:
    case FieldType.DOUBLE: {
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw fail(path, `expected a number, got ${JSON.stringify(v)}`);
      return f.type === FieldType.FLOAT ? Math.fround(n) : n;
    }
    case FieldType.ENUM: {
      if (typeof v === 'string') {
        const e = f.enumType!.byName.get(v);
        if (!e) throw fail(path, `${JSON.stringify(v)} is not a value of ${f.enumType!.fullName}`);
        return e.number;
      }
      if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
      throw fail(path, `expected an enum name or number, got ${JSON.stringify(v)}`);
    }
    default: {
      const range = INT_RANGES[f.type]!;
      let b: bigint;
      if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
      else if (typeof v === 'string' && /^-?\d+$/.test(v)) b = BigInt(v);
      else if (
        typeof v === 'string' &&
        /^-?\d+(\.0*)?(e\+?\d+)?$/i.test(v) &&
        Number.isSafeInteger(Number(v))
      )
        b = BigInt(Number(v));
      else throw fail(path, `expected an integer, got ${JSON.stringify(v)}`);
      if (b < range[0] || b > range[1]) throw fail(path, `${b} is out of range for ${FieldTypeName(f.type)}`);
      return is64Bit(f.type) ? b : Number(b);
    }
  }
}

function FieldTypeName(t: FieldType): string {
  return Object.keys(FieldType)
    .find((k) => FieldType[k as keyof typeof FieldType] === t)!
    .toLowerCase();
}

// --- well-known types with a JSON form of their own ----------------------------------------------

type ToJsonSpecial = (
  desc: MessageDescriptor,
  msg: ProtoMessage,
  options: ToJsonOptions,
  depth: number,
) => JsonValue;
type FromJsonSpecial = (
  desc: MessageDescriptor,
  json: unknown,
  options: FromJsonOptions,
  depth: number,
  path: string,
) => ProtoMessage;

const MAX_TIMESTAMP = 253402300799n; // 9999-12-31T23:59:59Z
const MIN_TIMESTAMP = -62135596800n; // 0001-01-01T00:00:00Z
const MAX_DURATION = 315576000000n; // 10,000 years, protobuf's bound

/** Nanoseconds as protobuf prints them: nothing, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  return `.${nanos % 1_000_000 === 0 ? digits.slice(0, 3) : nanos % 1000 === 0 ? digits.slice(0, 6) : digits}`;
}

function nanosOf(frac: string | undefined): number {
  return frac ? Number(frac.slice(1).padEnd(9, '0')) : 0;
}

const wrapper = (desc: MessageDescriptor, msg: ProtoMessage, options: ToJsonOptions): JsonValue =>
  scalarToJson(desc.fields[0], msg.value ?? defaultValue(desc.fields[0]), options);

const WKT_TO_JSON: Record<string, ToJsonSpecial> = Object.assign(Object.create(null), {
  'google.protobuf.Timestamp': (desc, msg) => {
    const seconds = BigInt((msg.seconds as bigint | number | undefined) ?? 0n);
    const nanos = Number(msg.nanos ?? 0);
    if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP || nanos < 0 || nanos > 999_999_999) {
      throw fail(desc.fullName, `timestamp ${seconds}s ${nanos}ns is outside 0001-01-01 to 9999-12-31`);
    }
    const iso = new Date(Number(seconds) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
    return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
  },
  'google.protobuf.Duration': (desc, msg) => {
    const seconds = BigInt((msg.seconds as bigint | number | undefined) ?? 0n);
    const nanos = Number(msg.nanos ?? 0);
    const negative = seconds < 0n || nanos < 0;
    if (
      seconds > MAX_DURATION ||
      seconds < -MAX_DURATION ||
      Math.abs(nanos) > 999_999_999 ||
      (seconds > 0n && nanos < 0) ||
      (seconds < 0n && nanos > 0)
    ) {
      throw fail(desc.fullName, `duration ${seconds}s ${nanos}ns is out of range or has mixed signs`);
    }
    return `${negative ? '-' : ''}${seconds < 0n ? -seconds : seconds}${fraction(Math.abs(nanos))}s`;
  },
  'google.protobuf.FieldMask': (_, msg) =>
    ((msg.paths as string[] | undefined) ?? []).map(lowerCamel).join(','),
  'google.protobuf.Struct': (desc, msg, options, depth) => {
    const out: Record<string, JsonValue> = Object.create(null);
    const valueDesc = desc.fields[0].mapEntry!.fields[1].messageType!;
    for (const [k, v] of (msg.fields as Map<string, ProtoMessage> | undefined) ?? []) {
      out[k] = toJson(valueDesc, v, options, depth + 1);
    }
    return out;
  },
  'google.protobuf.ListValue': (desc, msg, options, depth) =>
    ((msg.values as ProtoMessage[] | undefined) ?? []).map((v) =>
      toJson(desc.fields[0].messageType!, v, options, depth + 1),
    ),
  'google.protobuf.Value': (desc, msg, options, depth) => {
    if (msg.nullValue !== undefined) return null;
    if (msg.numberValue !== undefined) {
      const n = msg.numberValue as number;
      if (!Number.isFinite(n)) throw fail(desc.fullName, 'a Value cannot hold NaN or Infinity in JSON');
      return n;
    }
    if (msg.stringValue !== undefined) return msg.stringValue as string;
    if (msg.boolValue !== undefined) return msg.boolValue as boolean;
    for (const f of desc.fields) {
      if ((f.localName === 'structValue' || f.localName === 'listValue') && msg[f.localName] !== undefined) {
        return toJson(f.messageType!, msg[f.localName] as ProtoMessage, options, depth + 1);
      }
    }
    throw fail(desc.fullName, 'a Value with no kind set has no JSON form');
  },
  'google.protobuf.Any': (desc, msg, options, depth) => {
    const url = (msg.typeUrl as string | undefined) ?? '';
    if (url === '') return Object.create(null);
    const inner = options.typeRegistry?.(url.slice(url.lastIndexOf('/') + 1));
    if (!inner) throw fail(desc.fullName, `cannot print Any: type ${url} is not in the schema`);
    const value = decodeMessage(inner, (msg.value as Uint8Array | undefined) ?? new Uint8Array(0));
    const json = toJson(inner, value, options, depth + 1);
    const out: Record<string, JsonValue> = Object.create(null);
    out['@type'] = url;
    if (WKT_TO_JSON[inner.fullName]) out.value = json;
    else Object.assign(out, json);
    return out;
  },
} satisfies Record<string, ToJsonSpecial>);
for (const name of ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes']) {
  WKT_TO_JSON[`google.protobuf.${name}Value`] = wrapper;
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DURATION_RE = /^(-)?(\d+)(\.\d{1,9})?s$/;

const WKT_FROM_JSON: Record<string, FromJsonSpecial> = Object.assign(Object.create(null), {
  'google.protobuf.Timestamp': (desc, json, _o, _d, path) => {
    const m = typeof json === 'string' ? TIMESTAMP_RE.exec(json) : null;
    if (!m)
      throw fail(
        path,
        `expected an RFC 3339 timestamp like "1972-01-01T10:00:20.021Z", got ${JSON.stringify(json)}`,
      );
    const date = new Date(0);
    date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
    let seconds = BigInt(date.getTime() / 1000);
    if (m[8] !== 'Z' && m[8] !== 'z') {
      const sign = m[8][0] === '-' ? -1n : 1n;
      seconds -= sign * (BigInt(m[8].slice(1, 3)) * 3600n + BigInt(m[8].slice(4, 6)) * 60n);
    }
    if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP)
      throw fail(path, `timestamp ${json} is out of range`);
    return createMessage(desc, { seconds, nanos: nanosOf(m[7]) });
  },
  'google.protobuf.Duration': (desc, json, _o, _d, path) => {
    const m = typeof json === 'string' ? DURATION_RE.exec(json) : null;
    if (!m) throw fail(path, `expected a duration like "1.5s", got ${JSON.stringify(json)}`);
    const sign = m[1] ? -1 : 1;
    const seconds = BigInt(m[2]);
    if (seconds > MAX_DURATION) throw fail(path, `duration ${json} is out of range`);
    return createMessage(desc, { seconds: m[1] ? -seconds : seconds, nanos: sign * nanosOf(m[3]) || 0 });
  },
  'google.protobuf.FieldMask': (desc, json, _o, _d, path) => {
    if (typeof json !== 'string') throw fail(path, 'expected a comma-separated string of field paths');
    const paths =
      json === '' ? [] : json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
    return createMessage(desc, { paths });
  },
  'google.protobuf.Struct': (desc, json, options, depth, path) => {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw fail(path, 'expected a JSON object');
    const valueDesc = desc.fields[0].mapEntry!.fields[1].messageType!;
    const fields = new Map<string, ProtoMessage>();
    for (const k of Object.keys(json)) {
      fields.set(
        k,
        fromJson(valueDesc, (json as Record<string, unknown>)[k], options, depth + 1, `${path}.${k}`),
      );
    }
    return createMessage(desc, { fields });
  },
  'google.protobuf.ListValue': (desc, json, options, depth, path) => {
    if (!Array.isArray(json)) throw fail(path, 'expected a JSON array');
    const valueDesc = desc.fields[0].messageType!;
    return createMessage(desc, {
      values: json.map((v, i) => fromJson(valueDesc, v, options, depth + 1, `${path}[${i}]`)),
    });
  },
  'google.protobuf.Value': (desc, json, options, depth, path) => {
    if (depth > (options.maxDepth ?? DEFAULT_MAX_DEPTH)) throw fail(path, 'nesting too deep');
    if (json === null) return createMessage(desc, { nullValue: 0 });
    if (typeof json === 'number') return createMessage(desc, { numberValue: json });
    if (typeof json === 'string') return createMessage(desc, { stringValue: json });
    if (typeof json === 'boolean') return createMessage(desc, { boolValue: json });
    const kind = Array.isArray(json) ? 'listValue' : 'structValue';
    const f = desc.fields.find((x) => x.localName === kind)!;
    return createMessage(desc, { [kind]: fromJson(f.messageType!, json, options, depth + 1, path) });
  },
  'google.protobuf.Any': (desc, json, options, depth, path) => {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw fail(path, 'expected a JSON object');
    const { '@type': url, ...rest } = json as Record<string, unknown>;
    if (url === undefined && Object.keys(rest).length === 0) return createMessage(desc);
    if (typeof url !== 'string') throw fail(path, 'an Any needs a string "@type"');
    const inner = options.typeRegistry?.(url.slice(url.lastIndexOf('/') + 1));
    if (!inner) throw fail(path, `cannot read Any: type ${url} is not in the schema`);
    const body = WKT_FROM_JSON[inner.fullName] ? rest.value : rest;
    const value = encodeMessage(inner, fromJson(inner, body, options, depth + 1, path));
    return createMessage(desc, { typeUrl: url, value });
  },
} satisfies Record<string, FromJsonSpecial>);
for (const name of ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes']) {
  WKT_FROM_JSON[`google.protobuf.${name}Value`] = (desc, json, _o, _d, path) =>
    createMessage(desc, { value: scalarFromJson(desc.fields[0], json, path) });
}
