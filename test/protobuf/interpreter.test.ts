import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

// The codec compiles an encoder and a decoder per message type; where eval is disabled it interprets the
// schema instead. Run the cross-checks and codec tests that way too, so both paths stay equivalent.
test('with eval disabled the interpreter passes the protoc cross-checks and the codec tests', () => {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // run as a top-level test process, not as a child reporting to this one
  const r = spawnSync(
    process.execPath,
    [
      '--disallow-code-generation-from-strings',
      '--test',
      '--test-reporter=dot',
      'dist/test/protobuf/protoc.test.js',
      'dist/test/protobuf/codec.test.js',
    ],
    { env, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /\./);
});
