import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DecodeError,
  LimitExceeded,
  MsgpackDecoder,
  MsgpackEncoder,
  MsgpackStreamDecoder,
  NEED_MORE,
} from '../../src/codec/index.js';

test('the README example works through the public entry point', () => {
  const encoder = new MsgpackEncoder();
  const decoder = new MsgpackDecoder({ maxDepth: 32 });
  const bytes = encoder.encode({ id: 7, tags: ['a', 'b'], at: new Date(0) });
  assert.deepEqual({ ...(decoder.decode(bytes) as object) }, { id: 7, tags: ['a', 'b'], at: new Date(0) });

  const stream = new MsgpackStreamDecoder();
  stream.push(bytes.subarray(0, 5));
  assert.equal(stream.next(), NEED_MORE);
  stream.push(bytes.subarray(5));
  assert.equal((stream.next() as { id: number }).id, 7);

  assert.throws(() => decoder.decode(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])), LimitExceeded);
  assert.throws(() => decoder.decode(new Uint8Array([0xc1])), DecodeError);
});
