import { DecodeError, LimitExceeded } from '../buf/errors.js';
import { type FieldDescriptor, FieldType, isPackable, type MessageDescriptor } from './descriptors.js';
import {
  createMessage,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MESSAGE_BYTES,
  defaultValue,
  EMPTY_BYTES,
  messageFactory,
  type ProtoMessage,
  UNKNOWN_FIELDS,
  wireTypeOf,
} from './message-shape.js';
import { WireReader } from './wire-reader.js';
import { WireType } from './wire-type.js';
import { WireWriter } from './wire-writer.js';

/** Limits for decoding bytes that came from a peer. */
export interface DecodeOptions {
  /** Messages and groups nested deeper than this are rejected (protobuf's recursion limit). Default 100. */
  maxDepth?: number;
  /** Inputs longer than this are rejected before decoding starts. Default 64 MiB. */
  maxMessageBytes?: number;
  /**
   * Copy bytes fields out of the input instead of returning views of it. Views are free but keep the
   * whole input alive and change if the caller reuses its buffer (a transport's receive buffer, say).
   */
  copyBytes?: boolean;
}

const sharedReader = new WireReader(EMPTY_BYTES);
let readerInUse = false;

/**
 * Decodes one message. Malformed input throws DecodeError (with the byte offset) or LimitExceeded,
 * never anything else. Bytes fields are views into `bytes` unless `copyBytes` is set.
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
  // One reader serves every call. Decoding runs no user code, so calls cannot nest today; the flag
  // keeps that safe should it change.
  const r = readerInUse ? new WireReader(bytes) : sharedReader.reset(bytes);
  readerInUse = r === sharedReader;
  r.copyBytes = options?.copyBytes === true;
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
      sharedReader.reset(EMPTY_BYTES);
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

/** The decoder specialised to `desc`, compiled on first use. */
function decoderOf(desc: MessageDescriptor): Decoder {
  return (desc.decoder as Decoder | undefined) ?? (desc.decoder = compileDecoder(desc));
}

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
 * How many values a packed run of `len` bytes from `r.pos` to `e` holds, as source text: fixed-width
 * values divide the length, varints are counted by their last bytes.
 */
function packedCountSource(t: FieldType): string {
  switch (wireTypeOf(t)) {
    case WireType.I64:
      return 'len >>> 3';
    case WireType.I32:
      return 'len >>> 2';
    default:
      return 'countVarints(r.buf, r.pos, e)';
  }
}

/** Source that appends `value` to the list at `key`, making the list on its first value. */
function pushSource(key: string, value: string): string {
  return `{ const l = ${key}; if (l === undefined) (${key} = []).push(${value}); else l.push(${value}); }`;
}

function countVarints(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n += (buf[i] >>> 7) ^ 1;
  return n;
}

/**
 * Builds a decoder specialised to one message type: a switch on the full tag with the reader call and
 * the property name written out for each plain field and map, which V8 compiles to monomorphic code
 * (about twice the interpreter's speed). Oneofs, groups, closed enums and every tag not in the switch
 * go through the interpreter's readOther. Property names enter the source only through JSON.stringify
 * and tags only as integers. Where eval is disabled (--disallow-code-generation-from-strings) the
 * interpreter does everything.
 */
