import { type FieldDescriptor, FieldType, type MessageDescriptor } from './descriptors.js';
import { ProtoEncodeError } from './errors.js';
import { DEFAULT_MAX_DEPTH, type ProtoMessage, UNKNOWN_FIELDS, wireTypeOf } from './message-shape.js';
import { WireType } from './wire-type.js';
import { WireWriter } from './wire-writer.js';

export interface EncodeOptions {
  /** Deeper nesting (or a cycle in the object graph) is a ProtoEncodeError. Default 100. */
  maxDepth?: number;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

const sharedWriter = new WireWriter(1024);
let writerInUse = false;

/**
 * Encodes a message: fields in number order, proto3 defaults left out, repeated scalars packed where
 * the schema says so, preserved unknown fields appended. A value that does not fit its field throws
 * ProtoEncodeError naming the field.
 *
 * @example
 * encodeMessage(schema.messageDescriptor('demo.Ping'), { id: 'x' }); // Uint8Array [0x0a, 0x01, 0x78]
 */
export function encodeMessage(
  desc: MessageDescriptor,
  msg: Record<string, unknown>,
  options?: EncodeOptions,
): Uint8Array {
  const w = writerInUse ? new WireWriter() : sharedWriter;
  writerInUse = w === sharedWriter;
  try {
    encodeInto(desc, msg, w, 0, options?.maxDepth ?? DEFAULT_MAX_DEPTH);
    return w.finish();
  } finally {
    if (w === sharedWriter) {
      writerInUse = false;
      w.reset();
    }
  }
}

type Encoder = (msg: Record<string, unknown>, w: WireWriter, depth: number, maxDepth: number) => void;

/** The encoder specialised to `desc`, compiled on first use. */
function encoderOf(desc: MessageDescriptor): Encoder {
  return (desc.encoder as Encoder | undefined) ?? (desc.encoder = compileEncoder(desc));
}

function encodeInto(
  desc: MessageDescriptor,
  msg: Record<string, unknown>,
  w: WireWriter,
  depth: number,
  maxDepth: number,
): void {
  const encoder = (desc.encoder as Encoder | undefined) ?? (desc.encoder = compileEncoder(desc));
  encoder(msg, w, depth, maxDepth);
}

function checkMessageObject(desc: MessageDescriptor, msg: unknown): void {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    throw new ProtoEncodeError(
      'EPROTOTYPE',
      desc.fullName,
      `expected a message object, got ${describe(msg)}`,
    );
  }
}

function requiredMissing(desc: MessageDescriptor, f: FieldDescriptor): never {
  throw new ProtoEncodeError('EPROTOREQUIRED', path(desc, f), 'required field is not set');
}

function oneofConflict(desc: MessageDescriptor, f: FieldDescriptor): never {
  throw new ProtoEncodeError(
    'EPROTOONEOF',
    path(desc, f),
    `another member of oneof ${f.oneof!.name} is also set`,
  );
}

function tooDeep(desc: MessageDescriptor, f: FieldDescriptor, maxDepth: number): never {
  throw new ProtoEncodeError(
    'EPROTODEPTH',
    path(desc, f),
    `nesting deeper than maxDepth=${maxDepth} (a cycle?)`,
  );
}

/** The interpreter: every field through encodeField. Also the fallback when eval is disabled. */
function encodeGeneric(
  desc: MessageDescriptor,
  msg: Record<string, unknown>,
  w: WireWriter,
  depth: number,
  maxDepth: number,
): void {
  checkMessageObject(desc, msg);
  let oneofSeen = 0;
  for (const f of desc.fields) {
    const v = f.inheritedName && !Object.hasOwn(msg, f.localName) ? undefined : msg[f.localName];
    if (v === undefined || v === null) {
      if (f.required) requiredMissing(desc, f);
      continue;
    }
    if (f.oneof) {
      const bit = 1 << (f.oneof.index & 31);
      if (oneofSeen & bit) oneofConflict(desc, f);
      oneofSeen |= bit;
    }
    encodeField(desc, f, v, w, depth, maxDepth);
  }
  const unknown = (msg as ProtoMessage)[UNKNOWN_FIELDS];
  if (unknown !== undefined) w.raw(unknown);
}

