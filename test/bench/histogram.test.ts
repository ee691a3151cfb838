import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Histogram } from '../../src/bench/histogram.js';

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

/** The exact value at a percentile, with the same rank rule as the histogram (nearest rank). */
function exactPercentile(sorted: number[], p: number): number {
  if (p >= 100) return sorted[sorted.length - 1];
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

test('percentiles match a brute-force sort within the relative error bound', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(fc.nat(5000), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 10_000, max: 5e8 })),
        {
          minLength: 1,
          maxLength: 2000,
        },
      ),
      fc.constantFrom(7, 11),
      (values, bits) => {
        const h = new Histogram(bits);
        for (const v of values) h.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        for (const p of PERCENTILES) {
          const exact = exactPercentile(sorted, p);
          const got = h.valueAtPercentile(p);
          assert.ok(
            Math.abs(got - exact) <= exact * h.relativeError,
            `p${p}: got ${got}, exact ${exact}, bound ${h.relativeError}`,
          );
        }
        assert.equal(h.count, values.length);
        assert.equal(h.max, sorted[sorted.length - 1]);
        assert.equal(h.min, sorted[0]);
      },
    ),
    { numRuns: 200 },
  );
});

test('latency-like data (log-normal, ns) keeps p99.9 within 0.05% at 11 bits', () => {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed + 1) / (2 ** 31 + 1);
  };
  const values: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const normal = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
    values.push(Math.round(Math.exp(11 + normal))); // median ≈ 60 µs in ns
  }
  const h = new Histogram(11);
  for (const v of values) h.record(v);
  const sorted = values.sort((a, b) => a - b);
  for (const p of [50, 99, 99.9]) {
    const exact = exactPercentile(sorted, p);
    assert.ok(Math.abs(h.valueAtPercentile(p) - exact) / exact <= 0.0005, `p${p}`);
  }
});

test('values below 2^bits are exact', () => {
  const h = new Histogram(11);
  for (let v = 0; v < 2048; v++) h.record(v);
  assert.equal(h.valueAtPercentile(50), 1023);
  assert.equal(h.valueAtPercentile(0), 0);
  assert.equal(h.valueAtPercentile(100), 2047);
});

test('merge and snapshot round-trip give the same percentiles as recording everything in one', () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 1; i <= 5000; i++) {
    const v = (i * 7919) % 1_000_003;
    (i % 2 ? a : b).record(v);
    all.record(v);
  }
  const merged = Histogram.fromSnapshot(a.snapshot());
  merged.merge(Histogram.fromSnapshot(JSON.parse(JSON.stringify(b.snapshot()))));
  for (const p of PERCENTILES) assert.equal(merged.valueAtPercentile(p), all.valueAtPercentile(p));
  assert.equal(merged.count, all.count);
  assert.equal(merged.mean, all.mean);
});

test('an empty histogram reports zeros; a bad precision or mismatched merge is refused', () => {
  const h = new Histogram();
  assert.equal(h.valueAtPercentile(99), 0);
  assert.equal(h.count, 0);
  assert.equal(h.min, 0);
  assert.throws(() => new Histogram(1), RangeError);
  assert.throws(() => h.merge(new Histogram(7)), /cannot merge/);
});
