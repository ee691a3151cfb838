import {
  EnumDescriptor,
  FieldDescriptor,
  FieldType,
  FileDescriptor,
  MessageDescriptor,
  type MethodDescriptor,
  OneofDescriptor,
  type Options,
  type OptionValue,
  SCALAR_TYPES,
  ServiceDescriptor,
} from './descriptors.js';
import type { SourceLocation } from './errors.js';
import { ProtoTokenizer, type Token } from './proto-tokenizer.js';
import { MAX_FIELD_NUMBER } from './wire-type.js';

const MAP_KEY_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64']);
for (const t of ['fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string']) MAP_KEY_TYPES.add(t);
const INT32_MAX = 0x7fffffff;

export interface ProtoParserOptions {
  /**
   * Messages (and groups) declared inside each other deeper than this are an error: the parser recurses
   * per level, and a hostile file must not overflow the stack. Default 100.
   */
  maxNesting?: number;
}

export const DEFAULT_MAX_NESTING = 100;

/** A parent scope that fields, messages and enums are declared into. */
interface Scope {
  readonly fullName: string;
  readonly messages: MessageDescriptor[];
  readonly enums: EnumDescriptor[];
  readonly extensions: FieldDescriptor[];
}

/**
 * Parses the text of one `.proto` file (proto2 or proto3) into a FileDescriptor. Type names in fields
 * and rpcs are left as written; ProtoSchema resolves them once every imported file is parsed. Errors are
 * ProtoSyntaxError with `file:line:column`.
 *
 * @example
 * const file = new ProtoParser('syntax = "proto3"; message Ping { string id = 1; }', 'ping.proto').parse();
 * file.messages[0].fields[0].name; // 'id'
 */
export class ProtoParser {
  private readonly tok: ProtoTokenizer;
  private peeked: Token | undefined;
  private file: FileDescriptor;
  private readonly maxNesting: number;
  private nesting = 0;

  constructor(source: string, fileName: string, options?: ProtoParserOptions) {
    this.tok = new ProtoTokenizer(source, fileName);
    this.file = new FileDescriptor(fileName);
    this.maxNesting = options?.maxNesting ?? DEFAULT_MAX_NESTING;
  }

  // --- token helpers -------------------------------------------------------------------------------

  private peek(): Token {
    this.peeked ??= this.tok.next();
    return this.peeked;
  }

  private next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private loc(t: Token): SourceLocation {
    return { file: this.file.name, line: t.line, column: t.column };
  }

  private fail(t: { line: number; column: number }, message: string): never {
    throw this.tok.error(t, message);
  }

  private describe(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : t.kind === 'string' ? `string "${t.text}"` : `'${t.text}'`;
  }

  private isSymbol(s: string): boolean {
    const t = this.peek();
    return t.kind === 'symbol' && t.text === s;
  }

  private trySymbol(s: string): boolean {
    if (!this.isSymbol(s)) return false;
    this.next();
    return true;
  }

  private expectSymbol(s: string, context: string): Token {
    const t = this.next();
    if (t.kind !== 'symbol' || t.text !== s)
      this.fail(t, `expected '${s}' ${context}, found ${this.describe(t)}`);
    return t;
  }

  private expectIdent(context: string): Token {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(t, `expected ${context}, found ${this.describe(t)}`);
    return t;
  }

  private expectKeyword(word: string, context: string): void {
    const t = this.next();
    if (t.kind !== 'ident' || t.text !== word)
      this.fail(t, `expected '${word}' ${context}, found ${this.describe(t)}`);
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text === word;
  }

  /** `a.b.c`, optionally with a leading dot (fully qualified). */
  private fullIdent(context: string): string {
    let name = '';
    if (this.trySymbol('.')) name = '.';
    name += this.expectIdent(context).text;
    while (this.trySymbol('.')) name += `.${this.expectIdent(`a name after '.' in ${name}`).text}`;
    return name;
  }

  private stringLiteral(context: string): string {
    const t = this.next();
    if (t.kind !== 'string') this.fail(t, `expected a quoted string ${context}, found ${this.describe(t)}`);
    let s = t.text;
    // Adjacent literals concatenate, as in C.
    while (this.peek().kind === 'string') s += this.next().text;
    return s;
  }