/** Writes one set (non-null) field, validating its value. */
function encodeField(
  desc: MessageDescriptor,
  f: FieldDescriptor,
  v: unknown,
  w: WireWriter,
  depth: number,
  maxDepth: number,
): void {
  if (f.mapEntry) {
    encodeMap(desc, f, v, w, depth, maxDepth);
    return;
  }
  if (f.repeated) {
    if (!Array.isArray(v))
      throw new ProtoEncodeError('EPROTOTYPE', path(desc, f), `expected an array, got ${describe(v)}`);
    if (v.length === 0) return;
    if (f.packed) {
      w.tag(f.number, WireType.LEN);
      w.fork();
      for (const item of v) writeScalar(w, f.type, item, desc, f);
      w.join();
      return;
    }
    const wt = wireTypeOf(f.type);
    for (const item of v) {
      if (item === undefined || item === null) {
        throw new ProtoEncodeError(
          'EPROTOTYPE',
          path(desc, f),
          'repeated fields cannot hold null or undefined',
        );
      }
      w.tag(f.number, wt);
      writeValue(w, f, item, desc, depth, maxDepth);
    }
    return;
  }
  if (!f.explicitPresence) {
    // An enum given by name is the default if its number is: resolve it before deciding.
    if (f.type === FieldType.ENUM ? enumNumber(v, desc, f) === 0 : isDefault(f.type, v)) return;
  }
  w.tag(f.number, wireTypeOf(f.type));
  writeValue(w, f, v, desc, depth, maxDepth);
}

/**
 * For each scalar type: a type check that proves the value is valid (as source text, on `x`), the
 * writer method, and the default-value test. Values failing the check go to encodeField, which converts
 * what it can (enum names, safe-integer numbers for 64-bit fields) and reports the rest.
 */
function scalarWriteSource(t: FieldType): { check: string; write: string; isDefault: string } | undefined {
  const int32 = { check: "typeof x === 'number' && (x | 0) === x", isDefault: 'x === 0' };
  const uint32 = { check: "typeof x === 'number' && x >>> 0 === x", isDefault: 'x === 0' };
  const signed64 = {
    // asIntN(64) is a cheap range test (V8 lowers it to machine arithmetic); two comparisons are not.
    check: "typeof x === 'bigint' && BigInt.asIntN(64, x) === x",
    isDefault: 'x === 0n',
  };
  const unsigned64 = { check: "typeof x === 'bigint' && BigInt.asUintN(64, x) === x", isDefault: 'x === 0n' };
  const float = { check: "typeof x === 'number'", isDefault: 'x === 0 && 1 / x > 0' };
  switch (t) {
    case FieldType.INT32:
    case FieldType.ENUM:
      return { ...int32, write: 'int32' };
    case FieldType.SINT32:
      return { ...int32, write: 'sint32' };
    case FieldType.SFIXED32:
      return { ...int32, write: 'sfixed32' };
    case FieldType.UINT32:
      return { ...uint32, write: 'uint32' };
    case FieldType.FIXED32:
      return { ...uint32, write: 'fixed32' };
    case FieldType.INT64:
      return { ...signed64, write: 'int64' };
    case FieldType.SINT64:
      return { ...signed64, write: 'sint64' };
    case FieldType.SFIXED64:
      return { ...signed64, write: 'sfixed64' };
    case FieldType.UINT64:
      return { ...unsigned64, write: 'uint64' };
    case FieldType.FIXED64:
      return { ...unsigned64, write: 'fixed64' };
    case FieldType.DOUBLE:
      return { ...float, write: 'double' };
    case FieldType.FLOAT:
      return { ...float, write: 'float' };
    case FieldType.BOOL:
      return { check: "typeof x === 'boolean'", write: 'bool', isDefault: 'x === false' };
    case FieldType.STRING:
      return { check: "typeof x === 'string'", write: 'string', isDefault: "x === ''" };
    case FieldType.BYTES:
      return { check: 'x instanceof Uint8Array', write: 'bytes', isDefault: 'x.length === 0' };
    default:
      return undefined;
  }
}

