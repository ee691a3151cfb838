import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateTypeScript, loadProtoSchema, ProtoSchema } from '../../src/protobuf/index.js';
import { FIXTURES, protocDecode } from './protoc-oracle.js';

const FILES = ['all_types.proto', 'service.proto', 'proto2.proto', 'well_known.proto'];
const schema = loadProtoSchema(
  FILES.map((f) => `${FIXTURES}/${f}`),
  { includePaths: [FIXTURES] },
);
const dir = mkdtempSync(join(tmpdir(), 'wirestack-codegen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const runtime = resolve('dist/src/protobuf/index.js');
for (const f of FILES) {
  const source = generateTypeScript(schema, f, {
    runtimeImport: runtime,
    readSource: (name) => readFileSync(join(FIXTURES, name), 'utf8'),
  });
  writeFileSync(join(dir, f.replace(/\.proto$/, '.ts')), source);
}

// Code written against the generated types: must compile, and each @ts-expect-error line must be an
// error, so the types are checked to reject what the codec would reject.
writeFileSync(
  join(dir, 'usage.ts'),
  `import { wstest_AllTypes, wstest_Color, Probe, type Recursive } from './service.js';
import { Legacy, Level } from './proto2.js';
export const ok = wstest_AllTypes.create({ fInt64: 1n, fEnum: wstest_Color.NEGATIVE, oString: 'x' });
export const rec: Recursive = { value: 1, child: { value: 2 } };
export const legacy = Legacy.create({ id: 1, level: Level.HIGH });
export const path: '/wstest.svc.Probe/Unary' = Probe.methods.unary.path;
export const server: Probe = {
  unary: async (req) => ({ a: req.a + 1, b: req.b }),
  serverStream: async function* () {},
  clientStream: async () => ({}),
  bidi: async function* (reqs) { for await (const r of reqs) yield r; },
};
// @ts-expect-error 64-bit fields are bigint
export const badInt: Partial<wstest_AllTypes> = { fInt64: 1 };
// @ts-expect-error at most one member of a oneof
export const badOneof: wstest_AllTypes = { ...ok, oString: 'a', oInt32: 1 };
// @ts-expect-error bytes are Uint8Array
export const badBytes: Partial<wstest_AllTypes> = { fBytes: 'abc' };
// @ts-expect-error proto2 required fields are required
export const badRequired: Legacy = { values: [], packedValues: [], levels: [] };
`,
);

test('generated modules type-check under strict tsc and compile', () => {
  const r = spawnSync(
    'node_modules/.bin/tsc',
    [
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--skipLibCheck',
      '--types',
      'node',
      '--typeRoots',
      resolve('node_modules/@types'),
      ...FILES.map((f) => join(dir, f.replace(/\.proto$/, '.ts'))),
      join(dir, 'usage.ts'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});

const load = (name: string) => import(pathToFileURL(join(dir, name)).href);

test('generated and reflection codecs give identical bytes, and protoc reads them', async () => {
  const gen = await load('all_types.js');
  const reflect = schema.message('wstest.AllTypes');
  const value = {
    fDouble: -0.5,
    fInt64: -(2n ** 63n),
    fUint64: 2n ** 64n - 1n,
    fInt32: -1,
    fBool: true,
    fString: 'héllo, 世界 🎉',
    fBytes: Uint8Array.of(0, 255),
    fEnum: gen.Color.NEGATIVE,
    fSint64: -3n,
    fNested: { a: 1, b: 'n', child: { a: 2, b: '' } },
    rInt32: [1, -2, 300],
    rSint64: [-1n, 1n],
    rEnum: [1, -7],
    rNested: [{ a: 5, b: 'x' }],
    mStringInt32: new Map([['k', 1]]),
    oNested: { a: 9, b: 'o' },
    pInt32: 0,
    fMaxField: 7,
  };
  const fromGen: Uint8Array = gen.AllTypes.encode(gen.AllTypes.create(value));
  const fromReflect = reflect.encode(reflect.create(value));
  assert.deepEqual(fromGen, fromReflect);
  assert.ok(fromGen.length > 50);
  const text = protocDecode('all_types.proto', 'wstest.AllTypes', fromGen);
  assert.match(text, /f_int64: -9223372036854775808/);
  assert.match(text, /f_enum: NEGATIVE/);
  assert.match(text, /o_nested \{/);
  const back = gen.AllTypes.decode(fromReflect);
  assert.equal(back.fUint64, 2n ** 64n - 1n);
  assert.equal(back.fString, 'héllo, 世界 🎉');
  assert.deepEqual(reflect.encode(back), fromReflect);
});

test('generated modules cover proto2, well-known types and services', async () => {
  const p2 = await load('proto2.js');
  const legacy = p2.Legacy.create({ id: 3, level: p2.Level.HIGH, item: { x: 1 }, big: -5n });
  assert.deepEqual(p2.Legacy.encode(legacy), schema.message('wstest2.Legacy').encode(legacy));
  assert.deepEqual(Object.keys(p2.Level), ['LOW', 'HIGH']);

  const wk = await load('well_known.js');
  const json = { ts: '2024-01-02T03:04:05.500Z', dur: '1.500s', i64: '-7' };
  const msg = wk.WellKnown.fromJson(json);
  assert.deepEqual(JSON.parse(JSON.stringify(wk.WellKnown.toJson(msg))), json);
  assert.deepEqual(wk.WellKnown.encode(msg), schema.message('wstest.wkt.WellKnown').encode(msg));

  const svc = await load('service.js');
  assert.deepEqual(
    Object.values(svc.Probe.methods).map((m) => {
      const x = m as { path: string; clientStreaming: boolean; serverStreaming: boolean };
      return [x.path, x.clientStreaming, x.serverStreaming];
    }),
    [
      ['/wstest.svc.Probe/Unary', false, false],
      ['/wstest.svc.Probe/ServerStream', false, true],
      ['/wstest.svc.Probe/ClientStream', true, false],
      ['/wstest.svc.Probe/Bidi', true, true],
    ],
  );
  assert.equal(svc.Probe.methods.serverStream.responseType.fullName, 'wstest.AllTypes');
  assert.equal(svc.Scoped_Inner_Kind.BIG, 1);
});

test('generated names that would collide are an error naming both types', () => {
  const s = ProtoSchema.fromSources({
    'c.proto': 'syntax = "proto3"; package p; message A_B {} message A { message B {} }',
  });
  assert.throws(
    () => generateTypeScript(s, 'c.proto', { readSource: () => '' }),
    /p\.A\.B and p\.A_B would both be named A_B/,
  );
  assert.throws(
    () => generateTypeScript(s, 'd.proto', { readSource: () => '' }),
    /d\.proto is not a loaded file/,
  );
});

test('type names that would shadow globals or keywords get a suffix', () => {
  const text = 'syntax = "proto3"; package p; message Map { int64 x = 1; } message delete { Map m = 1; }';
  const out = generateTypeScript(ProtoSchema.fromSources({ 'k.proto': text }), 'k.proto', {
    readSource: () => text,
  });
  assert.match(out, /export interface Map_ \{\n {2}x: bigint;/);
  assert.match(out, /export interface delete_ \{\n {2}m\?: Map_;/);
});
