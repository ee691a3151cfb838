import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  FieldType,
  loadProtoSchema,
  type MessageDescriptor,
  ProtoParser,
  ProtoSchema,
  ProtoSyntaxError,
} from '../../src/protobuf/index.js';
import { FIXTURES } from './protoc-oracle.js';

const FILES = ['all_types.proto', 'proto2.proto', 'service.proto'];

test('parses the fixtures into the same descriptors as protoc (checked with our own codec)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'wirestack-protoc-')), 'set.pb');
  const r = spawnSync('protoc', [
    `-I${FIXTURES}`,
    '--include_imports',
    `--descriptor_set_out=${out}`,
    ...FILES.map((f) => `${FIXTURES}/${f}`),
  ]);
  assert.equal(r.status, 0, r.stderr?.toString());
  const setBytes = new Uint8Array(readFileSync(out));
  rmSync(out);
  // descriptor.proto itself, parsed by our parser from /usr/include, decodes protoc's output.
  const meta = loadProtoSchema(['google/protobuf/descriptor.proto'], { includePaths: [] });
  const set = meta.message('google.protobuf.FileDescriptorSet').decode(setBytes);
  const ours = loadProtoSchema(
    FILES.map((f) => `${FIXTURES}/${f}`),
    { includePaths: [FIXTURES] },
  );
  // biome-ignore lint/suspicious/noExplicitAny: decoded descriptor protos are dynamically shaped
  type D = Record<string, any>;
  let checkedFields = 0;
  const checkMessage = (d: D, m: MessageDescriptor) => {
    assert.equal(m.name, d.name);
    assert.deepEqual(
      m.messages.map((x) => x.name).sort(),
      (d.nestedType as D[]).map((x) => x.name).sort(),
      `nested types of ${m.fullName}`,
    );
    assert.equal(m.isMapEntry, d.options?.mapEntry === true, `map entry ${m.fullName}`);
    for (const fd of d.field as D[]) {
      const f = m.field(fd.number)!;
      const where = `${m.fullName}.${fd.name}`;
      assert.ok(f, where);
      assert.equal(f.name, fd.name, where);
      assert.equal(f.type, fd.type, `${where} type`);
      assert.equal(f.repeated, fd.label === 3, `${where} repeated`);
      assert.equal(f.required, fd.label === 2, `${where} required`);
      assert.equal(f.jsonName, fd.jsonName, `${where} json name`);
      assert.equal(f.proto3Optional, fd.proto3Optional === true, `${where} proto3 optional`);
      if (fd.typeName)
        assert.equal(`.${(f.messageType ?? f.enumType)!.fullName}`, fd.typeName, `${where} type name`);
      if (!f.proto3Optional) {
        assert.equal(
          f.oneof?.name,
          fd.oneofIndex === undefined ? undefined : d.oneofDecl[fd.oneofIndex].name,
          where,
        );
      }
      checkedFields++;
    }
    assert.equal(m.fields.length, d.field.length, `field count of ${m.fullName}`);
    for (const nd of d.nestedType as D[]) checkMessage(nd, m.messages.find((x) => x.name === nd.name)!);
  };
  for (const file of set.file as D[]) {
    if (!FILES.includes(file.name)) continue;
    const pkg = file.package ? `${file.package}.` : '';
    for (const md of file.messageType as D[]) checkMessage(md, ours.messageDescriptor(pkg + md.name));
    for (const ed of file.enumType as D[]) {
      const e = ours.enumDescriptor(pkg + ed.name);
      assert.deepEqual(
        e.values.map((v) => [v.name, v.number]),
        (ed.value as D[]).map((v) => [v.name, v.number]),
      );
    }
    for (const sd of file.service as D[]) {
      const s = ours.service(pkg + sd.name);
      assert.deepEqual(
        s.methods.map((m) => [
          m.name,
          `.${m.inputTypeName}`,
          `.${m.outputTypeName}`,
          m.clientStreaming,
          m.serverStreaming,
        ]),
        (sd.method as D[]).map((m) => [
          m.name,
          m.inputType,
          m.outputType,
          m.clientStreaming === true,
          m.serverStreaming === true,
        ]),
      );
    }
  }
  assert.ok(checkedFields > 60, `only ${checkedFields} fields compared`);
});

