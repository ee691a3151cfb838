import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchError } from '../../src/bench/errors.js';
import { formatH2Compare, parseH2loadOutput, runH2Case } from '../../src/bench/h2load-compare.js';

const SAMPLE = `finished in 2.00s, 26236.00 req/s, 1.33MB/s
requests: 52472 total, 52504 started, 52472 done, 52470 succeeded, 2 failed, 0 errored, 0 timeout
status codes: 52472 2xx, 0 3xx, 0 4xx, 0 5xx
                     min         max         mean         sd        +/- sd
time for request:       51us     48.00ms      1.21ms      2.68ms    92.46%
`;

test("h2load's summary is read into figures, units included", () => {
  const f = parseH2loadOutput(SAMPLE);
  assert.equal(f.reqPerSec, 26236);
  assert.equal(f.bytesPerSec, 1.33 * 1024 * 1024);
  assert.equal(f.succeeded, 52470);
  assert.equal(f.failed, 2);
  assert.equal(f.maxLatencyMs, 48);
  assert.equal(f.meanLatencyMs, 1.21);
  assert.throws(() => parseH2loadOutput('connection refused'), BenchError);
});

test('one h2load case against our h2 server gives sane figures and the table renders', async () => {
  const r = await runH2Case('wirestack', { name: 'tiny', path: '/', clients: 2, streams: 4 }, 1, false);
  assert.equal(r.failed, 0);
  assert.ok(r.succeeded > 100, `succeeded ${r.succeeded}`);
  assert.ok(r.reqPerSec > 100);
  assert.ok(r.serverCpuUsPerReq > 0 && r.serverCpuUsPerReq < 10_000, `cpu/req ${r.serverCpuUsPerReq}`);
  const table = formatH2Compare([
    { case: { name: 'tiny', path: '/', clients: 2, streams: 4 }, ours: [r], node: [r] },
  ]);
  assert.match(table, /\| tiny \| [\d,]+ \| [\d,]+ \| 1\.00x \|/);
});
