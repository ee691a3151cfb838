import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchResult } from '../../src/bench/bench-result.js';
import { runConfigOf } from '../../src/bench/benchmark-runner.js';
import { bottleneckVerdict } from '../../src/bench/bottleneck-verdict.js';
import { compareRuns, median } from '../../src/bench/comparison.js';
import { summariseCpuProfile } from '../../src/bench/cpu-profile-summary.js';
import { BadTargetError, UnknownTargetError } from '../../src/bench/errors.js';
import { formatEventLoopLagLine, parseEventLoopLagLine } from '../../src/bench/event-loop-lag.js';
import '../../src/bench/index.js';
import { renderHtmlReport } from '../../src/bench/html-report.js';
import { makeReport, REPORT_SCHEMA, toJson } from '../../src/bench/json-report.js';
import { echoProtocol } from '../../src/bench/load-protocol.js';
import { parseStraceSummary } from '../../src/bench/strace-summary.js';
import { defaultTargetRegistry } from '../../src/bench/target-registry.js';
import { formatComparison, formatRun } from '../../src/bench/text-report.js';

function fakeRun(target: string, rps: number, cpuUs: number, generatorCpu = 0.5): BenchResult {
  const cpuMs = (rps * 2 * cpuUs) / 1000;
  return {
    target,
    protocol: 'echo',
    config: {
      connections: 16,
      pipeline: 1,
      size: 64,
      rate: 0,
      warmupMs: 1000,
      durationMs: 2000,
      generators: 1,
      pinned: true,
    },
    windowMs: 2000,
    requests: rps * 2,
    requestsPerSec: rps,
    megabytesPerSec: (rps * 64) / 1e6,
    latencyMs: { p50: 0.05, p95: 0.08, p99: 0.1, p999: 0.5, max: 3, mean: 0.06, min: 0.01 },
    percentileCurve: [
      [0, 0.01],
      [50, 0.05],
      [99, 0.1],
      [100, 3],
    ],
    timeline: [rps * 0.9, rps * 1.1],
    errors: 0,
    errorMessages: [],
    server: {
      pid: 1,
      cpuMs,
      userMs: cpuMs * 0.25,
      systemMs: cpuMs * 0.75,
      cpuUsPerRequest: cpuUs,
      cpuUtilisation: 0.95,
      peakRssBytes: 50 * 2 ** 20,
      eventLoopLagP99Ms: 1.5,
      eventLoopLagMaxMs: 2,
      runQueueWaitShare: 0,
    },
    generator: {
      processes: 1,
      cpuMs: 1000,
      cpuUtilisation: generatorCpu,
      ceilingRequestsPerSec: rps / generatorCpu,
      bound: generatorCpu >= 0.9,
      runQueueWaitShare: 0,
    },
  };
}

test('the JSON report carries schema, command, machine and the run with every figure', () => {
  const report = makeReport({ kind: 'run', run: fakeRun('echo', 100_000, 5) }, 'wirestack bench echo --json');
  const parsed = JSON.parse(toJson(report));
  assert.equal(parsed.schema, REPORT_SCHEMA);
  assert.equal(parsed.kind, 'run');
  assert.equal(parsed.command, 'wirestack bench echo --json');
  assert.equal(typeof parsed.machine.cpus, 'number');
  assert.ok(!Number.isNaN(Date.parse(parsed.createdAt)));
  for (const key of ['p50', 'p95', 'p99', 'p999', 'max'])
    assert.equal(typeof parsed.run.latencyMs[key], 'number');
  assert.equal(parsed.run.requestsPerSec, 100_000);
  assert.equal(parsed.run.server.cpuUsPerRequest, 5);
  assert.equal(parsed.run.generator.bound, false);
});

test('comparison: medians per side and ratios A/B', () => {
  const a = [fakeRun('echo', 100, 4), fakeRun('echo', 300, 6), fakeRun('echo', 200, 5)];
  const b = [fakeRun('echo-node', 100, 10), fakeRun('echo-node', 50, 10), fakeRun('echo-node', 400, 10)];
  const c = compareRuns(a, b);
  assert.equal(c.medians.a.requestsPerSec, 200);
  assert.equal(c.medians.b.requestsPerSec, 100);
  assert.equal(c.ratios.requestsPerSec, 2);
  assert.equal(c.ratios.serverCpuUsPerRequest, 0.5);
  assert.equal(c.ratios.errors, null, 'a ratio over a zero median is null, not Infinity');
  assert.equal(median([3, null, 1, 2, 10]), 2.5);
  assert.match(formatComparison(c), /echo vs echo-node, 3 rounds/);
  assert.match(formatComparison(c), /2\.00×/);
});

