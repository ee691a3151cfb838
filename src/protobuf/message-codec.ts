import { DecodeError, LimitExceeded } from '../buf/errors.js';
import { type FieldDescriptor, FieldType, isPackable, type MessageDescriptor } from './descriptors.js';
import { ProtoEncodeError } from './errors.js';
import { WireReader } from './wire-reader.js';
import { WireType } from './wire-type.js';
import { WireWriter } from './wire-writer.js';

/**
 * Key under which a decoded message keeps the fields its schema does not know, as the encoded bytes
 * (tags included). `encode` appends them unchanged, so a message passes through a proxy built on an
 * older schema without losing data.
 */
export const UNKNOWN_FIELDS: unique symbol = Symbol('wirestack.protobuf.unknownFields');

/**
 * A message as a plain object with a null prototype (a `__proto__` field is just a field), keyed by the
 * lowerCamelCase field name. 64-bit integers are bigint, bytes are Uint8Array, enums are numbers, maps
 * are Map, repeated fields are arrays. Unset message / optional / oneof fields are absent.
 */
export interface ProtoMessage {
  [field: string]: unknown;
  [UNKNOWN_FIELDS]?: Uint8Array;
}

/** Limits for decoding bytes that came from a peer. */
export interface DecodeOptions {
  /** Messages and groups nested deeper than this are rejected (protobuf's recursion limit). Default 100. */
  maxDepth?: number;
  /** Inputs longer than this are rejected before decoding starts. Default 64 MiB. */
  maxMessageBytes?: number;
}

