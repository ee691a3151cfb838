import type { FieldDescriptor, MessageDescriptor } from './descriptors.js';
import { FieldType } from './descriptors.js';
import { WireType } from './wire-type.js';

/**
 * Key under which a decoded message keeps the fields its schema does not know, as the encoded bytes
 * (tags included). `encode` appends them unchanged, so a message passes through a proxy built on an
 * older schema without losing data.
 */
export const UNKNOWN_FIELDS: unique symbol = Symbol('wirestack.protobuf.unknownFields');

/**
 * A message as a plain object keyed by the lowerCamelCase field name, built by a constructor whose
 * prototype chain holds no Object.prototype (a `__proto__` field is just a field). 64-bit integers are bigint, bytes are Uint8Array, enums are numbers, maps
 * are Map, repeated fields are arrays. Unset message / optional / oneof fields are absent.
 */
export interface ProtoMessage {
  [field: string]: unknown;
  [UNKNOWN_FIELDS]?: Uint8Array;
}

export const DEFAULT_MAX_DEPTH = 100;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const EMPTY_BYTES = new Uint8Array(0);
const EMPTY = EMPTY_BYTES;

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
 *
 * With `lazyLists` repeated and map fields are left undefined, for a compiled decoder that makes each
 * on its first value and fills in the rest at the end. An empty default replaced by the first value is
 * garbage, and in a large message (42,000 records) that garbage brings the next scavenge forward,
 * while everything decoded so far is still alive and must be copied.
 */
export function messageFactory(desc: MessageDescriptor): (lazyLists?: boolean) => Record<string, unknown> {
  const body: string[] = [];
  for (const f of desc.fields) {
    const key = JSON.stringify(f.localName);
    if (f.mapEntry) body.push(`this[${key}] = lazy ? undefined : new Map();`);
    else if (f.repeated) body.push(`this[${key}] = lazy ? undefined : [];`);
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
  let Ctor: new (lazy: boolean) => Record<string, unknown>;
  try {
    Ctor = new Function('EMPTY', `return function Message(lazy) { ${body.join(' ')} };`)(EMPTY);
  } catch (e) {
    // Eval disabled (--disallow-code-generation-from-strings): slower, same result. No compiled
    // decoder exists then, so lists are always made here.
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
  // One constructor for both kinds, so decoded and created messages share one hidden class.
  return (lazyLists) => new Ctor(lazyLists === true);
}
