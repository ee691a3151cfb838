import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { convert } from '../../src/cli/codec.js';
import { MsgpackEncoder } from '../../src/codec/msgpack-encoder.js';
import { anyValues, hex } from './msgpack-values.js';

test('codec CLI: MessagePack → JSON text → MessagePack gives back the same bytes', () => {
  const encoder = new MsgpackEncoder();
  fc.assert(
    fc.property(anyValues, (value) => {
      const bytes = encoder.encode(value);
      const json = convert('decode', 'msgpack', false, bytes);
      assert.equal(hex(convert('encode', 'msgpack', false, json)), hex(bytes));
      const hexJson = convert('decode', 'msgpack', true, new TextEncoder().encode(`${hex(bytes)}\n`));
      assert.deepEqual(hexJson, json);
    }),
    { numRuns: 200 },
  );
});

test('codec CLI: wirestack codec encode --hex and decode --hex through stdin and stdout', () => {
  const cli = (args: string[], input: string) =>
    spawnSync(process.execPath, ['dist/src/cli/main.js', 'codec', ...args], { input, encoding: 'utf8' });
  const enc = cli(['encode', '--hex'], '{"id": 7, "tags": ["a"]}');
  assert.equal(enc.status, 0, enc.stderr);
  assert.equal(enc.stdout, '82a2696407a47461677391a161\n');
  const dec = cli(['decode', '--hex'], enc.stdout);
  assert.equal(dec.status, 0, dec.stderr);
  assert.deepEqual(JSON.parse(dec.stdout), { id: 7, tags: ['a'] });
  const json = cli(['encode', '--format', 'json'], '{ "a" : [1, 2] }');
  assert.equal(json.stdout, '{"a":[1,2]}');
  const bad = cli(['decode', '--hex'], 'c1');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /reserved byte 0xc1 \(at offset 0\)/);
  const usage = cli(['encode', '--format', 'xml'], '{}');
  assert.equal(usage.status, 2);
});