test('proto3: repeated scalars are packed unless [packed = false]; proto2 only with [packed = true]', () => {
  const s = loadProtoSchema([`${FIXTURES}/all_types.proto`, `${FIXTURES}/proto2.proto`], {
    includePaths: [FIXTURES],
  });
  const all = s.messageDescriptor('wstest.AllTypes');
  assert.equal(all.fieldByName('r_int32')!.packed, true);
  assert.equal(all.fieldByName('r_enum')!.packed, true);
  assert.equal(all.fieldByName('r_int32_unpacked')!.packed, false);
  assert.equal(all.fieldByName('r_string')!.packed, false);
  assert.equal(all.fieldByName('r_nested')!.packed, false);
  const legacy = s.messageDescriptor('wstest2.Legacy');
  assert.equal(legacy.fieldByName('values')!.packed, false);
  assert.equal(legacy.fieldByName('packed_values')!.packed, true);
  assert.equal(legacy.fieldByName('item')!.type, FieldType.GROUP);
  assert.equal(legacy.fieldByName('name')!.options.default, 'anon');
  const defaults = ['name', 'big', 'ratio', 'raw', 'preferred', 'small'].map(
    (n) => legacy.fieldByName(n)!.declaredDefault,
  );
  assert.deepEqual(defaults, ['anon', -(2n ** 63n), -Infinity, Uint8Array.of(1, 0x78, 0xff), 2, 16]);
});

test('presence: proto3 optional, messages and oneof members are explicit; proto3 scalars implicit', () => {
  const s = loadProtoSchema([`${FIXTURES}/all_types.proto`], { includePaths: [FIXTURES] });
  const all = s.messageDescriptor('wstest.AllTypes');
  for (const name of ['p_int32', 'f_nested', 'o_int32', 'f_timestamp'])
    assert.equal(all.fieldByName(name)!.explicitPresence, true, name);
  for (const name of ['f_int32', 'f_string', 'f_enum'])
    assert.equal(all.fieldByName(name)!.explicitPresence, false, name);
});

test('scoping: names resolve from the innermost scope outwards, a leading dot is absolute', () => {
  const s = ProtoSchema.fromSources({
    'a.proto': `syntax = "proto3"; package a.b;
      message T { int32 outer = 1; }
      message M {
        message T { int32 inner = 1; }
        T near = 1;        // M.T
        .a.b.T far = 2;    // the package-level T
        b.T via_pkg = 3;   // a.b.T through the enclosing package a
      }`,
  });
  const m = s.messageDescriptor('a.b.M');
  assert.equal(m.fieldByName('near')!.messageType!.fullName, 'a.b.M.T');
  assert.equal(m.fieldByName('far')!.messageType!.fullName, 'a.b.T');
  assert.equal(m.fieldByName('via_pkg')!.messageType!.fullName, 'a.b.T');
});

test('imports: well-known types come from the bundled copy when no include path has them', () => {
  const s = ProtoSchema.fromSources({
    'x.proto': `syntax = "proto3";
      import "google/protobuf/duration.proto"; import "google/protobuf/struct.proto";
      import public "google/protobuf/wrappers.proto";
      message X { google.protobuf.Duration d = 1; google.protobuf.Struct s = 2; google.protobuf.Int64Value w = 3; }`,
  });
  const X = s.message('X');
  const bytes = X.encode({ d: { seconds: 5n }, w: { value: -1n } });
  assert.deepEqual([...bytes.subarray(0, 4)], [0x0a, 0x02, 0x08, 0x05]);
  assert.equal((X.decode(bytes).w as { value: bigint }).value, -1n);
});

test('a message type called map is still a type when no < follows', () => {
  const s = ProtoSchema.fromSources({
    'm.proto':
      'syntax = "proto3"; message map { int32 x = 1; } message M { map plain = 1; map<string, map> real = 2; }',
  });
  const m = s.messageDescriptor('M');
  assert.equal(m.fieldByName('plain')!.messageType!.fullName, 'map');
  assert.equal(m.fieldByName('real')!.mapEntry!.fields[1].messageType!.fullName, 'map');
});

