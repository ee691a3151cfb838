// `wirestack bench http-compare`: wrk against our HTTP/1.1 server and the node:http baseline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { formatHttpCompare, runHttpCompare, startHttpServer } from '../../src/bench/http-compare.js';

const run = promisify(execFile);

test('the node:http baseline answers the same bodies as wirestack http', async (t) => {
  const ours = await startHttpServer('wirestack', false);
  t.after(() => ours.stop());
  const node = await startHttpServer('node:http', false);
  t.after(() => node.stop());
  for (const path of ['/', '/items/1', '/items/3']) {
    const get = async (port: number) =>
      (await run('curl', ['-sS', '--max-time', '10', '-i', `http://127.0.0.1:${port}${path}`])).stdout;
    const [a, b] = [await get(ours.port), await get(node.port)];
    assert.equal(a.split('\r\n\r\n')[1], b.split('\r\n\r\n')[1], path);
    for (const text of [a, b]) {
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /\r\ndate: /i);
      assert.match(text, /\r\ncontent-length: \d+\r\n/i);
    }
  }
});

test('one short http-compare round gives figures for both servers and a table with ratios', {
  timeout: 60_000,
}, async () => {
  await run('which', ['wrk']).catch(() => assert.fail('wrk is not on PATH: apt-get install -y wrk'));
  const rows = await runHttpCompare({
    durationS: 1,
    rounds: 1,
    pin: false,
    cases: [{ name: 'hello, 8 conn', path: '/', connections: 8 }],
  });
  assert.equal(rows.length, 1);
  for (const r of [...rows[0].ours, ...rows[0].node]) {
    assert.ok(r.requests > 100, `${r.server}: ${r.requests} requests`);
    assert.equal(r.errors, 0, r.server);
    assert.ok(
      r.serverCpuUsPerReq > 0 && r.serverCpuUsPerReq < 10_000,
      `${r.server} cpu/req ${r.serverCpuUsPerReq}`,
    );
    assert.ok(r.p99Ms >= r.p50Ms);
  }
  const table = formatHttpCompare(rows);
  assert.match(
    table,
    /\| hello, 8 conn \| [\d,]+ \| [\d,]+ \| [\d.]+x \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+x \| 0 \|/,
  );
});

test('busy runs are flagged and a quiet-runs-only table follows', () => {
  const run = (server: 'wirestack' | 'node:http', reqPerSec: number, waitMs: number) => ({
    server,
    requests: reqPerSec * 5,
    reqPerSec,
    p50Ms: 0.5,
    p75Ms: 0.7,
    p90Ms: 0.9,
    p99Ms: 2,
    errors: 0,
    serverCpuUsPerReq: server === 'wirestack' ? 6 : 12,
    serverRunQueueWaitMs: waitMs,
  });
  const c = { name: 'hello', path: '/', connections: 64 };
  const text = formatHttpCompare([
    {
      case: c,
      ours: [run('wirestack', 150_000, 10), run('wirestack', 60_000, 1500)],
      node: [run('node:http', 70_000, 20), run('node:http', 30_000, 1500)],
    },
  ]);
  assert.match(text, /\| hello \| 105,000 \| 50,000 \| 2\.10x \|/);
  assert.match(text, /warning: the servers waited for a CPU 15% of the time/);
  assert.match(
    text,
    /Only the runs in which the server waited for a CPU under 5% of the time \(hello: 1 \+ 1 runs\)/,
  );
  assert.match(text, /\| hello \| 150,000 \| 70,000 \| 2\.14x \|/);
});
