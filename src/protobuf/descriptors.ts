import type { SourceLocation } from './errors.js';

/** Field types, numbered as in google/protobuf/descriptor.proto's FieldDescriptorProto.Type. */
export const FieldType = {
  DOUBLE: 1,
  FLOAT: 2,
  INT64: 3,
  UINT64: 4,
  INT32: 5,
  FIXED64: 6,
  FIXED32: 7,
  BOOL: 8,
  STRING: 9,
  GROUP: 10,
  MESSAGE: 11,
  BYTES: 12,
  UINT32: 13,
  ENUM: 14,
  SFIXED32: 15,
  SFIXED64: 16,
  SINT32: 17,
  SINT64: 18,
} as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

/** The scalar type keywords of the .proto language. */
export const SCALAR_TYPES: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ['double', FieldType.DOUBLE],
  ['float', FieldType.FLOAT],
  ['int64', FieldType.INT64],
  ['uint64', FieldType.UINT64],
  ['int32', FieldType.INT32],
  ['fixed64', FieldType.FIXED64],
  ['fixed32', FieldType.FIXED32],
  ['bool', FieldType.BOOL],
  ['string', FieldType.STRING],
  ['bytes', FieldType.BYTES],
  ['uint32', FieldType.UINT32],
  ['sfixed32', FieldType.SFIXED32],
  ['sfixed64', FieldType.SFIXED64],
  ['sint32', FieldType.SINT32],
  ['sint64', FieldType.SINT64],
]);

/** Whether a value of this type is held as a bigint. */
export function is64Bit(t: FieldType): boolean {
  return (
    t === FieldType.INT64 ||
    t === FieldType.UINT64 ||
    t === FieldType.SINT64 ||
    t === FieldType.FIXED64 ||
    t === FieldType.SFIXED64
  );
}

/** Whether repeated fields of this type may be packed (every numeric type, bool and enum). */
export function isPackable(t: FieldType): boolean {
  return t !== FieldType.STRING && t !== FieldType.BYTES && t !== FieldType.MESSAGE && t !== FieldType.GROUP;
}

/**
 * An option value as written: identifiers (enum values, `true`, `inf`) are kept as `{ identifier }` so
 * they cannot be confused with strings, message-valued options keep their text-format source.
 */
export type OptionValue = string | number | bigint | boolean | { identifier: string } | { aggregate: string };

/** Options of one element, keyed by name as written (`deprecated`, `(my.ext).sub`). Null prototype. */
export type Options = Record<string, OptionValue>;

export type Syntax = 'proto2' | 'proto3';

/**
 * One parsed `.proto` file.
 *
 * @example
 * const file = new ProtoParser('syntax = "proto3"; package demo;', 'demo.proto').parse();
 * file.packageName; // 'demo'
 */
export class FileDescriptor {
  syntax: Syntax = 'proto2';
  packageName = '';
  readonly imports: { path: string; kind: 'normal' | 'public' | 'weak'; location: SourceLocation }[] = [];
  readonly options: Options = Object.create(null);
  readonly messages: MessageDescriptor[] = [];
  readonly enums: EnumDescriptor[] = [];
  readonly services: ServiceDescriptor[] = [];
  /** Fields declared in `extend` blocks: parsed so real-world files load, not yet used by the codec. */
  readonly extensions: FieldDescriptor[] = [];

  constructor(readonly name: string) {}
}

/**
 * A message type. Fields are sorted by number, the order protobuf encoders write them in.
 *
 * @example
 * const d = schema.messageDescriptor('demo.Ping');
 * d.field(1)?.name; // 'id'
 */
export class MessageDescriptor {
  readonly fields: FieldDescriptor[] = [];
  readonly oneofs: OneofDescriptor[] = [];
  readonly messages: MessageDescriptor[] = [];
  readonly enums: EnumDescriptor[] = [];
  readonly extensions: FieldDescriptor[] = [];
  readonly reservedRanges: [number, number][] = [];
  readonly reservedNames: string[] = [];
  readonly extensionRanges: [number, number][] = [];
  readonly options: Options = Object.create(null);
  /** Synthesized `XxxEntry` type of a map field. */
  isMapEntry = false;
  /** The codec's decoder and encoder specialised to this type, built on first use. */
  decoder: unknown;
  encoder: unknown;
  /**
   * Creates an empty message of this type; built by the codec on first use. `lazyLists` (for the
   * compiled decoder) leaves repeated and map fields undefined.
   */
  newMessage: ((lazyLists?: boolean) => Record<string, unknown>) | undefined;
  /** How many proto2 `required` fields there are (the decoder checks them only when this is non-zero). */
  requiredCount = 0;
  // Lookup by field number: a dense array for the usual small numbers, a Map for the rest.
  private dense: (FieldDescriptor | undefined)[] = [];
  private sparse: Map<number, FieldDescriptor> | undefined;

  constructor(
    readonly name: string,
    readonly fullName: string,
    readonly file: FileDescriptor,
    readonly location: SourceLocation,
  ) {}