function compileDecoder(desc: MessageDescriptor): Decoder {
  const types: MessageDescriptor[] = [];
  const cases: string[] = [];
  // Lists and maps start out undefined (see messageFactory) and are made by their first value, or
  // here, after the last field, for those that had none.
  const fills: string[] = [];
  desc.fields.forEach((f, i) => {
    const t = f.type;
    const key = `msg[${JSON.stringify(f.localName)}]`;
    if (f.mapEntry) {
      const tag = ((f.number << 3) | WireType.LEN) >>> 0;
      fills.push(`if (${key} === undefined) ${key} = new Map();`);
      cases.push(
        `case ${tag}: readMapEntry(r, F[${i}], ${key} === undefined ? (${key} = new Map()) : ${key}, depth, maxDepth); continue;`,
      );
      return;
    }
    if (f.repeated) fills.push(`if (${key} === undefined) ${key} = [];`);
    if (f.oneof || t === FieldType.GROUP || (t === FieldType.ENUM && f.enumType!.closed)) return;
    const tag = ((f.number << 3) | wireTypeOf(t)) >>> 0;
    if (t === FieldType.MESSAGE) {
      types.push(f.messageType!);
      const sub = `T[${types.length - 1}]`;
      const into = f.repeated ? 'undefined' : key;
      const store = f.repeated ? pushSource(key, 'v') : `${key} = v`;
      // Each nested type's decoder is called through its own closure variable, filled on first use, so
      // every call site has one target and V8 can inline it (a shared decodeInto would be megamorphic).
      const d = `d${types.length - 1}`;
      cases.push(
        `case ${tag}: { nested(r, depth, maxDepth); const len = r.length(); ` +
          `const v = (${d} === undefined ? (${d} = decoderOf(${sub})) : ${d})(r, r.pos + len, depth + 1, 0, maxDepth, ${into}); ${store}; continue; }`,
      );
      return;
    }
    const read = scalarReadSource(f);
    if (!f.repeated) {
      cases.push(`case ${tag}: ${key} = ${read}; continue;`);
      return;
    }
    cases.push(`case ${tag}: { const v = ${read}; ${pushSource(key, 'v')} continue; }`);
    if (isPackable(t)) {
      const packedTag = ((f.number << 3) | WireType.LEN) >>> 0;
      // A short first run fills an array made at its final size: grown by push, a short list's
      // backing store starts at 16 slots, and in a large message every list survives a scavenge or
      // two, so the slack is copied with it. Long runs are pushed: there counting the varints first
      // costs more (17% on 10,000 int64s) than the growth does. The count is exact for well-formed
      // input (one byte below 0x80 ends each varint); the push loop after it reads whatever a
      // malformed run has left, failing at the same offset, with the same error, as value by value.
      cases.push(
        `case ${packedTag}: { const len = r.length(); const e = r.pos + len; const outer = r.limit; ` +
          `r.limit = e; let list = ${key}; ` +
          `if (len !== 0 && len <= 256 && (list === undefined || list.length === 0)) { list = new Array(${packedCountSource(t)}); ` +
          `for (let i = 0; i < list.length; i++) list[i] = ${read}; ${key} = list; } ` +
          `else if (list === undefined) list = ${key} = []; ` +
          `while (r.pos < e) list.push(${read}); r.limit = outer; continue; }`,
      );
    }
  });
  const slots = types.map((_, i) => `d${i}`);
  const source = `${slots.length ? `let ${slots.join(', ')};` : ''}
  return function decode(r, end, depth, groupNo, maxDepth, into) {
    const msg = into === undefined ? newMessage(true) : into;
    const outerLimit = r.limit;
    r.limit = end;
    let unknown;
    let closed = false;
    while (r.pos < end) {
      const tagStart = r.pos;
      const tag = r.rawTag();
      switch (tag) {
        ${cases.join('\n        ')}
      }
      r.checkTag(tag, tagStart);
      if ((tag & 7) === 4) {
        closeGroup(tag, groupNo, tagStart);
        closed = true;
        break;
      }
      unknown = readOther(desc, r, tag, tagStart, msg, depth, maxDepth, unknown);
    }
    ${fills.join('\n    ')}
    ${
      // The common ending (no unknown fields, not a group, nothing required) without a call.
      desc.requiredCount === 0
        ? 'if (unknown === undefined && groupNo === 0) { r.limit = outerLimit; return msg; }'
        : ''
    }
    return finishMessage(desc, r, msg, unknown, groupNo, closed, outerLimit);
  };`;
  desc.newMessage ??= messageFactory(desc);
  try {
    return new Function(
      'desc',
      'F',
      'readMapEntry',
      'T',
      'newMessage',
      'decoderOf',
      'nested',
      'closeGroup',
      'readOther',
      'finishMessage',
      'countVarints',
      source,
    )(
      desc,
      desc.fields,
      readMapEntry,
      types,
      desc.newMessage,
      decoderOf,
      nested,
      closeGroup,
      readOther,
      finishMessage,
      countVarints,
    ) as Decoder;
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
    const map = (msg[f.localName] ??= new Map()) as Map<unknown, unknown>;
    readMapEntry(r, f, map, depth, maxDepth);
    return true;
  }
  const expected = wireTypeOf(t);
  if (f.repeated) {
    // Undefined until the first value when a compiled decoder made the message.
    const list = (msg[f.localName] ??= []) as unknown[];
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