export interface EncodeOptions {
  /** Deeper nesting (or a cycle in the object graph) is a ProtoEncodeError. Default 100. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 100;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const EMPTY = new Uint8Array(0);

/** The wire type a (non-packed) value of this field type is written with. */
export function wireTypeOf(t: FieldType): WireType {
  switch (t) {
    case FieldType.DOUBLE:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      return WireType.I64;
    case FieldType.FLOAT:
    case FieldType.FIXED32:
    case FieldType.SFIXED32:
      return WireType.I32;
    case FieldType.STRING:
    case FieldType.BYTES:
    case FieldType.MESSAGE:
      return WireType.LEN;
    case FieldType.GROUP:
      return WireType.SGROUP;
    default:
      return WireType.VARINT;
  }
}

/** The value an unset implicit-presence field reads as. */
export function defaultValue(f: FieldDescriptor): unknown {
  switch (f.type) {
    case FieldType.STRING:
      return '';
    case FieldType.BYTES:
      return EMPTY;
    case FieldType.BOOL:
      return false;
    case FieldType.INT64:
    case FieldType.UINT64:
    case FieldType.SINT64:
    case FieldType.FIXED64:
    case FieldType.SFIXED64:
      return 0n;
    case FieldType.MESSAGE:
    case FieldType.GROUP:
      return undefined;
    default:
      return 0;
  }
}

/**
 * A new message of type `desc`: repeated fields empty, maps empty, implicit-presence scalars at their
 * defaults, everything with explicit presence absent. `init` fields are copied over.
 *
 * @example
 * createMessage(schema.messageDescriptor('demo.Ping'), { id: 'x' }); // { id: 'x', seq: 0n, tags: [] }
 */
export function createMessage(desc: MessageDescriptor, init?: Record<string, unknown>): ProtoMessage {
  const msg = (desc.newMessage ??= messageFactory(desc))() as ProtoMessage;
  if (init) for (const k of Object.keys(init)) msg[k] = init[k];
  return msg;
}

// The prototype of every message: empty, frozen, and itself without a prototype, so no key (not even
// `__proto__`) reaches Object.prototype. A shared prototype keeps messages in V8's fast object mode,
// which Object.create(null) objects are not.
const MESSAGE_PROTOTYPE: object = Object.freeze(Object.create(null));

/**
 * Builds a constructor that assigns every default in declaration order, so all messages of a type share
 * one hidden class. The source is generated from field names passed through JSON.stringify (never
 * spliced raw), and values come from a fixed set of literals.
 */
function messageFactory(desc: MessageDescriptor): () => Record<string, unknown> {
  const body: string[] = [];
  for (const f of desc.fields) {
    const key = JSON.stringify(f.localName);
    if (f.mapEntry) body.push(`this[${key}] = new Map();`);
    else if (f.repeated) body.push(`this[${key}] = [];`);
    else if (!f.explicitPresence) {
      const v = defaultValue(f);
      const literal =
        typeof v === 'bigint'
          ? '0n'
          : typeof v === 'string'
            ? "''"
            : v instanceof Uint8Array
              ? 'EMPTY'
              : String(v);
      body.push(`this[${key}] = ${literal};`);
    }
  }
  let Ctor: new () => Record<string, unknown>;
  try {
    Ctor = new Function('EMPTY', `return function Message() { ${body.join(' ')} };`)(EMPTY);
  } catch (e) {
    // Eval disabled (--disallow-code-generation-from-strings): slower, same result.
    if (!(e instanceof EvalError)) throw e;
    return () => {
      const msg: Record<string, unknown> = Object.create(MESSAGE_PROTOTYPE);
      for (const f of desc.fields) {
        if (f.mapEntry) msg[f.localName] = new Map();
        else if (f.repeated) msg[f.localName] = [];
        else if (!f.explicitPresence) msg[f.localName] = defaultValue(f);
      }
      return msg;
    };
  }
  Ctor.prototype = MESSAGE_PROTOTYPE;
  return () => new Ctor();
}

// --- decoding ------------------------------------------------------------------------------------

const sharedReader = new WireReader(EMPTY);
let readerInUse = false;

/**
 * Decodes one message. Malformed input throws DecodeError (with the byte offset) or LimitExceeded,
 * never anything else. Bytes fields are views into `bytes`: copy them if the input buffer is reused.
 *
 * @example
 * const msg = decodeMessage(schema.messageDescriptor('demo.Ping'), Uint8Array.of(0x0a, 0x01, 0x78)); // { id: 'x' }
 */
export function decodeMessage(
  desc: MessageDescriptor,
  bytes: Uint8Array,
  options?: DecodeOptions,
): ProtoMessage {
  const maxBytes = options?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (bytes.length > maxBytes) {
    throw new LimitExceeded('EPROTOSIZE', 'maxMessageBytes', maxBytes, bytes.length, 'message size', 0);
  }
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  // One reader serves every call; a nested call (from a getter, say) gets its own.
  const r = readerInUse ? new WireReader(bytes) : sharedReader.reset(bytes);
  readerInUse = r === sharedReader;
  try {
    return decodeInto(desc, r, bytes.length, 0, 0, maxDepth, undefined);
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    // Anything else (a RangeError from a pathological input) is still a decode failure, typed as such.
    throw new DecodeError('EPROTOMALFORMED', `malformed message: ${(e as Error).message}`, r.pos, {
      cause: e,
    });
  } finally {
    if (r === sharedReader) {
      readerInUse = false;
      sharedReader.reset(EMPTY);
    }
  }
}

type Decoder = (
  r: WireReader,
  end: number,
  depth: number,
  groupNo: number,
  maxDepth: number,
  into: ProtoMessage | undefined,
) => ProtoMessage;

/** Decodes one message of type `desc` from `r` up to `end` (or, for a group, up to its END_GROUP). */
function decodeInto(
  desc: MessageDescriptor,
  r: WireReader,
  end: number,
  depth: number,
  groupNo: number,
  maxDepth: number,
  into: ProtoMessage | undefined,
): ProtoMessage {
  const decoder = (desc.decoder as Decoder | undefined) ?? (desc.decoder = compileDecoder(desc));
  return decoder(r, end, depth, groupNo, maxDepth, into);
}

/** The interpreter: handles every field through readField. Also the fallback when eval is disabled. */
function decodeGeneric(
  desc: MessageDescriptor,
  r: WireReader,
  end: number,
  depth: number,
  groupNo: number,
  maxDepth: number,
  into: ProtoMessage | undefined,
): ProtoMessage {
  const msg = into ?? createMessage(desc);
  const outerLimit = r.limit;
  r.limit = end;
  let unknown: number[] | undefined;
  let closed = false;
  while (r.pos < end) {
    const tagStart = r.pos;
    const tag = r.tag();
    if ((tag & 7) === WireType.EGROUP) {
      closeGroup(tag, groupNo, tagStart);
      closed = true;
      break;
    }
    unknown = readOther(desc, r, tag, tagStart, msg, depth, maxDepth, unknown);
  }
  return finishMessage(desc, r, msg, unknown, groupNo, closed, outerLimit);
}

function closeGroup(tag: number, groupNo: number, at: number): void {
  if (tag >>> 3 !== groupNo) {
    throw new DecodeError('EPROTOGROUP', `END_GROUP ${tag >>> 3} without a matching START_GROUP`, at);
  }
}

/** Any field the fast path did not take: known fields through readField, the rest kept as unknown. */
function readOther(
  desc: MessageDescriptor,
  r: WireReader,
  tag: number,
  tagStart: number,
  msg: ProtoMessage,
  depth: number,
  maxDepth: number,
  unknown: number[] | undefined,
): number[] | undefined {
  const f = desc.field(tag >>> 3);
  if (f !== undefined && readField(r, f, tag & 7, msg, depth, maxDepth)) return unknown;
  r.pos = tagStart;
  r.tag();
  r.skip(tag, depth, maxDepth);
  const list = unknown ?? [];
  list.push(tagStart, r.pos);
  return list;
}

/** After the last field: group and limit bookkeeping, unknown fields, proto2 required fields. */
function finishMessage(
  desc: MessageDescriptor,
  r: WireReader,
  msg: ProtoMessage,
  unknown: number[] | undefined,
  groupNo: number,
  closed: boolean,
  outerLimit: number,
): ProtoMessage {
  if (groupNo !== 0 && !closed) throw r.truncated(`group ${groupNo}`);
  r.limit = outerLimit;
  if (unknown) {
    let size = 0;
    for (let i = 0; i < unknown.length; i += 2) size += unknown[i + 1] - unknown[i];
    const prior = msg[UNKNOWN_FIELDS];
    const out = new Uint8Array((prior?.length ?? 0) + size);
    let p = 0;
    if (prior) {
      out.set(prior);
      p = prior.length;
    }
    for (let i = 0; i < unknown.length; i += 2) {
      out.set(r.buf.subarray(unknown[i], unknown[i + 1]), p);
      p += unknown[i + 1] - unknown[i];
    }
    msg[UNKNOWN_FIELDS] = out;
  }
  if (desc.requiredCount > 0) {
    for (const f of desc.fields) {
      if (f.required && msg[f.localName] === undefined) {
        throw new DecodeError(
          'EPROTOREQUIRED',
          `required field ${desc.fullName}.${f.name} is missing`,
          r.pos,
        );
      }
    }
  }
  return msg;
}

/** The reader call for one value of a scalar type, as source text. */
function scalarReadSource(f: FieldDescriptor): string {
  switch (f.type) {
    case FieldType.DOUBLE:
      return 'r.double()';
    case FieldType.FLOAT:
      return 'r.float()';
    case FieldType.INT64:
      return 'r.int64()';
    case FieldType.UINT64:
      return 'r.uint64()';
    case FieldType.INT32:
    case FieldType.ENUM:
      return 'r.int32()';
    case FieldType.FIXED64:
      return 'r.fixed64()';
    case FieldType.FIXED32:
      return 'r.fixed32()';
    case FieldType.BOOL:
      return 'r.bool()';
    case FieldType.STRING:
      return `r.string(${f.validateUtf8})`;
    case FieldType.BYTES:
      return 'r.bytes()';
    case FieldType.UINT32:
      return 'r.uint32()';
    case FieldType.SFIXED32:
      return 'r.sfixed32()';
    case FieldType.SFIXED64:
      return 'r.sfixed64()';
    case FieldType.SINT32:
      return 'r.sint32()';
    default:
      return 'r.sint64()';
  }
}

/**
 * Builds a decoder specialised to one message type: a switch on the full tag with the reader call and
 * the property name written out for each plain field, which V8 compiles to monomorphic code (about
 * twice the interpreter's speed). Maps, oneofs, groups and closed enums, and every tag not in the
 * switch, go through the interpreter's readOther. Property names enter the source only through
 * JSON.stringify and tags only as integers. Where eval is disabled
 * (--disallow-code-generation-from-strings) the interpreter does everything.
 */
function compileDecoder(desc: MessageDescriptor): Decoder {
  const types: MessageDescriptor[] = [];
  const cases: string[] = [];
  for (const f of desc.fields) {
    const t = f.type;
    if (f.mapEntry || f.oneof || t === FieldType.GROUP || (t === FieldType.ENUM && f.enumType!.closed))
      continue;
    const key = `msg[${JSON.stringify(f.localName)}]`;
    const tag = ((f.number << 3) | wireTypeOf(t)) >>> 0;
    if (t === FieldType.MESSAGE) {
      types.push(f.messageType!);
      const sub = `T[${types.length - 1}]`;
      const into = f.repeated ? 'undefined' : key;
      const store = f.repeated ? `${key}.push(v)` : `${key} = v`;
      cases.push(
        `case ${tag}: { nested(r, depth, maxDepth); const len = r.length(); ` +
          `const v = decodeInto(${sub}, r, r.pos + len, depth + 1, 0, maxDepth, ${into}); ${store}; continue; }`,
      );
      continue;
    }
    const read = scalarReadSource(f);
    if (!f.repeated) {
      cases.push(`case ${tag}: ${key} = ${read}; continue;`);
      continue;
    }
    cases.push(`case ${tag}: ${key}.push(${read}); continue;`);
    if (isPackable(t)) {
      const packedTag = ((f.number << 3) | WireType.LEN) >>> 0;
      cases.push(
        `case ${packedTag}: { const len = r.length(); const e = r.pos + len; const outer = r.limit; ` +
          `r.limit = e; const list = ${key}; while (r.pos < e) list.push(${read}); r.limit = outer; continue; }`,
      );
    }
  }
  const source = `return function decode(r, end, depth, groupNo, maxDepth, into) {
    const msg = into === undefined ? newMessage() : into;
    const outerLimit = r.limit;
    r.limit = end;
    let unknown;
    let closed = false;
    while (r.pos < end) {
      const tagStart = r.pos;
      const tag = r.tag();
      switch (tag) {
        ${cases.join('\n        ')}
      }
      if ((tag & 7) === 4) {
        closeGroup(tag, groupNo, tagStart);
        closed = true;
        break;
      }
      unknown = readOther(desc, r, tag, tagStart, msg, depth, maxDepth, unknown);
    }
    return finishMessage(desc, r, msg, unknown, groupNo, closed, outerLimit);
  };`;
  desc.newMessage ??= messageFactory(desc);
  try {
    return new Function(
      'desc',
      'T',
      'newMessage',
      'decodeInto',
      'nested',
      'closeGroup',
      'readOther',
      'finishMessage',
      source,
    )(desc, types, desc.newMessage, decodeInto, nested, closeGroup, readOther, finishMessage) as Decoder;
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    return (r, end, depth, groupNo, maxDepth, into) =>
      decodeGeneric(desc, r, end, depth, groupNo, maxDepth, into);
  }
}

/**
 * Numbers of a closed (proto2) enum that the enum does not define, found in a packed run: protobuf
 * keeps them as unknown varint fields rather than dropping them, so re-encoding preserves them.
 */
function keepClosedEnumStrays(msg: ProtoMessage, fieldNo: number, values: number[]): void {
  const w = new WireWriter(16);
  const prior = msg[UNKNOWN_FIELDS];
  if (prior) w.raw(prior);
  for (const v of values) {
    w.tag(fieldNo, WireType.VARINT);
    w.int32(v);
  }
  msg[UNKNOWN_FIELDS] = w.finish();
}

function nested(r: WireReader, depth: number, maxDepth: number): void {
  if (depth + 1 > maxDepth) {
    throw new LimitExceeded('EPROTODEPTH', 'maxDepth', maxDepth, depth + 1, 'message nesting', r.pos);
  }
}

/** Reads one occurrence of a known field. Returns false (nothing consumed) to treat it as unknown. */
function readField(
  r: WireReader,
  f: FieldDescriptor,
  wt: number,
  msg: ProtoMessage,
  depth: number,
  maxDepth: number,
): boolean {
  const t = f.type;
  if (f.mapEntry) {
    if (wt !== WireType.LEN) return false;
    readMapEntry(r, f, msg[f.localName] as Map<unknown, unknown>, depth, maxDepth);
    return true;
  }
  const expected = wireTypeOf(t);
  if (f.repeated) {
    const list = msg[f.localName] as unknown[];
    if (wt === WireType.LEN && isPackable(t)) {
      // Packed run; accepted whether or not the schema says packed, as the spec requires.
      const len = r.length();
      const end = r.pos + len;
      const outer = r.limit;
      r.limit = end;
      let strays: number[] | undefined;
      while (r.pos < end) {
        const v = readScalar(r, t, f);
        if (t === FieldType.ENUM && f.enumType!.closed && !f.enumType!.byNumber.has(v as number)) {
          (strays ??= []).push(v as number);
        } else list.push(v);
      }
      r.limit = outer;
      if (strays) keepClosedEnumStrays(msg, f.number, strays);
      return true;
    }
    if (wt !== expected) return false;
    const start = r.pos;
    const v = readValue(r, f, undefined, depth, maxDepth);
    if (t === FieldType.ENUM && f.enumType!.closed && !f.enumType!.byNumber.has(v as number)) {
      r.pos = start;
      return false;
    }
    list.push(v);
    return true;
  }
  if (wt !== expected) return false;
  const start = r.pos;
  if (f.oneof) {
    for (const other of f.oneof.fields)
      if (other !== f && msg[other.localName] !== undefined) delete msg[other.localName];
  }
  const prior =
    t === FieldType.MESSAGE || t === FieldType.GROUP ? (msg[f.localName] as ProtoMessage) : undefined;
  const v = readValue(r, f, prior, depth, maxDepth);
  if (t === FieldType.ENUM && f.enumType!.closed && !f.enumType!.byNumber.has(v as number)) {
    r.pos = start;
    return false;
  }
  msg[f.localName] = v;
  return true;
}

function readValue(
  r: WireReader,
  f: FieldDescriptor,
  into: ProtoMessage | undefined,
  depth: number,
  maxDepth: number,
): unknown {
  if (f.type === FieldType.MESSAGE) {
    nested(r, depth, maxDepth);
    const len = r.length();
    return decodeInto(f.messageType!, r, r.pos + len, depth + 1, 0, maxDepth, into);
  }
  if (f.type === FieldType.GROUP) {
    nested(r, depth, maxDepth);
    return decodeInto(f.messageType!, r, r.limit, depth + 1, f.number, maxDepth, into);
  }
  return readScalar(r, f.type, f);
}

function readScalar(r: WireReader, t: FieldType, f: FieldDescriptor): unknown {
  switch (t) {
    case FieldType.DOUBLE:
      return r.double();
    case FieldType.FLOAT:
      return r.float();
    case FieldType.INT64:
      return r.int64();
    case FieldType.UINT64:
      return r.uint64();
    case FieldType.INT32:
    case FieldType.ENUM:
      return r.int32();
    case FieldType.FIXED64:
      return r.fixed64();
    case FieldType.FIXED32:
      return r.fixed32();
    case FieldType.BOOL:
      return r.bool();
    case FieldType.STRING:
      return r.string(f.validateUtf8);
    case FieldType.BYTES:
      return r.bytes();
    case FieldType.UINT32:
      return r.uint32();
    case FieldType.SFIXED32:
      return r.sfixed32();
    case FieldType.SFIXED64:
      return r.sfixed64();
    case FieldType.SINT32:
      return r.sint32();
    case FieldType.SINT64:
      return r.sint64();
    default:
      throw new DecodeError('EPROTOSCHEMA', `field ${f.name} has no scalar type`, r.pos);
  }
}

function readMapEntry(
  r: WireReader,
  f: FieldDescriptor,
  map: Map<unknown, unknown>,
  depth: number,
  maxDepth: number,
): void {
  const entry = f.mapEntry!;
  const keyField = entry.fields[0];
  const valueField = entry.fields[1];
  nested(r, depth, maxDepth);
  const len = r.length();
  const end = r.pos + len;
  const outer = r.limit;
  r.limit = end;
  let key: unknown;
  let value: unknown;
  while (r.pos < end) {
    const tag = r.tag();
    const wt = tag & 7;
    const no = tag >>> 3;
    if (no === 1 && wt === wireTypeOf(keyField.type)) key = readScalar(r, keyField.type, keyField);
    else if (no === 2 && wt === wireTypeOf(valueField.type)) {
      value = readValue(r, valueField, value as ProtoMessage | undefined, depth + 1, maxDepth);
    } else if (wt === WireType.EGROUP) {
      throw new DecodeError('EPROTOGROUP', 'END_GROUP inside a map entry', r.pos);
    } else r.skip(tag, depth + 1, maxDepth);
  }
  r.limit = outer;
  if (key === undefined) key = defaultValue(keyField);
  if (value === undefined) {
    value =
      valueField.type === FieldType.MESSAGE
        ? createMessage(valueField.messageType!)
        : defaultValue(valueField);
  }
  map.set(key, value);
}

// --- encoding ------------------------------------------------------------------------------------

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
    const v = msg[f.localName];
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
    check: "typeof x === 'bigint' && x >= INT64_MIN && x <= INT64_MAX",
    isDefault: 'x === 0n',
  };
  const unsigned64 = { check: "typeof x === 'bigint' && x >= 0n && x <= UINT64_MAX", isDefault: 'x === 0n' };
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
      const one = `w.uint32(${tag}); w.fork(); encodeInto(${sub}, y, w, depth + 1, maxDepth); w.join();`;
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
    parts.push(`x = msg[${JSON.stringify(f.localName)}];`);
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
      'encodeInto',
      'writeScalar',
      'requiredMissing',
      'oneofConflict',
      'tooDeep',
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
      encodeInto,
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