test('options: file, message, field, enum value and rpc options, including aggregates', () => {
  const file = new ProtoParser(
    `syntax = "proto3";
     option java_package = "com.x" "y";
     option (my.opt).sub = -inf;
     message M { option deprecated = true; int32 a = 1 [deprecated = true, json_name = "AAA", (x) = { a: 1 b: [1, 2] }]; }
     enum E { option allow_alias = true; Z = 0; ALIAS = 0 [(v) = 0x10]; }
     service S { rpc R (M) returns (M) { option idempotency_level = NO_SIDE_EFFECTS; } }`,
    'o.proto',
  ).parse();
  assert.equal(file.options.java_package, 'com.xy');
  assert.equal(file.options['(my.opt).sub'], -Infinity);
  const m = file.messages[0];
  assert.equal(m.options.deprecated, true);
  assert.equal(m.fields[0].jsonName, 'AAA');
  assert.deepEqual(m.fields[0].options['(x)'], { aggregate: 'a : 1 b : [ 1 , 2 ]' });
  assert.equal(file.enums[0].values[1].options['(v)'], 16);
  assert.deepEqual(file.services[0].methods[0].options.idempotency_level, { identifier: 'NO_SIDE_EFFECTS' });
});

test('reserved ranges and names are recorded', () => {
  const s = loadProtoSchema([`${FIXTURES}/service.proto`], { includePaths: [FIXTURES] });
  const m = s.messageDescriptor('wstest.svc.Scoped');
  assert.deepEqual(m.reservedRanges, [
    [5, 5],
    [9, 11],
    [100, 536870911],
  ]);
  assert.deepEqual(m.reservedNames, ['old_name']);
});

/** Parses `src` as x.proto and expects a ProtoSyntaxError at line:column whose message matches. */
function expectError(
  src: string,
  line: number,
  column: number,
  message: RegExp,
  extra: Record<string, string> = {},
) {
  assert.throws(
    () => ProtoSchema.fromSources({ 'x.proto': src, ...extra }),
    (e) => {
      assert.ok(e instanceof ProtoSyntaxError, String(e));
      assert.equal(`${e.file}:${e.line}:${e.column}`, `x.proto:${line}:${column}`, e.message);
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(`x.proto:${line}:${column}: `));
      return true;
    },
  );
}

const P3 = 'syntax = "proto3";\n';

test('errors: file:line:column and a message that says what to do', () => {
  expectError(`${P3}message A { int32 a = 1 }`, 2, 25, /expected ';' after field a, found '}'/);
  expectError(
    `${P3}message A {\n  int32 a = 0;\n}`,
    3,
    13,
    /field number 0 is out of range: use 1 to 536870911/,
  );
  expectError(`${P3}message A { int32 a = 19500; }`, 2, 23, /19000 to 19999 are reserved/);
  expectError(
    `${P3}message A { int32 a = 1; string b = 1; }`,
    2,
    33,
    /field number 1 is used by both a and b/,
  );
  expectError(`${P3}message A { reserved 3 to 5; int32 a = 4; }`, 2, 36, /uses number 4, which A reserves/);
  expectError(`${P3}message A { reserved "a"; int32 a = 1; }`, 2, 33, /field name a is reserved/);
  expectError(
    `${P3}message A { Missing m = 1; }`,
    2,
    21,
    /unknown type Missing for field m: define it or import/,
  );
  expectError(`${P3}message A { required int32 a = 1; }`, 2, 13, /proto3 has no 'required' fields/);
  expectError(`${P3}enum E { ONE = 1; }`, 2, 16, /first value of a proto3 enum must be 0/);
  expectError(`${P3}enum E { A = 0; B = 0; }`, 2, 21, /reuses number 0 of A: set option allow_alias = true/);
  expectError(
    `${P3}message A { map<double, int32> m = 1; }`,
    2,
    17,
    /map keys must be an integer type, bool or string/,
  );
  expectError(
    `${P3}import "nope.proto";`,
    2,
    8,
    /cannot find import "nope.proto".*add its directory with -I/,
  );
  expectError(
    `${P3}message A { string s = 1 [default = "x"]; }`,
    2,
    20,
    /proto3 fields cannot have a default/,
  );
  expectError(
    `${P3}message A { oneof o { repeated int32 a = 1; } }`,
    2,
    23,
    /fields in oneof o cannot be repeated/,
  );
  expectError('syntax = "proto4";', 1, 10, /unknown syntax "proto4"/);
  expectError('edition = "2023";', 1, 1, /editions are not supported/);
  expectError(`${P3}message A { string s = 1 [json_name = "unterminated]; }`, 2, 39, /unterminated string/);
  expectError(`${P3}/* never closed`, 2, 1, /unterminated \/\* comment/);
  expectError(`${P3}message A { int32 a = 1; `, 2, 26, /message A is missing its closing '}'/);
  expectError(`${P3}message A {}\nmessage A {}`, 3, 1, /A is already defined at x.proto:2/);
  expectError('syntax = "proto2";\nmessage A { int32 a = 1; }', 2, 13, /proto2 fields need a label/);
  expectError(
    `${P3}service S { rpc R (A) returns (A); }\nmessage A {}\nenum E { Z = 0; }\nservice T { rpc R (E) returns (A); }`,
    5,
    17,
    /E is not a message type/,
  );
  expectError(
    `${P3}message A { map<string, map<string, int32>> m = 1; }`,
    2,
    13,
    /map values cannot be maps/,
  );
  expectError(
    'syntax = "proto2";\nmessage A { optional int32 a = 1 [default = 2147483648]; }',
    2,
    28,
    /default value of a 2147483648 is out of range/,
  );
  expectError(
    'syntax = "proto2";\nenum E { X = 1; }\nmessage A { optional E e = 1 [default = Y]; }',
    3,
    24,
    /must name a value of E/,
  );
  expectError(`${P3}message A { int32 1a = 1; }`, 2, 19, /unexpected 'a' after number 1/);
});

