import { WirestackError } from '../buf/errors.js';
import { base64Decode, base64Encode } from './base64.js';
import { type FieldDescriptor, FieldType, is64Bit, type MessageDescriptor } from './descriptors.js';
import { createMessage, DEFAULT_MAX_DEPTH, defaultValue, type ProtoMessage } from './message-codec.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ToJsonOptions {
  /** Also write fields holding their default value (proto3's "always print primitive fields"). */
  emitDefaults?: boolean;
  /** Write enums as numbers instead of names. */
  enumsAsNumbers?: boolean;
  /** Use the .proto field names instead of lowerCamelCase JSON names. */
  useProtoNames?: boolean;
}

export interface FromJsonOptions {
  /** Skip keys that name no field instead of failing. */
  ignoreUnknownFields?: boolean;
  maxDepth?: number;
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
  const out: Record<string, JsonValue> = Object.create(null);
  for (const f of desc.fields) {
    const v = msg[f.localName];
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
