import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram } from '../../src/bench/histogram.js';
import { OpenLoopScheduler } from '../../src/bench/open-loop-scheduler.js';

test('intended send times are evenly spaced at 1/rate from the start', () => {
  const plan = new OpenLoopScheduler(1000, 500); // 1 request per ms, starting at t=500
  assert.equal(plan.intendedTime(0), 500);
  assert.equal(plan.intendedTime(1), 501);
  assert.equal(plan.intendedTime(2500), 3000);
  assert.equal(plan.dueBy(499), 0);
  assert.equal(plan.dueBy(500), 1);
  assert.equal(plan.dueBy(509.5), 10);
});

test('the backlog grows while nothing is sent and shrinks as requests go out', () => {
  const plan = new OpenLoopScheduler(100, 0); // every 10 ms
  assert.equal(plan.backlog(95), 10);
  plan.markSent(4);
  assert.equal(plan.sent, 4);
  assert.equal(plan.backlog(95), 6);
  assert.equal(plan.msUntilNext(35), 5);
  plan.markSent(2); // never goes backwards
  assert.equal(plan.sent, 4);
});

test('a bad rate is refused', () => {
  assert.throws(() => new OpenLoopScheduler(0, 0), RangeError);
  assert.throws(() => new OpenLoopScheduler(Number.NaN, 0), RangeError);
});

/**
 * Simulate one connection to a server that answers in 1 ms, except for a 1-second stall, at 100
 * req/s for 10 s: the generator can only send when the previous response is back. Latency measured
 * from the actual send hides the stall ("coordinated omission"); from the intended time it shows.
 */
function simulate(): { corrected: Histogram; naive: Histogram } {
  const plan = new OpenLoopScheduler(100, 0);
  const corrected = new Histogram();
  const naive = new Histogram();
  const serviceMs = (at: number) => (at >= 2000 && at < 3000 ? 3000 - at + 1 : 1);
  let now = 0;
  for (let i = 0; i < 1000; i++) {
    const sendAt = Math.max(now, plan.intendedTime(i));
    const doneAt = sendAt + serviceMs(sendAt);
    plan.markSent(i + 1);
    corrected.record(plan.correctedLatency(i, doneAt) * 1000); // µs
    naive.record((doneAt - sendAt) * 1000);
    now = doneAt;
  }
  return { corrected, naive };
}

test('latency from the intended time charges a stall to every request that waited on it', () => {
  const { corrected, naive } = simulate();
  // 100 of 1000 requests were due during the 1 s stall: p95 must see it, and the max is ~1 s.
  assert.ok(corrected.valueAtPercentile(95) > 400_000, `corrected p95 ${corrected.valueAtPercentile(95)} µs`);
  assert.ok(corrected.max >= 999_000);
  // Measured from the actual send only the one stalled request is slow: p99 looks like 1 ms.
  assert.ok(naive.valueAtPercentile(99) <= 1_001, `naive p99 ${naive.valueAtPercentile(99)} µs`);
  assert.ok(naive.max >= 999_000);
});