  /** An integer literal, optionally negative, as a JS number (field numbers, enum values, ranges). */
  private intLiteral(context: string, allowNegative: boolean): number {
    const neg = allowNegative && this.trySymbol('-');
    const t = this.next();
    if (t.kind !== 'int') this.fail(t, `expected an integer ${context}, found ${this.describe(t)}`);
    const v = Number(
      BigInt(t.text.length > 1 && t.text[0] === '0' && /^[0-7]+$/.test(t.text) ? `0o${t.text}` : t.text),
    );
    return neg ? -v : v;
  }

  // --- file ----------------------------------------------------------------------------------------

  parse(): FileDescriptor {
    const file = this.file;
    if (this.isKeyword('syntax')) {
      this.next();
      this.expectSymbol('=', "after 'syntax'");
      const t = this.peek();
      const syntax = this.stringLiteral("after 'syntax ='");
      if (syntax !== 'proto2' && syntax !== 'proto3')
        this.fail(t, `unknown syntax "${syntax}": use "proto2" or "proto3"`);
      file.syntax = syntax;
      this.expectSymbol(';', 'after the syntax statement');
    } else if (this.isKeyword('edition')) {
      this.fail(this.peek(), 'editions are not supported yet: use syntax = "proto3" (or "proto2")');
    }
    const root: Scope = {
      fullName: '',
      messages: file.messages,
      enums: file.enums,
      extensions: file.extensions,
    };
    let packageSeen = false;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (this.trySymbol(';')) continue;
      if (t.kind !== 'ident') this.fail(t, `expected a top-level statement, found ${this.describe(t)}`);
      switch (t.text) {
        case 'package': {
          this.next();
          if (packageSeen) this.fail(t, 'a file may declare only one package');
          packageSeen = true;
          file.packageName = this.fullIdent('a package name');
          if (file.packageName.startsWith('.')) this.fail(t, 'a package name cannot start with a dot');
          (root as { fullName: string }).fullName = file.packageName;
          this.expectSymbol(';', 'after the package name');
          break;
        }
        case 'import': {
          this.next();
          let kind: 'normal' | 'public' | 'weak' = 'normal';
          if (this.isKeyword('public') || this.isKeyword('weak'))
            kind = this.next().text as 'public' | 'weak';
          const pathTok = this.peek();
          const path = this.stringLiteral('with the imported file');
          file.imports.push({ path, kind, location: this.loc(pathTok) });
          this.expectSymbol(';', 'after the import');
          break;
        }
        case 'option':
          this.next();
          this.optionStatement(file.options);
          break;
        case 'message':
          this.next();
          this.message(root, this.loc(t));
          break;
        case 'enum':
          this.next();
          this.enumDecl(root, this.loc(t));
          break;
        case 'service':
          this.next();
          this.service(root);
          break;
        case 'extend':
          this.next();
          this.extend(root);
          break;
        case 'syntax':
          this.fail(t, "'syntax' must be the first statement of the file");
          break;
        default:
          this.fail(
            t,
            `unexpected '${t.text}': expected message, enum, service, import, package, option or extend`,
          );
      }
    }
    return file;
  }

  // --- options -------------------------------------------------------------------------------------

  /** `(my.ext).field.sub` or `deprecated`, returned as written. */
  private optionName(): string {
    let name = '';
    for (;;) {
      if (this.trySymbol('(')) {
        name += `(${this.fullIdent('an extension name')})`;
        this.expectSymbol(')', 'to close the extension name');
      } else {
        name += this.expectIdent('an option name').text;
      }
      if (!this.trySymbol('.')) return name;
      name += '.';
    }
  }

  private optionValue(): OptionValue {
    const t = this.peek();
    if (t.kind === 'string') return this.stringLiteral('');
    if (this.trySymbol('{')) return { aggregate: this.aggregate(t) };
    const neg = this.trySymbol('-');
    if (!neg) this.trySymbol('+');
    const v = this.next();
    if (v.kind === 'int') {
      const text = v.text.length > 1 && v.text[0] === '0' && /^[0-7]+$/.test(v.text) ? `0o${v.text}` : v.text;
      const big = neg ? -BigInt(text) : BigInt(text);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big;
    }
    if (v.kind === 'float') return neg ? -Number(v.text) : Number(v.text);
    if (v.kind === 'ident') {
      if (!neg && v.text === 'true') return true;
      if (!neg && v.text === 'false') return false;
      if (v.text === 'inf' || v.text === 'nan')
        return neg ? -Number.POSITIVE_INFINITY : v.text === 'inf' ? Infinity : NaN;
      if (neg) this.fail(v, `'-' cannot precede ${v.text}`);
      let name = v.text;
      while (this.trySymbol('.')) name += `.${this.expectIdent('a name').text}`;
      return { identifier: name };
    }
    return this.fail(v, `expected an option value, found ${this.describe(v)}`);
  }

  /** The text-format body of a message-valued option, kept as source text (balanced braces). */
  private aggregate(open: Token): string {
    const parts: string[] = [];
    let depth = 1;
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') this.fail(open, "unterminated '{' in option value");
      if (t.kind === 'symbol' && (t.text === '{' || t.text === '<')) depth++;
      if (t.kind === 'symbol' && (t.text === '}' || t.text === '>') && --depth === 0) return parts.join(' ');
      parts.push(t.kind === 'string' ? JSON.stringify(t.text) : t.text);
    }
  }

  /** After the `option` keyword: `name = value ;` */
  private optionStatement(into: Options): void {
    const name = this.optionName();
    this.expectSymbol('=', `after option ${name}`);
    into[name] = this.optionValue();
    this.expectSymbol(';', `after option ${name}`);
  }

  /** `[a = 1, (b).c = "x"]`, if present. */
  private bracketOptions(into: Options): void {
    if (!this.trySymbol('[')) return;
    do {
      const name = this.optionName();
      this.expectSymbol('=', `after option ${name}`);
      into[name] = this.optionValue();
    } while (this.trySymbol(','));
    this.expectSymbol(']', 'to close the field options');
  }

  // --- messages ------------------------------------------------------------------------------------

  private qualify(scope: Scope, name: string): string {
    return scope.fullName ? `${scope.fullName}.${name}` : name;
  }

  private message(scope: Scope, where: SourceLocation): MessageDescriptor {
    const nameTok = this.expectIdent('a message name');
    const msg = new MessageDescriptor(nameTok.text, this.qualify(scope, nameTok.text), this.file, where);
    scope.messages.push(msg);
    this.expectSymbol('{', `to open message ${msg.name}`);
    this.messageBody(msg);
    this.checkMessage(msg);
    return msg;
  }

  private messageBody(msg: MessageDescriptor): void {
    if (++this.nesting > this.maxNesting) {
      this.fail(msg.location, `${msg.name} is nested deeper than maxNesting=${this.maxNesting}`);
    }
    this.messageBodyFields(msg);
    this.nesting--;
  }

  private messageBodyFields(msg: MessageDescriptor): void {
    for (;;) {
      const t = this.peek();
      if (this.trySymbol('}')) return;
      if (this.trySymbol(';')) continue;
      if (t.kind === 'eof') this.fail(t, `message ${msg.name} is missing its closing '}'`);
      if (t.kind !== 'ident' && !this.isSymbol('.')) {
        this.fail(t, `expected a field or declaration in message ${msg.name}, found ${this.describe(t)}`);
      }
      switch (t.text) {
        case 'message':
          this.next();
          this.message(msg, this.loc(t));
          continue;
        case 'enum':
          this.next();
          this.enumDecl(msg, this.loc(t));
          continue;
        case 'option':
          this.next();
          this.optionStatement(msg.options);
          continue;
        case 'oneof':
          this.next();
          this.oneof(msg);
          continue;
        case 'reserved':
          this.next();
          this.reserved(msg.reservedRanges, msg.reservedNames, MAX_FIELD_NUMBER, false);
          continue;
        case 'extensions':
          this.next();
          this.extensionsDecl(msg);
          continue;
        case 'extend':
          this.next();
          this.extend(msg);
          continue;
        case 'map':
          this.next();
          if (this.isSymbol('<')) {
            this.mapField(msg, t);
            continue;
          }
          {
            // A message type that happens to be called `map` (or `map.Something`).
            let typeName = 'map';
            while (this.trySymbol('.'))
              typeName += `.${this.expectIdent(`a name after '.' in ${typeName}`).text}`;
            if (this.file.syntax === 'proto2')
              this.fail(t, "proto2 fields need a label: 'optional', 'required' or 'repeated'");
            this.fieldAfterType(msg, typeName, undefined, undefined);
          }
          continue;
        default:
          this.field(msg, msg, undefined);
      }
    }
  }

  /** A field, optionally labelled, starting at the current token. */
  private field(msg: MessageDescriptor, into: Scope, oneof: OneofDescriptor | undefined): FieldDescriptor {
    const start = this.peek();
    let label: string | undefined;
    if (this.isKeyword('repeated') || this.isKeyword('optional') || this.isKeyword('required')) {
      label = this.next().text;
      if (oneof) this.fail(start, `fields in oneof ${oneof.name} cannot be ${label}`);
    }
    if (label === 'required' && this.file.syntax === 'proto3') {
      this.fail(start, "proto3 has no 'required' fields: remove the label (fields are optional by default)");
    }
    if (label === undefined && !oneof && this.file.syntax === 'proto2' && !this.isKeyword('map')) {
      this.fail(start, "proto2 fields need a label: 'optional', 'required' or 'repeated'");
    }
    if (this.isKeyword('group')) return this.group(msg, into, oneof, label, start);
    const typeName = this.fullIdent('a field type');
    return this.fieldAfterType(msg, typeName, label, oneof, into);
  }

  private fieldAfterType(
    msg: MessageDescriptor,
    typeName: string,
    label: string | undefined,
    oneof: OneofDescriptor | undefined,
    into: Scope = msg,
  ): FieldDescriptor {
    const nameTok = this.expectIdent(`a field name after type ${typeName}`);
    this.expectSymbol('=', `after field name ${nameTok.text}`);
    const numTok = this.peek();
    const number = this.intLiteral(`for the number of field ${nameTok.text}`, true);
    const scalar = SCALAR_TYPES.get(typeName);
    const f = new FieldDescriptor(
      nameTok.text,
      number,
      scalar ?? FieldType.MESSAGE,
      scalar ? '' : typeName,
      msg.fullName,
      this.loc(nameTok),
    );
    this.checkFieldNumber(number, numTok);
    this.bracketOptions(f.options);
    this.expectSymbol(';', `after field ${nameTok.text}`);
    this.applyLabel(f, label, oneof);
    if ('default' in f.options && this.file.syntax === 'proto3') {
      this.fail(nameTok, `proto3 fields cannot have a default value (field ${f.name})`);
    }
    if (typeof f.options.json_name === 'string') f.jsonName = f.options.json_name;
    if (into === msg) msg.fields.push(f);
    else into.extensions.push(f);
    return f;
  }

  private applyLabel(
    f: FieldDescriptor,
    label: string | undefined,
    oneof: OneofDescriptor | undefined,
  ): void {
    const proto3 = this.file.syntax === 'proto3';
    f.repeated = label === 'repeated';
    f.required = label === 'required';
    f.validateUtf8 = proto3 && f.type === FieldType.STRING;
    if (oneof) {
      f.oneof = oneof;
      oneof.fields.push(f);
      f.explicitPresence = true;
    } else if (label === 'optional') {
      f.explicitPresence = true;
      f.proto3Optional = proto3;
    } else if (!proto3 && !f.repeated) {
      f.explicitPresence = true;
    }
    // Packing depends on whether the type is an enum or a message: ProtoSchema settles it when linking.
  }

  private checkFieldNumber(n: number, t: Token): void {
    if (n < 1 || n > MAX_FIELD_NUMBER)
      this.fail(t, `field number ${n} is out of range: use 1 to ${MAX_FIELD_NUMBER}`);
    if (n >= 19000 && n <= 19999)
      this.fail(t, `field numbers 19000 to 19999 are reserved by protobuf (got ${n})`);
  }

  /** proto2 `group Name = n { ... }`: a nested message plus a field of wire type START_GROUP. */
  private group(
    msg: MessageDescriptor,
    into: Scope,
    oneof: OneofDescriptor | undefined,
    label: string | undefined,
    start: Token,
  ): FieldDescriptor {
    this.next();
    if (this.file.syntax === 'proto3')
      this.fail(start, 'groups are not allowed in proto3: use a nested message');
    const nameTok = this.expectIdent('a group name');
    if (!/^[A-Z]/.test(nameTok.text))
      this.fail(nameTok, `group names must start with a capital letter (${nameTok.text})`);
    this.expectSymbol('=', `after group name ${nameTok.text}`);
    const numTok = this.peek();
    const number = this.intLiteral(`for the number of group ${nameTok.text}`, true);
    this.checkFieldNumber(number, numTok);
    const f = new FieldDescriptor(
      nameTok.text.toLowerCase(),
      number,
      FieldType.GROUP,
      nameTok.text,
      msg.fullName,
      this.loc(nameTok),
    );
    this.bracketOptions(f.options);
    const body = new MessageDescriptor(
      nameTok.text,
      this.qualify(msg, nameTok.text),
      this.file,
      this.loc(nameTok),
    );
    msg.messages.push(body);
    this.expectSymbol('{', `to open group ${nameTok.text}`);
    this.messageBody(body);
    this.checkMessage(body);
    this.applyLabel(f, label, oneof);
    if (into === msg) msg.fields.push(f);
    else into.extensions.push(f);
    return f;
  }

  /** After `map`: `<K, V> name = n [opts];` with a synthesized `NameEntry` message, as protoc does. */
  private mapField(msg: MessageDescriptor, start: Token): void {
    this.expectSymbol('<', "after 'map'");
    const keyTok = this.peek();
    const keyType = this.fullIdent('a map key type');
    if (!MAP_KEY_TYPES.has(keyType)) {
      this.fail(keyTok, `map keys must be an integer type, bool or string, not ${keyType}`);
    }
    this.expectSymbol(',', 'between the map key and value types');
    const valueType = this.fullIdent('a map value type');
    if (valueType === 'map' && this.isSymbol('<')) {
      this.fail(start, 'map values cannot be maps: wrap the inner map in a message');
    }
    this.expectSymbol('>', 'to close the map type');
    const nameTok = this.expectIdent('a map field name');
    this.expectSymbol('=', `after map field ${nameTok.text}`);
    const numTok = this.peek();
    const number = this.intLiteral(`for the number of field ${nameTok.text}`, true);
    this.checkFieldNumber(number, numTok);
    const where = this.loc(nameTok);
    const entryName = `${nameTok.text
      .split('_')
      .map((p) => (p ? p[0].toUpperCase() + p.slice(1) : ''))
      .join('')}Entry`;
    const entry = new MessageDescriptor(entryName, this.qualify(msg, entryName), this.file, where);
    entry.isMapEntry = true;
    const key = new FieldDescriptor('key', 1, SCALAR_TYPES.get(keyType)!, '', entry.fullName, where);
    const valueScalar = SCALAR_TYPES.get(valueType);
    const value = new FieldDescriptor(
      'value',
      2,
      valueScalar ?? FieldType.MESSAGE,
      valueScalar ? '' : valueType,
      msg.fullName,
      where,
    );
    key.validateUtf8 = value.validateUtf8 = this.file.syntax === 'proto3';
    key.validateUtf8 &&= key.type === FieldType.STRING;
    value.validateUtf8 &&= value.type === FieldType.STRING;
    entry.fields.push(key, value);
    entry.index();
    msg.messages.push(entry);
    const f = new FieldDescriptor(
      nameTok.text,
      number,
      FieldType.MESSAGE,
      entry.fullName,
      msg.fullName,
      where,
    );
    f.repeated = true;
    f.mapEntry = entry;
    this.bracketOptions(f.options);
    if (typeof f.options.json_name === 'string') f.jsonName = f.options.json_name;
    this.expectSymbol(';', `after map field ${nameTok.text}`);
    msg.fields.push(f);
  }

  private oneof(msg: MessageDescriptor): void {
    const nameTok = this.expectIdent('a oneof name');
    const oneof = new OneofDescriptor(nameTok.text, msg.oneofs.length);
    msg.oneofs.push(oneof);
    this.expectSymbol('{', `to open oneof ${oneof.name}`);
    for (;;) {
      const t = this.peek();
      if (this.trySymbol('}')) break;
      if (this.trySymbol(';')) continue;
      if (t.kind === 'eof') this.fail(t, `oneof ${oneof.name} is missing its closing '}'`);
      if (this.isKeyword('option')) {
        this.next();
        this.optionStatement(oneof.options);
        continue;
      }
      if (this.isKeyword('map')) this.fail(t, `map fields cannot be in a oneof (${oneof.name})`);
      this.field(msg, msg, oneof);
    }
    if (oneof.fields.length === 0) this.fail(nameTok, `oneof ${oneof.name} must have at least one field`);
  }

  /** `reserved 2, 15, 9 to 11, 40 to max;` or `reserved "foo", "bar";` */
  private reserved(ranges: [number, number][], names: string[], max: number, negative: boolean): void {
    if (this.peek().kind === 'string') {
      do names.push(this.stringLiteral('in reserved'));
      while (this.trySymbol(','));
    } else {
      do {
        const from = this.intLiteral('in reserved', negative);
        let to = from;
        if (this.isKeyword('to')) {
          this.next();
          if (this.isKeyword('max')) {
            this.next();
            to = max;
          } else to = this.intLiteral("after 'to'", negative);
        }
        if (to < from) this.fail(this.peek(), `reserved range ${from} to ${to} is empty`);
        ranges.push([from, to]);
      } while (this.trySymbol(','));
    }
    this.expectSymbol(';', 'after reserved');
  }

  private extensionsDecl(msg: MessageDescriptor): void {
    do {
      const from = this.intLiteral('in extensions', false);
      let to = from;
      if (this.isKeyword('to')) {
        this.next();
        if (this.isKeyword('max')) {
          this.next();
          to = MAX_FIELD_NUMBER;
        } else to = this.intLiteral("after 'to'", false);
      }
      msg.extensionRanges.push([from, to]);
    } while (this.trySymbol(','));
    this.bracketOptions(Object.create(null));
    this.expectSymbol(';', 'after extensions');
  }

  /** `extend Foo { fields }`: kept on the scope's `extensions` so files using custom options load. */
  private extend(scope: Scope): void {
    const t = this.peek();
    const extendee = this.fullIdent('the extended message');
    const holder = new MessageDescriptor(extendee, scope.fullName, this.file, this.loc(t));
    this.expectSymbol('{', `to open extend ${extendee}`);
    for (;;) {
      const f = this.peek();
      if (this.trySymbol('}')) break;
      if (this.trySymbol(';')) continue;
      if (f.kind === 'eof') this.fail(f, `extend ${extendee} is missing its closing '}'`);
      this.field(holder, scope, undefined);
    }
    // Groups declared inside an extend block become nested types of the enclosing scope.
    scope.messages.push(...holder.messages);
  }

  /** Duplicate numbers/names and reserved conflicts, reported at the later declaration. */
  private checkMessage(msg: MessageDescriptor): void {
    const numbers = new Map<number, FieldDescriptor>();
    const names = new Set<string>();
    for (const f of msg.fields) {
      const prior = numbers.get(f.number);
      if (prior)
        this.fail(f.location, `field number ${f.number} is used by both ${prior.name} and ${f.name}`);
      numbers.set(f.number, f);
      if (names.has(f.name)) this.fail(f.location, `field name ${f.name} is declared twice in ${msg.name}`);
      names.add(f.name);
      for (const [from, to] of msg.reservedRanges) {
        if (f.number >= from && f.number <= to) {
          this.fail(f.location, `field ${f.name} uses number ${f.number}, which ${msg.name} reserves`);
        }
      }
      if (msg.reservedNames.includes(f.name))
        this.fail(f.location, `field name ${f.name} is reserved in ${msg.name}`);
    }
    msg.index();
  }

  // --- enums ---------------------------------------------------------------------------------------

  private enumDecl(scope: Scope, where: SourceLocation): void {
    const nameTok = this.expectIdent('an enum name');
    const e = new EnumDescriptor(nameTok.text, this.qualify(scope, nameTok.text), where);
    e.closed = this.file.syntax === 'proto2';
    scope.enums.push(e);
    this.expectSymbol('{', `to open enum ${e.name}`);
    for (;;) {
      const t = this.peek();
      if (this.trySymbol('}')) break;
      if (this.trySymbol(';')) continue;
      if (t.kind === 'eof') this.fail(t, `enum ${e.name} is missing its closing '}'`);
      if (this.isKeyword('option')) {
        this.next();
        this.optionStatement(e.options);
        continue;
      }
      if (this.isKeyword('reserved')) {
        this.next();
        this.reserved(e.reservedRanges, e.reservedNames, INT32_MAX, true);
        continue;
      }
      const vTok = this.expectIdent(`an enum value name in ${e.name}`);
      this.expectSymbol('=', `after enum value ${vTok.text}`);
      const numTok = this.peek();
      const number = this.intLiteral(`for enum value ${vTok.text}`, true);
      if (number < -0x80000000 || number > INT32_MAX)
        this.fail(numTok, `enum value ${number} does not fit in int32`);
      const options: Options = Object.create(null);
      this.bracketOptions(options);
      this.expectSymbol(';', `after enum value ${vTok.text}`);
      if (e.values.length === 0 && this.file.syntax === 'proto3' && number !== 0) {
        this.fail(numTok, `the first value of a proto3 enum must be 0 (${e.name}.${vTok.text} is ${number})`);
      }
      if (e.byName.has(vTok.text)) this.fail(vTok, `enum value ${vTok.text} is declared twice in ${e.name}`);
      const v = { name: vTok.text, number, options };
      e.values.push(v);
      e.byName.set(v.name, v);
      if (e.byNumber.has(number)) {
        if (e.options.allow_alias !== true) {
          this.fail(
            numTok,
            `${vTok.text} reuses number ${number} of ${e.byNumber.get(number)!.name}: set option allow_alias = true`,
          );
        }
      } else e.byNumber.set(number, v);
      for (const [from, to] of e.reservedRanges) {
        if (number >= from && number <= to)
          this.fail(numTok, `enum value ${vTok.text} uses reserved number ${number}`);
      }
      if (e.reservedNames.includes(v.name)) this.fail(vTok, `enum value name ${v.name} is reserved`);
    }
    if (e.values.length === 0) this.fail(nameTok, `enum ${e.name} must have at least one value`);
  }

  // --- services ------------------------------------------------------------------------------------

  private service(scope: Scope): void {
    const nameTok = this.expectIdent('a service name');
    const s = new ServiceDescriptor(nameTok.text, this.qualify(scope, nameTok.text), this.loc(nameTok));
    this.file.services.push(s);
    this.expectSymbol('{', `to open service ${s.name}`);
    for (;;) {
      const t = this.peek();
      if (this.trySymbol('}')) break;
      if (this.trySymbol(';')) continue;
      if (t.kind === 'eof') this.fail(t, `service ${s.name} is missing its closing '}'`);
      if (this.isKeyword('option')) {
        this.next();
        this.optionStatement(s.options);
        continue;
      }
      this.expectKeyword('rpc', `in service ${s.name}`);
      s.methods.push(this.rpc());
    }
  }

  private rpc(): MethodDescriptor {
    const nameTok = this.expectIdent('an rpc name');
    const side = (what: string) => {
      this.expectSymbol('(', `before the ${what} type of rpc ${nameTok.text}`);
      let streaming = false;
      // `stream` is only a keyword when a type name follows it.
      if (this.isKeyword('stream')) {
        this.next();
        if (this.trySymbol(')')) return { streaming: false, type: 'stream' };
        streaming = true;
      }
      const type = this.fullIdent(`the ${what} type of rpc ${nameTok.text}`);
      this.expectSymbol(')', `after the ${what} type of rpc ${nameTok.text}`);
      return { streaming, type };
    };
    const input = side('request');
    this.expectKeyword('returns', `after the request type of rpc ${nameTok.text}`);
    const output = side('response');
    const options: Options = Object.create(null);
    if (this.trySymbol('{')) {
      for (;;) {
        const t = this.peek();
        if (this.trySymbol('}')) break;
        if (this.trySymbol(';')) continue;
        if (t.kind === 'eof') this.fail(t, `rpc ${nameTok.text} is missing its closing '}'`);
        this.expectKeyword('option', `in rpc ${nameTok.text}`);
        this.optionStatement(options);
      }
    } else this.expectSymbol(';', `after rpc ${nameTok.text}`);
    return {
      name: nameTok.text,
      inputTypeName: input.type,
      outputTypeName: output.type,
      inputType: undefined,
      outputType: undefined,
      clientStreaming: input.streaming,
      serverStreaming: output.streaming,
      options,
      location: this.loc(nameTok),
    };
  }
}
