// Attacks against the real server over TCP: the offending connection gets GOAWAY and is closed,
// while another client on the same server is served normally.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { demoHandler } from '../../src/drivers/http2-demo.js';
import { createHttp2Server, type Http2Server } from '../../src/drivers/http2-server.js';
import { HpackEncoder } from '../../src/hpack/index.js';
import { CLIENT_PREFACE } from '../../src/http2/connection.js';
import { ErrorCode } from '../../src/http2/error-code.js';
import type { Frame } from '../../src/http2/frame.js';
import { FrameDecoder } from '../../src/http2/frame-decoder.js';
import {
  encodeHeadersFrames,
  encodePing,
  encodeRawFrame,
  encodeRstStream,
  encodeSettings,
} from '../../src/http2/frame-encoder.js';
import { FrameType } from '../../src/http2/frame-type.js';
import { concat, GET } from './harness.js';

let server: Http2Server;
let port: number;

before(async () => {
  server = createHttp2Server(demoHandler);
  ({ port } = await server.listen({ host: '127.0.0.1', port: 0 }));
});

after(async () => {
  await server.close({ drainTimeoutMs: 1000 });
});

/** Connects, writes `attack` (after the preface), and returns every frame read until the server closes. */
function attack(payload: (encoder: HpackEncoder) => Uint8Array[]): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const decoder = new FrameDecoder(16777215);
    const frames: Frame[] = [];
    const encoder = new HpackEncoder();
    socket.on('connect', () => {
      socket.write(concat([CLIENT_PREFACE, encodeSettings([])]));
      for (const chunk of payload(encoder)) if (!socket.destroyed) socket.write(chunk);
    });
    socket.on('data', (d) => frames.push(...decoder.push(d).map((f) => ({ ...f }))));
    socket.on('error', () => {}); // the server may close while we still write
    socket.on('close', () => resolve(frames));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server did not close the offending connection'));
    }, 10_000).unref();
    socket.on('end', () => socket.end());
  });
}

function curl(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['--http2-prior-knowledge', '-sS', `http://127.0.0.1:${port}${path}`], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

function goawayCode(frames: Frame[]): number | undefined {
  const g = frames.filter((f) => f.kind === 'goaway').at(-1);
  return g?.kind === 'goaway' ? g.errorCode : undefined;
}

test('rapid reset over TCP: GOAWAY ENHANCE_YOUR_CALM for the attacker, other clients unaffected', async () => {
  const before = server.stats().rapid_reset ?? 0;
  const frames = await attack((enc) => {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 1500; i++) {
      const id = 1 + 2 * i;
      chunks.push(
        encodeHeadersFrames(id, enc.encode(GET), false, 16384),
        encodeRstStream(id, ErrorCode.CANCEL),
      );
    }
    return [concat(chunks)];
  });
  assert.equal(goawayCode(frames), ErrorCode.ENHANCE_YOUR_CALM);
  assert.equal((server.stats().rapid_reset ?? 0) - before, 1);
  assert.equal(await curl('/'), 'hello from wirestack over HTTP/2\n');
});

test('CONTINUATION flood over TCP: closed before END_HEADERS, other clients unaffected', async () => {
  const frames = await attack((enc) => {
    const chunks = [encodeRawFrame(FrameType.HEADERS, 0, 1, enc.encode(GET))];
    const junk = new Uint8Array(16384).fill(0x40);
    for (let i = 0; i < 200; i++) chunks.push(encodeRawFrame(FrameType.CONTINUATION, 0, 1, junk));
    return chunks;
  });
  assert.equal(goawayCode(frames), ErrorCode.ENHANCE_YOUR_CALM);
  assert.ok((server.stats().header_block_too_large ?? 0) >= 1);
  assert.equal(await curl('/'), 'hello from wirestack over HTTP/2\n');
});

test('PING flood over TCP: every PING is answered while the attacker reads, the server stays responsive', async () => {
  const ping = encodePing(new Uint8Array(8), false);
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.on('connect', r));
  const decoder = new FrameDecoder(16777215);
  let acks = 0;
  socket.on('data', (d) => {
    for (const f of decoder.push(d)) if (f.kind === 'ping' && f.ack) acks++;
  });
  socket.write(concat([CLIENT_PREFACE, encodeSettings([]), ...Array.from({ length: 5000 }, () => ping)]));
  const deadline = Date.now() + 10_000;
  while (acks < 5000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(acks, 5000);
  assert.equal(await curl('/'), 'hello from wirestack over HTTP/2\n');
  socket.destroy();
});
