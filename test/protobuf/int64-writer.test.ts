import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WireReader, WireWriter } from '../../src/protobuf/index.js';

// The writer splits 64-bit values into 32-bit words through a typed array and zigzags the words; these
// check that against plain bigint arithmetic, with the boundaries weighted in.
function referenceVarint(u: bigint): number[] {
  const out: number[] = [];
  while (u > 0x7fn) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

const edges = [
  0n,
  1n,
  -1n,
  2n ** 31n,
  -(2n ** 32n),
  2n ** 52n,
  2n ** 53n,
  2n ** 63n - 1n,
  -(2n ** 63n),
].flatMap((e) => [e - 1n, e, e + 1n]);
const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(...edges.filter((e) => e >= -(2n ** 63n) && e < 2n ** 63n)),
);

test('int64 and sint64 write the same varints as bigint arithmetic, and read back', () => {
  fc.assert(
    fc.property(int64, (v) => {
      const w = new WireWriter(4);
      w.int64(v);
      assert.deepEqual([...w.finish()], referenceVarint(BigInt.asUintN(64, v)));
      w.sint64(v);
      const zigzag = v >= 0n ? v * 2n : -v * 2n - 1n;
      const bytes = w.finish();
      assert.deepEqual([...bytes], referenceVarint(zigzag));
      assert.equal(new WireReader(bytes).sint64(), v);
    }),
    { numRuns: 3000 },
  );
});

test('uint64 values above 2^63 take the bigint path', () => {
  const w = new WireWriter();
  w.uint64(2n ** 64n - 1n);
  const bytes = w.finish();
  assert.deepEqual([...bytes], referenceVarint(2n ** 64n - 1n));
  assert.equal(new WireReader(bytes).uint64(), 2n ** 64n - 1n);
});
