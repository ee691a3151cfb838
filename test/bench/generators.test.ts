import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClosedLoopGenerator } from '../../src/bench/closed-loop-generator.js';
import { echoProtocol } from '../../src/bench/load-protocol.js';
import { LoadRecorder } from '../../src/bench/load-recorder.js';
import { OpenLoopGenerator } from '../../src/bench/open-loop-generator.js';
import { createEchoServer } from '../../src/tcp/echo.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withEchoServer(body: (port: number) => Promise<void>): Promise<void> {
  const server = createEchoServer({ idleTimeoutMs: 0 });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    await body(port);
  } finally {
    await server.close();
  }
}

test('closed loop: pipelined responses are matched to their requests across split reads', async () => {
  await withEchoServer(async (port) => {
    // 100-byte requests do not divide the 64 KiB read buffer: responses straddle reads.
    const gen = new ClosedLoopGenerator({ host: '127.0.0.1', port }, echoProtocol(100), 3, 8);
    await gen.connect();
    gen.start();
    await sleep(50);
    gen.startRecording();
    await sleep(300);
    gen.stop();
    const r = gen.recorder.result(300);
    assert.equal(r.errors, 0, r.errorMessages.join('; '));
    assert.ok(r.completed > 100, `completed ${r.completed}`);
    assert.equal(r.histogram.count, r.completed);
    // Everything received in the window is whole responses, give or take those in flight at its edges.
    assert.ok(
      Math.abs(r.bytesReceived - r.completed * 100) <= 3 * 8 * 100,
      `${r.bytesReceived} vs ${r.completed}`,
    );
    assert.ok(r.histogram.min > 0, 'every latency is positive');
  });
});

test('open loop: the generator keeps the asked rate and records every response once', async () => {
  await withEchoServer(async (port) => {
    const gen = new OpenLoopGenerator({ host: '127.0.0.1', port }, echoProtocol(64), 2, 4, 2000);
    await gen.connect();
    const t0 = performance.now();
    gen.start();
    gen.startRecording();
    await sleep(500);
    // The sleep overshoots on a loaded machine: what is due follows the time that really passed.
    const elapsed = performance.now() - t0;
    gen.stop();
    const r = gen.recorder.result(500);
    assert.equal(r.errors, 0);
    // 2000 req/s: never more than was due (each response once), and not far behind it (the rate held;
    // the last few may still be in flight).
    const due = (2000 * elapsed) / 1000;
    assert.ok(
      r.completed >= Math.floor(due * 0.9) && r.completed <= Math.ceil(due) + 2,
      `completed ${r.completed}, due ${due.toFixed(1)} after ${elapsed.toFixed(1)} ms`,
    );
  });
});

test('a refused connection rejects connect() with the errno', async () => {
  const gen = new ClosedLoopGenerator({ host: '127.0.0.1', port: 1 }, echoProtocol(8), 2, 1);
  await assert.rejects(gen.connect(), { code: 'ECONNREFUSED' });
});

test('the recorder counts warm-up only towards progress and bins the window by second', () => {
  const rec = new LoadRecorder();
  rec.response(0, 5); // warm-up
  rec.startRecording(1000);
  rec.response(1000, 1000.5);
  rec.response(1500, 1999);
  rec.response(2000, 2000.25);
  rec.error(new Error('boom'));
  rec.error(new Error('boom'));
  const r = rec.result(2050); // a trailing 50 ms is dropped from the timeline
  assert.equal(rec.completedTotal, 4);
  assert.equal(r.completed, 3);
  assert.equal(r.timeline.length, 2);
  assert.deepEqual(r.timeline, [2, 1]);
  assert.equal(r.errors, 2);
  assert.deepEqual(r.errorMessages, ['boom']);
  assert.deepEqual(rec.result(2500).timeline, [2, 1, 0]);
});

test('framed echo requests are one length-prefixed frame of the requested size', async () => {
  const { framedEchoProtocol } = await import('../../src/bench/load-protocol.js');
  const p = framedEchoProtocol(64);
  assert.equal(p.request.length, 64);
  assert.deepEqual([...p.request.subarray(0, 4)], [0, 0, 0, 60]);
  const counter = p.newResponseCounter();
  assert.equal(counter.feed(new Uint8Array(100)), 1);
  assert.equal(counter.feed(new Uint8Array(28)), 1);
  assert.throws(() => framedEchoProtocol(4), RangeError);
});
