import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchError } from '../../src/bench/errors.js';
import { formatRespCompare, parseRedisBenchmarkOutput, runRespCase } from '../../src/bench/resp-compare.js';

test("redis-benchmark's -q output (with its \\r progress lines) is read per test", () => {
  const out =
    'PING_INLINE: rps=0.0 (overall: -nan) avg_msec=-nan\r PING_INLINE: 46296.30 requests per second, p50=0.199 msec\n' +
    'SET: rps=20284.0 (overall: 55725.3)\r SET: 49627.79 requests per second, p50=0.191 msec\n';
  assert.deepEqual(parseRedisBenchmarkOutput(out), { PING_INLINE: 46296.3, SET: 49627.79 });
  assert.throws(() => parseRedisBenchmarkOutput('Could not connect'), BenchError);
});

test('one redis-benchmark case against wirestack resp and against redis-server gives sane figures', async () => {
  for (const server of ['wirestack', 'redis-server'] as const) {
    const r = await runRespCase(server, 16, 20_000, false);
    assert.deepEqual(Object.keys(r.opsPerSec).sort(), ['GET', 'PING_INLINE', 'PING_MBULK', 'SET']);
    for (const v of Object.values(r.opsPerSec))
      assert.ok(v > 1000, `${server}: ${JSON.stringify(r.opsPerSec)}`);
    assert.ok(r.serverCpuUsPerOp > 0 && r.serverCpuUsPerOp < 1000, `${server}: ${r.serverCpuUsPerOp} µs/op`);
  }
  const row = await runRespCase('wirestack', 1, 2000, false);
  assert.match(
    formatRespCompare([{ pipeline: 1, ours: [row], redis: [row] }]),
    /\| 1 \| SET \| [\d,]+ \| [\d,]+ \| 1\.00x/,
  );
});
