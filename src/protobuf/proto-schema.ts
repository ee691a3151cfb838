import { WirestackError } from '../buf/errors.js';
import {
  EnumDescriptor,
  type FieldDescriptor,
  FieldType,
  type FileDescriptor,
  is64Bit,
  isPackable,
  MessageDescriptor,
  type ServiceDescriptor,
} from './descriptors.js';
import { ProtoSyntaxError } from './errors.js';
import type { ProtoMessage } from './message-shape.js';
import { MessageType } from './message-type.js';
import { ProtoParser } from './proto-parser.js';
import { WELL_KNOWN_TYPES } from './well-known-types.js';

/** Returns a file's text, or undefined if there is no file at that path. */
export type ProtoFileReader = (path: string) => string | undefined;

export interface ProtoSchemaOptions {
  /** Directories searched, in order, for imports and for the files given to `load` (default ['.']). */
  includePaths?: readonly string[];
  /** Reads a file; the only way the schema touches a file system (see loadProtoSchema for node:fs). */
  readFile: ProtoFileReader;
}

/** Joins an include directory and a relative path, resolving `.` and `..` segments. */
function joinPath(dir: string, rel: string): string {
  if (rel.startsWith('/')) return rel;
  const parts: string[] = [];
  for (const seg of `${dir}/${rel}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(seg);
  }
  const joined = parts.join('/');
  return dir.startsWith('/') ? `/${joined}` : joined || '.';
}

/**
 * A set of parsed, linked `.proto` files: every type name resolved, every import loaded. Files and their
 * imports are found through `includePaths` and the injected `readFile`; `google/protobuf/*.proto` that
 * no include path has comes from a bundled copy of the well-known types.
 *
 * @example
 * const schema = ProtoSchema.fromSources({ 'demo.proto': 'syntax = "proto3"; package demo; message Ping { string id = 1; }' });
 * const Ping = schema.message('demo.Ping');
 * Ping.decode(Ping.encode({ id: 'x' })); // { id: 'x' }
 */
export class ProtoSchema {
  /** Parsed files by import name (the path relative to the include path it was found in). */
  readonly files = new Map<string, FileDescriptor>();
  private readonly types = new Map<string, MessageDescriptor | EnumDescriptor>();
  private readonly servicesByName = new Map<string, ServiceDescriptor>();
  private readonly messageTypes = new Map<string, MessageType>();
  private readonly loading = new Set<string>();

  private constructor(
    private readonly includePaths: readonly string[],
    private readonly readFile: ProtoFileReader,
  ) {}

  /** Parses the given files (paths as given to protoc: relative to an include path, or not). */
  static load(paths: readonly string[], options: ProtoSchemaOptions): ProtoSchema {
    const schema = new ProtoSchema(options.includePaths ?? ['.'], options.readFile);
    for (const p of paths) schema.loadEntry(p);
    schema.link();
    return schema;
  }

  /** Parses in-memory sources keyed by file name; imports resolve among them (and the well-known types). */
  static fromSources(sources: Record<string, string>): ProtoSchema {
    const table = new Map(Object.entries(sources));
    const schema = new ProtoSchema([''], (p) => table.get(p));
    for (const name of table.keys()) schema.loadFile(name, table.get(name)!);
    schema.link();
    return schema;
  }

  private loadEntry(path: string): void {
    // protoc names a file by its path relative to the include path that contains it: `-Iprotos
    // protos/a/b.proto` and `-Iprotos a/b.proto` both load the file that others import as "a/b.proto".
    const clean = path.replace(/^\.\//, '');
    for (const dir of this.includePaths) {
      const prefix = dir === '' || dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`;
      const name = prefix && clean.startsWith(prefix) ? clean.slice(prefix.length) : clean;
      const text = this.readFile(prefix ? joinPath(dir, name) : name);
      if (text !== undefined) {
        this.loadFile(name, text);
        return;
      }
    }
    const text = this.readFile(path);
    if (text === undefined) {
      throw new WirestackError(
        'ENOENT',
        `${path}: file not found (include paths: ${this.includePaths.join(', ')})`,
      );
    }
    this.loadFile(path, text);
  }

  private loadFile(name: string, text: string): void {
    if (this.files.has(name)) return;
    if (this.loading.has(name)) return;
    this.loading.add(name);
    const file = new ProtoParser(text, name).parse();
    for (const imp of file.imports) {
      if (this.files.has(imp.path)) continue;
      if (this.loading.has(imp.path)) {
        throw new ProtoSyntaxError(
          'EPROTOIMPORT',
          imp.location,
          `import cycle: ${[...this.loading, imp.path].join(' -> ')}`,
        );
      }
      const found = this.findImport(imp.path);
      if (found === undefined) {
        throw new ProtoSyntaxError(
          'EPROTOIMPORT',
          imp.location,
          `cannot find import "${imp.path}" in include paths [${this.includePaths.join(', ')}]: add its directory with -I`,
        );
      }
      this.loadFile(imp.path, found);
    }
    this.loading.delete(name);
    this.files.set(name, file);
  }

  private findImport(path: string): string | undefined {
    for (const dir of this.includePaths) {
      const text = this.readFile(dir === '' ? path : joinPath(dir, path));
      if (text !== undefined) return text;
    }
    return WELL_KNOWN_TYPES[path];
  }

  // --- linking -------------------------------------------------------------------------------------

  private link(): void {
    for (const file of this.files.values()) {
      const register = (t: MessageDescriptor | EnumDescriptor) => {
        const prior = this.types.get(t.fullName);
        if (prior) {
          throw new ProtoSyntaxError(
            'EPROTODUPLICATE',
            t.location,
            `${t.fullName} is already defined at ${prior.location.file}:${prior.location.line}`,
          );
        }
        this.types.set(t.fullName, t);
        if (t instanceof MessageDescriptor) {
          for (const m of t.messages) register(m);
          for (const e of t.enums) register(e);
        }
      };
      for (const m of file.messages) register(m);
      for (const e of file.enums) register(e);
      for (const s of file.services) this.servicesByName.set(s.fullName, s);
    }
    for (const t of this.types.values()) if (t instanceof MessageDescriptor) this.linkMessage(t);
    for (const s of this.servicesByName.values()) {
      for (const m of s.methods) {
        const scope = s.fullName.slice(0, s.fullName.lastIndexOf('.') + 1).replace(/\.$/, '');
        m.inputType = this.resolveMessage(m.inputTypeName, scope, m.location);
        m.outputType = this.resolveMessage(m.outputTypeName, scope, m.location);
        m.inputTypeName = m.inputType.fullName;
        m.outputTypeName = m.outputType.fullName;
      }
    }
  }

  private resolveMessage(name: string, scope: string, where: FieldDescriptor['location']): MessageDescriptor {
    const t = this.resolve(name, scope);
    if (!(t instanceof MessageDescriptor)) {
      throw new ProtoSyntaxError(
        'EPROTOTYPE',
        where,
        `${name} is not a message type${t ? '' : ' (not found)'}`,
      );
    }
    return t;
  }

  /** protobuf's scoping: look in the innermost scope first, then each enclosing one, then the root. */
  private resolve(name: string, scope: string): MessageDescriptor | EnumDescriptor | undefined {
    if (name.startsWith('.')) return this.types.get(name.slice(1));
    let s = scope;
    for (;;) {
      const t = this.types.get(s ? `${s}.${name}` : name);
      if (t) return t;
      if (s === '') return undefined;
      const dot = s.lastIndexOf('.');
      s = dot < 0 ? '' : s.slice(0, dot);
    }
  }

  private linkMessage(msg: MessageDescriptor): void {
    const proto3 = msg.file.syntax === 'proto3';
    for (const f of msg.fields) this.linkField(f, proto3);
  }

  private linkField(f: FieldDescriptor, proto3: boolean): void {
    if (f.typeName && !f.mapEntry) {
      const t = this.resolve(f.typeName, f.scope);
      if (!t) {
        throw new ProtoSyntaxError(
          'EPROTOTYPE',
          f.location,
          `unknown type ${f.typeName} for field ${f.name}: define it or import the file that does`,
        );
      }
      if (t instanceof EnumDescriptor) {
        if (f.type === FieldType.GROUP)
          throw new ProtoSyntaxError('EPROTOTYPE', f.location, 'a group must be a message');
        f.type = FieldType.ENUM;
        f.enumType = t;
      } else {
        f.messageType = t;
        if (f.type !== FieldType.GROUP) f.type = FieldType.MESSAGE;
        f.explicitPresence = f.explicitPresence || !f.repeated;
      }
    }
    // The entry type is a nested message of its own, linked like any other.
    if (f.mapEntry) f.messageType = f.mapEntry;
    if ('default' in f.options) f.declaredDefault = this.convertDefault(f);
    if (f.repeated && !f.mapEntry && isPackable(f.type)) {
      const packed = f.options.packed;
      f.packed = proto3 ? packed !== false : packed === true;
    }
  }

  /** `[default = ...]` as a value of the field's type, or a ProtoSyntaxError saying why it is not one. */
  private convertDefault(f: FieldDescriptor): unknown {
    const v = f.options.default;
    const bad = (why: string): never => {
      throw new ProtoSyntaxError('EPROTODEFAULT', f.location, `default value of ${f.name} ${why}`);
    };
    if (f.repeated) bad('is not allowed on a repeated field');
    switch (f.type) {
      case FieldType.STRING:
        return typeof v === 'string' ? v : bad('must be a string');
      case FieldType.BYTES: {
        if (typeof v !== 'string') return bad('must be a string');
        // The tokenizer turned escapes into char codes 0-255; anything wider is UTF-8 text.
        return [...v].every((c) => c.charCodeAt(0) < 256)
          ? Uint8Array.from(v, (c) => c.charCodeAt(0))
          : new TextEncoder().encode(v);
      }
      case FieldType.BOOL:
        return typeof v === 'boolean' ? v : bad('must be true or false');
      case FieldType.FLOAT:
      case FieldType.DOUBLE:
        return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : bad('must be a number');
      case FieldType.ENUM: {
        const name = typeof v === 'object' && 'identifier' in v ? v.identifier : undefined;
        const value = name === undefined ? undefined : f.enumType!.byName.get(name);
        return value ? value.number : bad(`must name a value of ${f.enumType!.fullName}`);
      }
      case FieldType.MESSAGE:
      case FieldType.GROUP:
        return bad('is not allowed on a message field');
      default: {
        if (typeof v !== 'number' && typeof v !== 'bigint') return bad('must be an integer');
        if (typeof v === 'number' && !Number.isInteger(v)) return bad('must be an integer');
        const big = BigInt(v);
        const [min, max] = is64Bit(f.type)
          ? f.type === FieldType.UINT64 || f.type === FieldType.FIXED64
            ? [0n, (1n << 64n) - 1n]
            : [-(1n << 63n), (1n << 63n) - 1n]
          : f.type === FieldType.UINT32 || f.type === FieldType.FIXED32
            ? [0n, 0xffffffffn]
            : [-0x80000000n, 0x7fffffffn];
        if (big < min || big > max) bad(`${big} is out of range`);
        return is64Bit(f.type) ? big : Number(big);
      }
    }
  }

  // --- lookup --------------------------------------------------------------------------------------

  /** The message type with this fully-qualified name (`pkg.Outer.Inner`), ready to encode/decode. */
  message<T extends object = ProtoMessage>(fullName: string): MessageType<T> {
    let t = this.messageTypes.get(fullName);
    if (!t) {
      t = new MessageType(this.messageDescriptor(fullName), this);
      this.messageTypes.set(fullName, t);
    }
    return t as unknown as MessageType<T>;
  }

  messageDescriptor(fullName: string): MessageDescriptor {
    const t = this.types.get(fullName.replace(/^\./, ''));
    if (!(t instanceof MessageDescriptor)) {
      throw new WirestackError(
        'EPROTOTYPE',
        `no message type ${fullName} in the schema${this.suggest(fullName)}`,
      );
    }
    return t;
  }

  enumDescriptor(fullName: string): EnumDescriptor {
    const t = this.types.get(fullName.replace(/^\./, ''));
    if (!(t instanceof EnumDescriptor)) {
      throw new WirestackError(
        'EPROTOTYPE',
        `no enum type ${fullName} in the schema${this.suggest(fullName)}`,
      );
    }
    return t;
  }

  service(fullName: string): ServiceDescriptor {
    const s = this.servicesByName.get(fullName.replace(/^\./, ''));
    if (!s) throw new WirestackError('EPROTOTYPE', `no service ${fullName} in the schema`);
    return s;
  }

  /** Every service of every loaded file. */
  services(): IterableIterator<ServiceDescriptor> {
    return this.servicesByName.values();
  }

  /** Every message and enum, by fully-qualified name. */
  allTypes(): IterableIterator<MessageDescriptor | EnumDescriptor> {
    return this.types.values();
  }

  private suggest(name: string): string {
    const last = name.slice(name.lastIndexOf('.') + 1);
    const near = [...this.types.keys()].filter((k) => k.endsWith(`.${last}`) || k === last);
    return near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : '';
  }
}