/**
 * Builds an encoder specialised to one message type, the mirror of compileDecoder: fields in number
 * order with their property names, tags and writer calls written out. Maps, groups and values that fail
 * the inline type check go through encodeField. Where eval is disabled, encodeGeneric does everything.
 */
function compileEncoder(desc: MessageDescriptor): Encoder {
  const F = desc.fields;
  const T: MessageDescriptor[] = [];
  const parts: string[] = ['checkMessageObject(desc, msg);', 'let oneofSeen = 0;', 'let x;'];
  F.forEach((f, i) => {
    const generic = `encodeField(desc, F[${i}], x, w, depth, maxDepth);`;
    let body = generic;
    const scalar = scalarWriteSource(f.type);
    const tag = ((f.number << 3) | wireTypeOf(f.type)) >>> 0;
    if (!f.mapEntry && f.type === FieldType.MESSAGE) {
      T.push(f.messageType!);
      const sub = `T[${T.length - 1}]`;
      // One closure variable per nested type keeps each call site monomorphic (see compileDecoder).
      const e = `e${T.length - 1}`;
      const one = `w.uint32(${tag}); w.fork(); (${e} === undefined ? (${e} = encoderOf(${sub})) : ${e})(y, w, depth + 1, maxDepth); w.join();`;
      const guard = `if (depth + 1 > maxDepth) tooDeep(desc, F[${i}], maxDepth);`;
      body = f.repeated
        ? `if (Array.isArray(x)) { if (x.length !== 0) { ${guard} for (let i = 0; i < x.length; i++) { const y = x[i]; ` +
          `if (y === undefined || y === null) { ${generic} } ${one} } } } else { ${generic} }`
        : `${guard} { const y = x; ${one} }`;
    } else if (!f.mapEntry && scalar) {
      const write = `w.${scalar.write}(x)`;
      if (!f.repeated) {
        const skip = f.explicitPresence ? '' : `if (${scalar.isDefault}) {} else `;
        body = `if (${scalar.check}) { ${skip}{ w.uint32(${tag}); ${write}; } } else { ${generic} }`;
      } else {
        // Values failing the inline check go to writeScalar, which converts or throws.
        const slow = `writeScalar(w, ${f.type}, x, desc, F[${i}]);`;
        const each = (ok: string, otherwise: string) =>
          `for (let i = 0; i < xs.length; i++) { const x = xs[i]; if (${scalar.check}) { ${ok} } else { ${otherwise} } }`;
        const loop = f.packed
          ? `w.uint32(${((f.number << 3) | WireType.LEN) >>> 0}); w.fork(); ${each(`${write};`, slow)} w.join();`
          : each(`w.uint32(${tag}); ${write};`, `w.uint32(${tag}); ${slow}`);
        body = `if (Array.isArray(x)) { const xs = x; if (xs.length !== 0) { ${loop} } } else { ${generic} }`;
      }
    }
    const oneof = f.oneof
      ? `if (oneofSeen & ${1 << (f.oneof.index & 31)}) oneofConflict(desc, F[${i}]); oneofSeen |= ${1 << (f.oneof.index & 31)};`
      : '';
    const missing = f.required ? ` else requiredMissing(desc, F[${i}]);` : '';
    const k = JSON.stringify(f.localName);
    parts.push(f.inheritedName ? `x = Object.hasOwn(msg, ${k}) ? msg[${k}] : undefined;` : `x = msg[${k}];`);
    parts.push(`if (x !== undefined && x !== null) { ${oneof} ${body} }${missing}`);
  });
  parts.push('const unknown = msg[UNKNOWN]; if (unknown !== undefined) w.raw(unknown);');
  try {
    return new Function(
      'desc',
      'F',
      'T',
      'UNKNOWN',
      'INT64_MIN',
      'INT64_MAX',
      'UINT64_MAX',
      'checkMessageObject',
      'encodeField',
      'encoderOf',
      'writeScalar',
      'requiredMissing',
      'oneofConflict',
      'tooDeep',
      `${T.length ? `let ${T.map((_, i) => `e${i}`).join(', ')};` : ''}\n` +
        `return function encode(msg, w, depth, maxDepth) {\n  ${parts.join('\n  ')}\n};`,
    )(
      desc,
      F,
      T,
      UNKNOWN_FIELDS,
      INT64_MIN,
      INT64_MAX,
      UINT64_MAX,
      checkMessageObject,
      encodeField,
      encoderOf,
      writeScalar,
      requiredMissing,
      oneofConflict,
      tooDeep,
    ) as Encoder;
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    return (msg, w, depth, maxDepth) => encodeGeneric(desc, msg, w, depth, maxDepth);
  }
}

