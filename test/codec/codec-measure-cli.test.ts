import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  bestChoice,
  type CompressionSample,
  compressedTransferMs,
  LINK_SPEEDS,
  samplePayload,
  wireMs,
} from '../../src/bench/compression-analysis.js';

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['dist/src/cli/main.js', 'codec', ...args], {
    encoding: 'utf8',
    timeout: 50_000,
  });

test('codec analyze --quick: tables, JSON samples and a self-contained HTML report with SVG plots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-analyze-'));
  try {
    const html = join(dir, 'report.html');
    const r = cli(['analyze', '--quick', '--json', '--html', html]);
    assert.equal(r.status, 0, r.stderr);
    const samples = JSON.parse(r.stdout) as CompressionSample[];
    assert.deepEqual([...new Set(samples.map((s) => s.kind))], ['json', 'msgpack', 'random', 'logs']);
    assert.deepEqual([...new Set(samples.map((s) => s.size))], [64, 1024, 16384, 262144]);
    for (const s of samples) {
      assert.ok(s.compressMs > 0 && s.decompressMs > 0, `${s.kind} ${s.size} ${s.algorithm}`);
      // Random bytes never shrink; logs of 16 KiB and more shrink at least 4×.
      if (s.kind === 'random') assert.ok(s.compressedSize >= s.size);
      if (s.kind === 'logs' && s.size >= 16384) assert.ok(s.compressedSize * 4 < s.size);
    }
    // The model: random data never pays anywhere; 256 KiB of JSON pays on a 10 Mbit/s link.
    const slow = LINK_SPEEDS[0];
    const group = (kind: string, size: number) => samples.filter((s) => s.kind === kind && s.size === size);
    assert.equal(bestChoice(group('random', 262144), slow), undefined);
    assert.ok((bestChoice(group('json', 262144), slow)?.speedup ?? 0) > 2);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.equal(page.match(/<svg /g)?.length, 4);
    assert.match(page, /<polyline /);
    assert.doesNotMatch(page, /<(script|link|img)\b/, 'no external resources');
    // The table, through the name the issue gives it: `wirestack bench compression`.
    const table = spawnSync(process.execPath, ['dist/src/cli/main.js', 'bench', 'compression', '--quick'], {
      encoding: 'utf8',
      timeout: 50_000,
    });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^Where compression helps/);
    assert.match(table.stdout, /random\s+256 KiB\s+raw\s+raw\s+raw\s+raw\s+raw/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the transfer model: compressed time is CPU plus the smaller wire time', () => {
  const s: CompressionSample = {
    kind: 'json',
    size: 1_000_000,
    algorithm: 'gzip',
    level: 1,
    compressedSize: 100_000,
    compressMs: 5,
    decompressMs: 2,
  };
  const link = LINK_SPEEDS[1]; // 100 Mbit/s: 1 MB takes 80 ms
  assert.equal(wireMs(1_000_000, link), 80);
  assert.equal(compressedTransferMs(s, link), 5 + 8 + 2);
  assert.equal(
    bestChoice([s], LINK_SPEEDS[4]),
    undefined,
    'at 20 Gbit/s the 7 ms of CPU cost more than 0.4 ms of wire',
  );
  assert.equal(samplePayload('json', 5000).length, 5000);
  assert.deepEqual(samplePayload('logs', 300), samplePayload('logs', 300), 'payloads are deterministic');
});

test('codec bench --quick: every candidate side by side with sizes and ratios', () => {
  const r = cli(['bench', '--quick']);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^(small|medium|large|number-heavy|string-heavy) /.test(l));
  for (const doc of ['small', 'medium', 'large', 'number-heavy', 'string-heavy']) {
    const names = rows.filter((l) => l.startsWith(`${doc} `)).map((l) => l.split(/\s{2,}/)[1]);
    assert.ok(
      names.includes('wirestack') && names.includes('JSON') && names.includes('@msgpack/msgpack'),
      `${doc}: ${names}`,
    );
    assert.ok(
      names.some((n) => n.startsWith('msgpackr (native')) || names.includes('msgpackr (no native)'),
      `${doc}: ${names}`,
    );
    assert.ok(
      names.includes('msgpackr (no native)'),
      'the child process ran with MSGPACKR_NATIVE_ACCELERATION_DISABLED',
    );
  }
  for (const row of rows) {
    const [, , bytes, enc, dec] = row.split(/\s{2,}/);
    assert.ok(Number(bytes) > 50, row);
    assert.ok(
      Number(enc.split(' ')[0].replace(/,/g, '')) > 0 && Number(dec.split(' ')[0].replace(/,/g, '')) > 0,
      row,
    );
  }
  // Same bytes as @msgpack/msgpack on every document (smallest encoding both ways).
  const sizes = (name: string) =>
    rows.filter((l) => l.split(/\s{2,}/)[1] === name).map((l) => l.split(/\s{2,}/)[2]);
  assert.deepEqual(sizes('wirestack'), sizes('@msgpack/msgpack'));
  assert.match(r.stdout, /\(×\d+\.\d\d\)/);
});
