import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, startServerProcess } from '../support/processes.js';

function bench(args: string[]) {
  return spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('a 2-second closed-loop run against our echo server reports sane, non-zero figures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-bench-e2e-'));
  try {
    const html = join(dir, 'report.html');
    const r = bench([
      'echo',
      '--duration',
      '2',
      '--warmup',
      '0.3',
      '--connections',
      '4',
      '--json',
      '--html',
      html,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.kind, 'run');
    const run = report.run;
    assert.equal(run.target, 'echo');
    assert.ok(run.windowMs >= 1900 && run.windowMs < 3000, `window ${run.windowMs}`);
    assert.ok(run.requests > 1000, `requests ${run.requests}`);
    assert.ok(Math.abs(run.requestsPerSec - run.requests / (run.windowMs / 1000)) < 1);
    assert.equal(run.errors, 0);
    const l = run.latencyMs;
    assert.ok(
      l.p50 > 0 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max,
      JSON.stringify(l),
    );
    assert.ok(l.p50 < 50, `p50 ${l.p50} ms on loopback`);
    assert.equal(run.timeline.length, 2);
    assert.ok(run.timeline.every((n: number) => n > 0));
    assert.ok(run.server.cpuMs > 0 && run.server.cpuUsPerRequest > 0 && run.server.cpuUsPerRequest < 1000);
    assert.ok(run.server.peakRssBytes > 10 * 2 ** 20);
    assert.equal(typeof run.server.eventLoopLagP99Ms, 'number');
    assert.ok(run.generator.cpuMs > 0 && run.generator.ceilingRequestsPerSec > 0);
    assert.ok(existsSync(html));
    assert.match(readFileSync(html, 'utf8'), /<svg /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an open-loop run keeps the asked rate against the node:net baseline', () => {
  const r = bench([
    'echo-node',
    '--rate',
    '2000',
    '--duration',
    '1.5',
    '--warmup',
    '0.2',
    '--connections',
    '2',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout).run;
  assert.equal(run.config.rate, 2000);
  assert.ok(Math.abs(run.requestsPerSec - 2000) < 200, `rate ${run.requestsPerSec}`);
  assert.ok(run.latencyMs.p50 > 0);
});

test('HOST:PORT benchmarks a server we did not start: client figures only', async () => {
  const server = await startServerProcess(['echo', '--port', '0']);
  try {
    const r = bench([
      `127.0.0.1:${server.port}`,
      '--duration',
      '1',
      '--warmup',
      '0.2',
      '--connections',
      '2',
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(r.stdout).run;
    assert.equal(run.target, `127.0.0.1:${server.port}`);
    assert.ok(run.requests > 100);
    assert.equal(run.server, null);
  } finally {
    server.kill();
    await server.exited;
  }
});

test('--vs runs both targets and reports medians and ratios', () => {
  const r = bench([
    'echo',
    '--vs',
    'echo-node',
    '--rounds',
    '1',
    '--duration',
    '0.6',
    '--warmup',
    '0.2',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout).comparison;
  assert.equal(c.a, 'echo');
  assert.equal(c.b, 'echo-node');
  assert.equal(c.runs.a.length, 1);
  assert.equal(c.runs.b.length, 1);
  assert.ok(c.ratios.requestsPerSec > 0);
  assert.ok(
    Math.abs(c.ratios.requestsPerSec - c.medians.a.requestsPerSec / c.medians.b.requestsPerSec) < 1e-3,
  );
});

test('--profile summarises the server CPU profile and names a bottleneck', () => {
  const r = bench(['echo', '--profile', '--duration', '1', '--warmup', '0.2', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout).profile;
  assert.ok(p.cpuProfile.busyMs > 0, 'the server wrote its --cpu-prof profile on SIGTERM');
  assert.ok(p.cpuProfile.top.length > 0);
  assert.ok(p.generatorProfile.busyMs > 0, 'the generator wrote its profile before it was reaped');
  assert.match(p.verdict.bottleneck, /^(contended|generator-bound|syscall-bound|JS-bound|not saturated)$/);
  assert.ok(p.verdict.line.length > 10);
  if (p.strace) assert.ok(p.syscallsPerRequest > 0.05, `syscalls/request ${p.syscallsPerRequest}`);
});

test('mistakes print a message and the --help hint with exit code 2', () => {
  const unknown = bench(['nonesuch']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown bench target "nonesuch"/);
  assert.match(unknown.stderr, /wirestack bench --help/);
  const option = bench(['echo', '--connectoins', '4']);
  assert.equal(option.status, 2);
  assert.match(option.stderr, /--connectoins/);
  // Port 1 on loopback: nothing listens there (not root-bound in CI containers).
  const refused = bench(['127.0.0.1:1', '--duration', '1']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /cannot connect to 127\.0\.0\.1:1: connection refused/);
});

test('the framed echo server (echo --framing length) can be driven: whole frames back, no errors', () => {
  const r = bench([
    'echo-framed',
    '--duration',
    '1',
    '--warmup',
    '0.2',
    '--connections',
    '4',
    '--pipeline',
    '4',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout).run;
  assert.equal(run.target, 'echo-framed');
  assert.ok(run.requests > 1000, `requests ${run.requests}`);
  assert.equal(run.errors, 0);
  assert.ok(run.server.cpuUsPerRequest > 0);
});