test('the HTML report is one self-contained page with the percentile plot and timeline as inline SVG', () => {
  const c = compareRuns([fakeRun('echo', 100_000, 4)], [fakeRun('echo-node', 80_000, 8)]);
  const html = renderHtmlReport(
    makeReport({ kind: 'comparison', comparison: c }, 'wirestack bench echo --vs echo-node <x>'),
  );
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.match(html, /latency by percentile/);
  assert.match(html, /throughput per second/);
  assert.match(html, /<path d="M[\d.]+,[\d.]+ L/);
  assert.ok(html.includes('&#60;x&#62;'), 'the command is escaped');
  assert.ok(!/<script|src=|href=/.test(html), 'no scripts or external resources');
});

test('the text report warns when the generator ran out of CPU', () => {
  assert.match(formatRun(fakeRun('echo', 150_000, 4, 0.97)), /warning: generator-bound/);
  assert.doesNotMatch(formatRun(fakeRun('echo', 150_000, 4, 0.5)), /generator-bound/);
});

test('strace -c summaries parse, blank errors column included', () => {
  const text = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.600000           3    200000           read
 30.00    0.300000           1    200000     10000 sendto
 10.00    0.100000           1     50000           epoll_wait
------ ----------- ----------- --------- --------- ----------------
100.00    1.000000                450000     10000 total
`;
  const s = parseStraceSummary(text);
  assert.equal(s.totalCalls, 450_000);
  assert.deepEqual(s.syscalls[1], { name: 'sendto', calls: 200_000, errors: 10_000, seconds: 0.3 });
  assert.equal(s.syscalls[2].name, 'epoll_wait');
});

test('a CPU profile is summarised by self time, idle apart', () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
  const s = summariseCpuProfile({
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('readReady', 'file:///x/connection.js', 9) },
      { id: 4, callFrame: frame('(garbage collector)') },
    ],
    samples: [3, 3, 2, 4, 3],
    timeDeltas: [0, 100, 100, 100, 100],
    startTime: 0,
    endTime: 500,
  });
  assert.equal(s.idleMs, 0.1);
  assert.equal(s.gcMs, 0.1);
  assert.equal(s.top[0].name, 'readReady');
  assert.equal(s.top[0].location, 'connection.js:10');
  assert.equal(s.top[0].selfMs, 0.2);
});

test('the verdict names the generator when it is the one at 100%', () => {
  const bound = fakeRun('echo', 150_000, 4, 0.97);
  bound.server!.cpuUtilisation = 0.6;
  assert.equal(bottleneckVerdict(bound).bottleneck, 'generator-bound');
  assert.equal(bottleneckVerdict(fakeRun('echo', 150_000, 4)).bottleneck, 'syscall-bound');
});

test('a run whose processes waited for a CPU is flagged as taken on a busy machine', () => {
  const busy = fakeRun('echo', 150_000, 4);
  busy.server!.runQueueWaitShare = 0.3;
  assert.equal(bottleneckVerdict(busy).bottleneck, 'contended');
  assert.match(formatRun(busy), /warning: busy machine: .* waited 30% .* preliminary/);
  assert.doesNotMatch(formatRun(fakeRun('echo', 150_000, 4)), /busy machine/);
});

test('targets: names, HOST:PORT, and typed errors for anything else', () => {
  const targets = defaultTargetRegistry();
  assert.deepEqual(targets.names(), ['echo', 'echo-framed', 'echo-node']);
  assert.equal(targets.resolve('127.0.0.1:7000').name, '127.0.0.1:7000');
  assert.equal(targets.resolve('[::1]:7000').name, '[::1]:7000');
  assert.throws(() => targets.resolve('redis'), UnknownTargetError);
  assert.throws(() => targets.resolve('127.0.0.1:99999'), BadTargetError);
  assert.throws(() => targets.resolve(':7000'), /host is empty/);
  assert.throws(() => targets.resolve('example.com:80'), /no DNS/);
});

test('echo responses complete every `size` bytes, however the reads split them', () => {
  const counter = echoProtocol(64).newResponseCounter();
  assert.equal(counter.feed(new Uint8Array(63)), 0);
  assert.equal(counter.feed(new Uint8Array(1)), 1);
  assert.equal(counter.feed(new Uint8Array(64 * 3 + 10)), 3);
  assert.equal(counter.feed(new Uint8Array(54)), 1);
});

test('run options: defaults filled in, generators clamped to connections unless asked for', () => {
  const c = runConfigOf({ connections: 1 });
  assert.equal(c.generators, 1);
  assert.equal(c.pipeline, 1);
  assert.equal(c.size, 64);
  assert.throws(() => runConfigOf({ connections: 1, generators: 2 }), /cannot exceed connections/);
  assert.throws(() => runConfigOf({ durationMs: 0 }), { code: 'EBADOPTION' });
  assert.throws(() => runConfigOf({ rate: -1 }), /rate and warmup/);
});

test('event-loop probe lines round-trip; importing the bench API does not install the probe', () => {
  const line = formatEventLoopLagLine({ p99Ms: 1.5, maxMs: 4, meanMs: 0.25 });
  assert.deepEqual(parseEventLoopLagLine(`echo: noise\n${line}more`), { p99Ms: 1.5, maxMs: 4, meanMs: 0.25 });
  assert.equal(parseEventLoopLagLine(line.slice(0, -1)), null, 'an unfinished line is not read');
  assert.equal(parseEventLoopLagLine(line, 1), null, 'only lines after `from`');
  assert.equal(process.listenerCount('SIGUSR2'), 0);
});