/** proto3 leaves implicit-presence fields out when they hold the default; -0.0 is not the default. */
function isDefault(t: FieldType, v: unknown): boolean {
  switch (typeof v) {
    case 'number':
      return v === 0 && (1 / v > 0 || (t !== FieldType.DOUBLE && t !== FieldType.FLOAT));
    case 'bigint':
      return v === 0n;
    case 'string':
      return v === '';
    case 'boolean':
      return v === false;
    default:
      return v instanceof Uint8Array && v.length === 0;
  }
}

function encodeMap(
  desc: MessageDescriptor,
  f: FieldDescriptor,
  v: unknown,
  w: WireWriter,
  depth: number,
  maxDepth: number,
): void {
  const entry = f.mapEntry!;
  const keyField = entry.fields[0];
  const valueField = entry.fields[1];
  const entries: Iterable<[unknown, unknown]> =
    v instanceof Map
      ? v
      : typeof v === 'object'
        ? Object.entries(v as object).map(([k, x]) => [mapKeyFromString(keyField.type, k, desc, f), x])
        : [];
  if (!(v instanceof Map) && typeof v !== 'object') {
    throw new ProtoEncodeError('EPROTOTYPE', path(desc, f), `expected a Map, got ${describe(v)}`);
  }
  for (const [key, value] of entries) {
    w.tag(f.number, WireType.LEN);
    w.fork();
    w.tag(1, wireTypeOf(keyField.type));
    writeScalar(w, keyField.type, key, desc, f);
    if (value === undefined || value === null) {
      throw new ProtoEncodeError('EPROTOTYPE', path(desc, f), `map value for key ${String(key)} is ${value}`);
    }
    w.tag(2, wireTypeOf(valueField.type));
    writeValue(w, valueField, value, desc, depth, maxDepth);
    w.join();
  }
}

/** Maps may also be given as plain objects; their keys are strings and are converted here. */
function mapKeyFromString(t: FieldType, k: string, desc: MessageDescriptor, f: FieldDescriptor): unknown {
  if (t === FieldType.STRING) return k;
  if (t === FieldType.BOOL) {
    if (k === 'true' || k === 'false') return k === 'true';
  } else if (/^-?\d+$/.test(k)) {
    return wireTypeOf(t) === WireType.I64 ||
      t === FieldType.INT64 ||
      t === FieldType.UINT64 ||
      t === FieldType.SINT64
      ? BigInt(k)
      : Number(k);
  }
  throw new ProtoEncodeError(
    'EPROTOTYPE',
    path(desc, f),
    `map key ${JSON.stringify(k)} does not fit the key type`,
  );
}

function writeValue(
  w: WireWriter,
  f: FieldDescriptor,
  v: unknown,
  desc: MessageDescriptor,
  depth: number,
  maxDepth: number,
): void {
  if (f.type === FieldType.MESSAGE || f.type === FieldType.GROUP) {
    if (depth + 1 > maxDepth) {
      throw new ProtoEncodeError(
        'EPROTODEPTH',
        path(desc, f),
        `nesting deeper than maxDepth=${maxDepth} (a cycle?)`,
      );
    }
    if (f.type === FieldType.MESSAGE) {
      w.fork();
      encodeInto(f.messageType!, v as Record<string, unknown>, w, depth + 1, maxDepth);
      w.join();
    } else {
      encodeInto(f.messageType!, v as Record<string, unknown>, w, depth + 1, maxDepth);
      w.tag(f.number, WireType.EGROUP);
    }
    return;
  }
  writeScalar(w, f.type, v, desc, f);
}