  /** The field with this number, if the schema has one. */
  field(no: number): FieldDescriptor | undefined {
    return no < 256 ? this.dense[no] : this.sparse?.get(no);
  }

  /** The field with this name (as declared in the .proto file). */
  fieldByName(name: string): FieldDescriptor | undefined {
    return this.fields.find((f) => f.name === name);
  }

  /** Called once all fields are known: sorts them and builds the number index. */
  index(): void {
    this.fields.sort((a, b) => a.number - b.number);
    this.dense = [];
    this.requiredCount = 0;
    for (const f of this.fields) {
      if (f.required) this.requiredCount++;
      if (f.number < 256) this.dense[f.number] = f;
      else (this.sparse ??= new Map()).set(f.number, f);
    }
  }
}

/**
 * A field of a message (or an extension). `messageType` / `enumType` are set when the schema links.
 *
 * @example
 * const f = schema.messageDescriptor('demo.Ping').fieldByName('seq')!;
 * [f.localName, f.type === FieldType.INT64, f.explicitPresence]; // ['seq', true, false]
 */
export class FieldDescriptor {
  /** The key under which decoded objects hold this field: lowerCamelCase of `name`. */
  localName: string;
  /**
   * Whether plain objects inherit a member of this name (`constructor`, `toString`...): encoders then
   * read only own properties, or `{}` would seem to set the field to a function.
   */
  readonly inheritedName: boolean;
  jsonName: string;
  repeated = false;
  /** proto2 `required`. */
  required = false;
  /** Whether unset is distinguishable from the default (messages, oneofs, `optional`, proto2). */
  explicitPresence = false;
  /** Repeated scalars written as one length-delimited run (proto3 default). */
  packed = false;
  /**
   * The proto3 `optional` keyword was written. protoc models it as a one-field "synthetic" oneof; here
   * it is just explicit presence, and `oneof` stays undefined.
   */
  proto3Optional = false;
  oneof: OneofDescriptor | undefined;
  messageType: MessageDescriptor | undefined;
  enumType: EnumDescriptor | undefined;
  /** For map fields, the synthesized entry type (fields `key` = 1 and `value` = 2). */
  mapEntry: MessageDescriptor | undefined;
  /**
   * proto2 `[default = ...]` converted to the field's JS type (bigint, Uint8Array, enum number...), set
   * when the schema links. An unset field still reads as absent; this is what it means.
   */
  declaredDefault: unknown;
  /** Whether string values must be valid UTF-8 (proto3). */
  validateUtf8 = false;
  readonly options: Options = Object.create(null);

  constructor(
    readonly name: string,
    readonly number: number,
    public type: FieldType,
    /** For message / enum fields: the type name as written, resolved against `scope` when linking. */
    readonly typeName: string,
    readonly scope: string,
    readonly location: SourceLocation,
  ) {
    this.localName = lowerCamel(name);
    this.jsonName = this.localName;
    this.inheritedName = this.localName in Object.prototype;
  }
}

/** protobuf's json_name rule: drop underscores, upper-case the letter after each. */
export function lowerCamel(name: string): string {
  let out = '';
  let upper = false;
  for (const c of name) {
    if (c === '_') upper = true;
    else if (upper) {
      out += c.toUpperCase();
      upper = false;
    } else out += c;
  }
  return out;
}

/** A oneof: at most one of `fields` is set. */
export class OneofDescriptor {
  readonly fields: FieldDescriptor[] = [];
  readonly options: Options = Object.create(null);

  constructor(
    readonly name: string,
    readonly index: number,
  ) {}
}

export interface EnumValue {
  readonly name: string;
  readonly number: number;
  readonly options: Options;
}

/**
 * An enum type; proto2 enums are closed, proto3 enums open.
 *
 * @example
 * schema.enumDescriptor('demo.Color').byName.get('RED')?.number; // 1
 */
export class EnumDescriptor {
  readonly values: EnumValue[] = [];
  readonly byNumber = new Map<number, EnumValue>();
  readonly byName = new Map<string, EnumValue>();
  readonly options: Options = Object.create(null);
  readonly reservedRanges: [number, number][] = [];
  readonly reservedNames: string[] = [];
  /** proto2 enums are closed: unknown numbers go to unknown fields instead of the field. */
  closed = false;

  constructor(
    readonly name: string,
    readonly fullName: string,
    readonly location: SourceLocation,
  ) {}
}

export interface MethodDescriptor {
  readonly name: string;
  /** Fully-qualified input type, once linked; as written before. */
  inputTypeName: string;
  outputTypeName: string;
  inputType: MessageDescriptor | undefined;
  outputType: MessageDescriptor | undefined;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  readonly options: Options;
  readonly location: SourceLocation;
}

/**
 * A service and its rpcs, with input and output types resolved.
 *
 * @example
 * schema.service('demo.Greeter').methods.map((m) => [m.name, m.clientStreaming, m.serverStreaming]);
 */
export class ServiceDescriptor {
  readonly methods: MethodDescriptor[] = [];
  readonly options: Options = Object.create(null);

  constructor(
    readonly name: string,
    readonly fullName: string,
    readonly location: SourceLocation,
  ) {}
}
