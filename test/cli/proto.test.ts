import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, protocDecode, protocEncode } from '../protobuf/protoc-oracle.js';

const CLI = 'dist/src/cli/main.js';

function wirestack(args: string[], input?: Uint8Array | string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const SCHEMA_ARGS = ['--proto', `${FIXTURES}/all_types.proto`, '-I', FIXTURES, '--type', 'wstest.AllTypes'];

const TEXT = `f_double: 1.5 f_int64: -9223372036854775808 f_uint64: 18446744073709551615 f_int32: -1
  f_bool: true f_string: "h\\303\\251llo \\360\\237\\216\\211" f_bytes: "\\000\\377" f_enum: NEGATIVE
  f_sint64: -3 f_nested { a: 1 child { b: "x" } } r_int32: [1, -2, 300] r_string: ["a", "b"]
  r_nested { a: 4 } o_int32: 0 p_string: "" f_max_field: 9`;

const JSON_FORM = {
  fDouble: 1.5,
  fInt64: '-9223372036854775808',
  fUint64: '18446744073709551615',
  fInt32: -1,
  fBool: true,
  fString: 'héllo 🎉',
  fBytes: 'AP8=',
  fEnum: 'NEGATIVE',
  fSint64: '-3',
  fNested: { a: 1, child: { b: 'x' } },
  rInt32: [1, -2, 300],
  rString: ['a', 'b'],
  rNested: [{ a: 4 }],
  oInt32: 0,
  pString: '',
  fMaxField: 9,
};

test('proto encode writes the bytes protoc --encode writes for the same message', () => {
  const r = wirestack(['proto', 'encode', ...SCHEMA_ARGS], JSON.stringify(JSON_FORM));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(new Uint8Array(r.stdout), protocEncode('all_types.proto', 'wstest.AllTypes', TEXT));
});

test('proto decode reads protoc --encode output back to the proto3 JSON form', () => {
  const bytes = protocEncode('all_types.proto', 'wstest.AllTypes', TEXT);
  const r = wirestack(['proto', 'decode', ...SCHEMA_ARGS], bytes);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.toString()), JSON_FORM);
});

test('encode then decode through the CLI round-trips maps, and protoc agrees on the bytes', () => {
  const json = {
    mStringInt32: { a: 1, b: -2 },
    mInt64String: { '-5': 'x' },
    mBoolNested: { true: { a: 3 } },
  };
  const enc = wirestack(['proto', 'encode', ...SCHEMA_ARGS], JSON.stringify(json));
  assert.equal(enc.status, 0, enc.stderr);
  const text = protocDecode('all_types.proto', 'wstest.AllTypes', new Uint8Array(enc.stdout));
  assert.match(text, /m_int64_string \{\n {2}key: -5\n {2}value: "x"\n\}/);
  const dec = wirestack(['proto', 'decode', ...SCHEMA_ARGS, '--proto-names'], enc.stdout);
  assert.equal(dec.status, 0, dec.stderr);
  assert.deepEqual(JSON.parse(dec.stdout.toString()), {
    m_string_int32: { a: 1, b: -2 },
    m_int64_string: { '-5': 'x' },
    m_bool_nested: { true: { a: 3 } },
  });
});

test('usage mistakes exit 2 with a --help hint; bad input exits 1 with the reason', () => {
  const noType = wirestack(['proto', 'encode', '--proto', `${FIXTURES}/all_types.proto`], '{}');
  assert.equal(noType.status, 2);
  assert.match(noType.stderr, /--type is required\nSee `wirestack proto --help`/);
  const unknown = wirestack(['proto', 'frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown proto subcommand "frobnicate"/);
  const badFlag = wirestack(['proto', 'decode', '--nope']);
  assert.equal(badFlag.status, 2);
  const badJson = wirestack(['proto', 'encode', ...SCHEMA_ARGS], '{"fInt32": "x"}');
  assert.equal(badJson.status, 1);
  assert.match(badJson.stderr, /fInt32/);
  const badType = wirestack(['proto', 'encode', ...SCHEMA_ARGS.slice(0, 4), '--type', 'wstest.Nope'], '{}');
  assert.equal(badType.status, 1);
  assert.match(badType.stderr, /no message type wstest\.Nope/);
  const truncated = wirestack(['proto', 'decode', ...SCHEMA_ARGS], Uint8Array.of(0x08, 0x96));
  assert.equal(truncated.status, 1);
  assert.match(truncated.stderr, /wirestack: /);
});

test('every proto subcommand has --help', () => {
  for (const sub of [[], ['encode'], ['decode'], ['gen'], ['bench']]) {
    const r = wirestack(['proto', ...sub, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout.toString(), new RegExp(`^Usage: wirestack proto${sub.length ? ` ${sub[0]}` : ''}`));
  }
  assert.match(wirestack(['--help']).stdout.toString(), /\n {2}proto {5}/);
});

test('proto gen writes one module per file, named by its path under the include directory', () => {
  const out = mkdtempSync(join(tmpdir(), 'wirestack-gen-cli-'));
  try {
    const r = wirestack(['proto', 'gen', `${FIXTURES}/service.proto`, '-I', FIXTURES, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(out, 'service.ts')));
    const text = readFileSync(join(out, 'service.ts'), 'utf8');
    assert.match(text, /from "wirestack\/protobuf";/);
    assert.match(text, /export interface Probe \{/);
    assert.equal(wirestack(['proto', 'gen', `${FIXTURES}/service.proto`]).status, 2);
    // Outside every include directory: written under its base name, not its absolute path.
    const abs = wirestack([
      'proto',
      'gen',
      resolve(FIXTURES, 'all_types.proto'),
      '-I',
      FIXTURES,
      '--out',
      out,
    ]);
    assert.equal(abs.status, 0, abs.stderr);
    assert.match(readFileSync(join(out, 'all_types.ts'), 'utf8'), /export interface Nested \{/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('proto bench measures all three libraries on the same bytes', () => {
  const r = wirestack(['proto', 'bench', '--only', 'small,nested', '--runs', '1', '--time', '0.01']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.toString().trim().split('\n');
  assert.match(lines[1], /wirestack +protobufjs +@bufbuild\/protobuf/);
  const rows = lines.slice(2);
  assert.equal(rows.length, 4);
  for (const row of rows) {
    assert.match(
      row,
      /^(small|nested) +\d+ (encode|decode) +[\d.]+[kM]? +[\d.]+[kM]? +[\d.]+[kM]? +[\d.]+x +[\d.]+x$/,
    );
  }
  assert.match(rows[0], /^small +34 /);
  assert.equal(wirestack(['proto', 'bench', '--only', 'huge']).status, 1);
});

test('bench protobuf and bench codec are the protobuf and MessagePack benchmarks under `wirestack bench`', () => {
  const proto = wirestack(['bench', 'protobuf', '--only', 'small', '--runs', '1', '--time', '0.01']);
  assert.equal(proto.status, 0, proto.stderr);
  assert.match(proto.stdout.toString(), /^small +34 encode /m);
  const codec = wirestack(['bench', 'codec', '--quick', '--only', 'wirestack', '--json']);
  assert.equal(codec.status, 0, codec.stderr);
  const rows = JSON.parse(codec.stdout.toString()) as { document: string; candidate: string }[];
  assert.deepEqual(
    rows.map((r) => `${r.document}/${r.candidate}`),
    ['small', 'medium', 'large', 'number-heavy', 'string-heavy'].map((d) => `${d}/wirestack`),
  );
  assert.match(wirestack(['bench', '--help']).stdout.toString(), /codec[\s\S]*compression[\s\S]*protobuf/);
});