test('errors: an import cycle names the whole chain', () => {
  assert.throws(
    () =>
      ProtoSchema.fromSources({ 'x.proto': `${P3}import "y.proto";`, 'y.proto': `${P3}import "x.proto";` }),
    (e) =>
      e instanceof ProtoSyntaxError &&
      e.code === 'EPROTOIMPORT' &&
      e.message === 'y.proto:2:8: import cycle: x.proto -> y.proto -> x.proto',
  );
});

test('errors: a ProtoSyntaxError carries a stable code', () => {
  try {
    new ProtoParser('message', 'z.proto').parse();
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof ProtoSyntaxError);
    assert.equal(e.code, 'EPROTOSYNTAX');
    assert.equal(e.message, 'z.proto:1:8: expected a message name, found end of file');
  }
});

test('parser never throws anything but ProtoSyntaxError on mangled fixtures', () => {
  const src = readFileSync(`${FIXTURES}/all_types.proto`, 'utf8');
  // Cut the file at every 7th character: each prefix must fail cleanly or parse.
  for (let n = 0; n < src.length; n += 7) {
    try {
      new ProtoParser(src.slice(0, n), 'cut.proto').parse();
    } catch (e) {
      assert.ok(e instanceof ProtoSyntaxError, `at ${n}: ${e}`);
    }
  }
});

test('10k nested message declarations are a ProtoSyntaxError, not a stack overflow', () => {
  const deep = `${'message M {'.repeat(10_000)}${'}'.repeat(10_000)}`;
  assert.throws(
    () => new ProtoParser(deep, 'deep.proto').parse(),
    (e) => e instanceof ProtoSyntaxError && /nested deeper than maxNesting=100/.test(e.message),
  );
  const ok = `${'message M {'.repeat(100)}${'}'.repeat(100)}`;
  assert.doesNotThrow(() => new ProtoParser(ok, 'ok.proto').parse());
  assert.throws(() => new ProtoParser(ok, 'ok.proto', { maxNesting: 99 }).parse(), ProtoSyntaxError);
});

test('property: token soup never makes the parser or linker throw anything but ProtoSyntaxError', () => {
  const token = fc.constantFrom(
    'syntax',
    '=',
    '"proto3"',
    ';',
    'message',
    'M',
    '{',
    '}',
    'int32',
    'x',
    '1',
    'repeated',
    'map',
    '<',
    '>',
    ',',
    'oneof',
    'enum',
    'E',
    'option',
    '(',
    ')',
    '[',
    ']',
    '.',
    'service',
    'rpc',
    'returns',
    'stream',
    'reserved',
    'to',
    'max',
    'extend',
    'import',
    '"a.proto"',
    '-',
    '0x1f',
    '1.5e3',
    "'s'",
    '/*',
    '*/',
    '//',
    '\n',
    'group',
    'optional',
    'required',
    'package',
    'extensions',
    '"\\x"',
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
      try {
        ProtoSchema.fromSources({
          'soup.proto': tokens.join(' '),
          'a.proto': 'syntax = "proto3"; message M {}',
        });
      } catch (e) {
        assert.ok(e instanceof ProtoSyntaxError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});