function writeScalar(
  w: WireWriter,
  t: FieldType,
  v: unknown,
  desc: MessageDescriptor,
  f: FieldDescriptor,
): void {
  switch (t) {
    case FieldType.DOUBLE:
      w.double(num(v, desc, f));
      return;
    case FieldType.FLOAT:
      w.float(num(v, desc, f));
      return;
    case FieldType.INT32:
      w.int32(int(v, INT32_MIN, INT32_MAX, desc, f));
      return;
    case FieldType.SINT32:
      w.sint32(int(v, INT32_MIN, INT32_MAX, desc, f));
      return;
    case FieldType.SFIXED32:
      w.sfixed32(int(v, INT32_MIN, INT32_MAX, desc, f));
      return;
    case FieldType.UINT32:
      w.uint32(int(v, 0, UINT32_MAX, desc, f));
      return;
    case FieldType.FIXED32:
      w.fixed32(int(v, 0, UINT32_MAX, desc, f));
      return;
    case FieldType.ENUM:
      w.int32(enumNumber(v, desc, f));
      return;
    case FieldType.INT64:
      w.int64(big(v, INT64_MIN, INT64_MAX, desc, f));
      return;
    case FieldType.SINT64:
      w.sint64(big(v, INT64_MIN, INT64_MAX, desc, f));
      return;
    case FieldType.SFIXED64:
      w.sfixed64(big(v, INT64_MIN, INT64_MAX, desc, f));
      return;
    case FieldType.UINT64:
      w.uint64(big(v, 0n, UINT64_MAX, desc, f));
      return;
    case FieldType.FIXED64:
      w.fixed64(big(v, 0n, UINT64_MAX, desc, f));
      return;
    case FieldType.BOOL:
      if (typeof v !== 'boolean') throw mismatch('a boolean', v, desc, f);
      w.bool(v);
      return;
    case FieldType.STRING:
      if (typeof v !== 'string') throw mismatch('a string', v, desc, f);
      w.string(v);
      return;
    case FieldType.BYTES:
      if (!(v instanceof Uint8Array)) throw mismatch('a Uint8Array', v, desc, f);
      w.bytes(v);
      return;
    default:
      throw mismatch('a scalar', v, desc, f);
  }
}

function num(v: unknown, desc: MessageDescriptor, f: FieldDescriptor): number {
  if (typeof v !== 'number') throw mismatch('a number', v, desc, f);
  return v;
}

function int(v: unknown, min: number, max: number, desc: MessageDescriptor, f: FieldDescriptor): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw mismatch(`an integer from ${min} to ${max}`, v, desc, f);
  }
  return v;
}

function big(v: unknown, min: bigint, max: bigint, desc: MessageDescriptor, f: FieldDescriptor): bigint {
  if (typeof v === 'bigint') {
    if (v < min || v > max) throw mismatch(`a bigint from ${min} to ${max}`, v, desc, f);
    return v;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return BigInt(v);
  throw mismatch(`a bigint from ${min} to ${max} (or a safe integer)`, v, desc, f);
}

function enumNumber(v: unknown, desc: MessageDescriptor, f: FieldDescriptor): number {
  if (typeof v === 'string') {
    const value = f.enumType?.byName.get(v);
    if (!value) throw mismatch(`a value of enum ${f.enumType?.fullName}`, v, desc, f);
    return value.number;
  }
  return int(v, INT32_MIN, INT32_MAX, desc, f);
}

function path(desc: MessageDescriptor, f: FieldDescriptor): string {
  return `${desc.fullName}.${f.name}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'bigint') return `bigint ${v}`;
  if (typeof v === 'number') return `number ${v}`;
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function mismatch(
  expected: string,
  v: unknown,
  desc: MessageDescriptor,
  f: FieldDescriptor,
): ProtoEncodeError {
  return new ProtoEncodeError('EPROTOTYPE', path(desc, f), `expected ${expected}, got ${describe(v)}`);
}
