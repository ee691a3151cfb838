import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'node:test';
import { FramedEchoServer } from '../../src/drivers/index.js';
import { LengthPrefixDecoder, LengthPrefixEncoder, NEED_MORE } from '../../src/framing/index.js';
import { connectNode, readUntilClose, sleep, startServerProcess, waitFor } from '../support/processes.js';

/** Collects the frames a server echoes back, decoding with our own decoder. */
function frameReader(sock: net.Socket, options = {}) {
  const decoder = new LengthPrefixDecoder(options);
  const frames: Buffer[] = [];
  sock.on('data', (d) => {
    decoder.push(d);
    for (let f = decoder.read(); f !== NEED_MORE; f = decoder.read()) frames.push(Buffer.from(f));
  });
  return frames;
}

test('framed echo: frames split across writes at every kind of boundary come back whole, in order', async () => {
  const server = new FramedEchoServer();
  const { port } = await server.listen({ port: 0 });
  try {
    const sock = await connectNode(port);
    const frames = frameReader(sock);
    const encoder = new LengthPrefixEncoder();
    const payloads = [
      Buffer.alloc(0),
      Buffer.from('hi'),
      randomBytes(1000),
      randomBytes(200_000),
      Buffer.from('\r\n'),
    ];
    const wire = Buffer.concat(payloads.map((p) => Buffer.from(encoder.encode(p))));
    // Cut inside a header, right after a header, inside a payload, and across frames.
    const cuts = [2, 4, 5, 9, 14, 20, 1030, 60_000, 150_000, wire.length];
    let at = 0;
    for (const cut of cuts) {
      sock.write(wire.subarray(at, cut));
      at = cut;
      await sleep(5);
    }
    await waitFor(() => frames.length === payloads.length, 5000, 'every frame echoed');
    assert.deepEqual(frames, payloads);
    // Many frames in one write: each comes back as its own frame.
    frames.length = 0;
    const many = Array.from({ length: 100 }, (_, i) => Buffer.from(`frame ${i}`));
    sock.write(Buffer.concat(many.map((p) => Buffer.from(encoder.encode(p)))));
    await waitFor(() => frames.length === 100, 5000, '100 frames echoed');
    assert.deepEqual(frames, many);
    sock.destroy();
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('framed echo: an oversized length closes that connection before any payload is buffered; others are unaffected', async () => {
  const server = new FramedEchoServer({ framing: { maxFrameSize: 1024 } });
  const { port } = await server.listen({ port: 0 });
  try {
    const other = await connectNode(port);
    const otherFrames = frameReader(other);
    const bad = await connectNode(port);
    const closed = readUntilClose(bad);
    const encoder = new LengthPrefixEncoder({ maxFrameSize: 1024 });
    // One good frame, then a header announcing 2 GiB.
    bad.write(Buffer.concat([Buffer.from(encoder.encode(Buffer.from('ok'))), Buffer.from([0x80, 0, 0, 0])]));
    const received = await closed;
    assert.deepEqual(
      received,
      Buffer.from(encoder.encode(Buffer.from('ok'))),
      'the good frame is echoed first',
    );
    assert.equal(server.framingErrors, 1);
    other.write(Buffer.from(encoder.encode(Buffer.from('still fine'))));
    await waitFor(() => otherFrames.length === 1, 2000, 'the other client to be served');
    assert.equal(otherFrames[0].toString(), 'still fine');
    other.destroy();
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('framed echo: graceful drain waits for a frame whose header has arrived but whose payload has not', async () => {
  const server = new FramedEchoServer({ drainQuietMs: 20 });
  const { port } = await server.listen({ port: 0 });
  try {
    const sock = await connectNode(port);
    const frames = frameReader(sock);
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    const wire = Buffer.from(new LengthPrefixEncoder().encode(Buffer.from('late payload')));
    sock.write(wire.subarray(0, 4)); // the header only
    await waitFor(() => [...server.connections].some((c) => c.busy), 2000, 'the header to be read');
    await sleep(60); // past drainQuietMs: only the busy flag keeps the connection open
    const summary = server.close({ drainTimeoutMs: 5000 });
    await sleep(100);
    assert.equal(server.connections.size, 1, 'the connection is still open');
    sock.write(wire.subarray(4));
    await waitFor(() => frames.length === 1, 2000, 'the frame echoed');
    assert.equal(frames[0].toString(), 'late payload');
    await closed;
    assert.equal((await summary).drained, 1);
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('wirestack echo --framing length serves framed echo; --framing bogus is a usage error', async () => {
  const server = await startServerProcess(['echo', '--port', '0', '--framing', 'length']);
  try {
    assert.match(server.output(), /framed echo listening on/);
    const sock = await connectNode(server.port);
    const frames = frameReader(sock);
    sock.write(Buffer.from(new LengthPrefixEncoder().encode(Buffer.from('over the wire'))));
    await waitFor(() => frames.length === 1, 5000, 'the frame echoed');
    assert.equal(frames[0].toString(), 'over the wire');
    sock.destroy();
  } finally {
    server.kill('SIGTERM');
    await server.exited;
  }
  await assert.rejects(startServerProcess(['echo', '--framing', 'bogus']), /--framing must be raw or length/);
});
