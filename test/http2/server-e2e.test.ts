// End to end: our HTTP/2 server (src/drivers) on our TCP core, driven by real clients:
// curl --http2-prior-knowledge, nghttp (Debian nghttp2-client) and h2load.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { demoHandler } from '../../src/drivers/http2-demo.js';
import { createHttp2Server, type Http2Server } from '../../src/drivers/http2-server.js';
import { HpackEncoder } from '../../src/hpack/index.js';
import { CLIENT_PREFACE } from '../../src/http2/connection.js';
import type { Frame } from '../../src/http2/frame.js';
import { FrameDecoder } from '../../src/http2/frame-decoder.js';
import { encodeHeadersFrames, encodeSettings } from '../../src/http2/frame-encoder.js';

function run(
  cmd: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${cmd} is not installed (Debian: apt-get install curl nghttp2-client)`));
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ stdout, stderr: stderr.toString(), code });
      },
    );
  });
}

let server: Http2Server;
let base: string;
let dir: string;
let upload: Buffer;
let uploadPath: string;

before(async () => {
  server = createHttp2Server(demoHandler);
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${port}`;
  dir = mkdtempSync(join(tmpdir(), 'wirestack-h2-'));
  upload = Buffer.alloc(3 << 20);
  for (let i = 0; i < upload.length; i++) upload[i] = (i * 131) >>> 3;
  uploadPath = join(dir, 'upload.bin');
  writeFileSync(uploadPath, upload);
});

after(async () => {
  await server.close({ drainTimeoutMs: 2000 });
  rmSync(dir, { recursive: true, force: true });
});

test('curl --http2-prior-knowledge GET / over HTTP/2', async () => {
  const r = await run('curl', [
    '--http2-prior-knowledge',
    '-sS',
    '-w',
    '\n%{http_version} %{http_code}',
    `${base}/`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'hello from wirestack over HTTP/2\n\n2 200');
});

test('curl POST /echo of 3 MiB comes back intact (flow control both ways)', async () => {
  const r = await run('curl', [
    '--http2-prior-knowledge',
    '-sS',
    '--data-binary',
    `@${uploadPath}`,
    `${base}/echo`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.length, upload.length);
  assert.equal(
    createHash('sha256').update(r.stdout).digest('hex'),
    createHash('sha256').update(upload).digest('hex'),
  );
});

test('curl: /stream arrives in chunks, unknown paths are 404', async () => {
  const s = await run('curl', ['--http2-prior-knowledge', '-sS', `${base}/stream`]);
  assert.equal(s.stdout.toString(), Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`).join(''));
  const nf = await run('curl', [
    '--http2-prior-knowledge',
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    `${base}/nope`,
  ]);
  assert.equal(nf.stdout.toString(), '404');
});

test('nghttp -v: several streams on one connection, no protocol errors', async () => {
  const r = await run('nghttp', ['-nv', `${base}/`, `${base}/stream`, `${base}/nope`]);
  assert.equal(r.code, 0, r.stderr + r.stdout.toString());
  const out = r.stdout.toString();
  assert.doesNotMatch(out, /PROTOCOL_ERROR|COMPRESSION_ERROR|FLOW_CONTROL_ERROR|\[ERROR\]/);
  assert.match(out, /recv SETTINGS frame/);
  assert.equal((out.match(/recv \(stream_id=\d+\) :status: 200/g) ?? []).length, 2);
  assert.match(out, /:status: 404/);
  assert.match(out, /send GOAWAY frame/);
});

test('nghttp -d: uploads 3 MiB to /echo', async () => {
  const r = await run('nghttp', ['-d', uploadPath, `${base}/echo`]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.equals(upload));
});

test('h2load -n 20000 -c 10 -m 10: zero failed requests', async () => {
  const r = await run('h2load', ['-n', '20000', '-c', '10', '-m', '10', `${base}/`], 120_000);
  const out = r.stdout.toString();
  assert.equal(r.code, 0, out + r.stderr);
  assert.match(out, /requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored/);
  assert.equal(server.stats().connection_error_protocol_error, undefined);
});

/**
 * A hand-written HTTP/2 client on a node:net socket: sends exactly the bytes a test gives, decodes
 * every frame the server answers, and tells whether the server closed within `ms`.
 */
async function rawClient(port: number) {
  const { connect } = await import('node:net');
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.on('connect', r));
  const decoder = new FrameDecoder(16777215);
  const frames: Frame[] = [];
  socket.on('data', (d) => frames.push(...decoder.push(d).map((f) => structuredClone(f))));
  const closed = new Promise<'closed'>((r) => socket.on('close', () => r('closed')));
  const enc = new HpackEncoder();
  return {
    socket,
    frames,
    preface: () => Buffer.concat([CLIENT_PREFACE, encodeSettings([])]),
    get: (streamId: number, path: string, endStream: boolean) =>
      encodeHeadersFrames(
        streamId,
        enc.encode([
          [':method', 'GET'],
          [':scheme', 'http'],
          [':authority', 'x'],
          [':path', path],
        ]),
        endStream,
        16384,
      ),
    async closedWithin(ms: number): Promise<string> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((r) => {
        timer = setTimeout(r, ms, `still open after ${ms} ms`);
      });
      const outcome = await Promise.race([closed, late]);
      clearTimeout(timer);
      socket.destroy();
      return outcome;
    },
  };
}

test('a client that half-closes its socket after the request still gets the whole response', async () => {
  const c = await rawClient(Number(new URL(base).port));
  c.socket.end(Buffer.concat([c.preface(), c.get(1, '/stream', true)]));
  assert.equal(await c.closedWithin(5000), 'closed');
  const data = c.frames.filter((f) => f.kind === 'data');
  assert.equal(data.at(-1)?.endStream, true);
  assert.equal(
    Buffer.concat(data.map((f) => f.data)).toString(),
    Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`).join(''),
  );
});

test('a client that shuts its socket without ending its request stream is closed, not waited for', async () => {
  // Its END_STREAM can never arrive: the server used to keep such a connection open for ever.
  const c = await rawClient(Number(new URL(base).port));
  // Stream 1 is answered in full; stream 3 is a request the handler never sees the end of.
  c.socket.end(Buffer.concat([c.preface(), c.get(1, '/', false), c.get(3, '/echo', false)]));
  assert.equal(await c.closedWithin(5000), 'closed');
  const resets = new Map(
    c.frames.flatMap((f) => (f.kind === 'rst_stream' ? [[f.streamId, f.errorCode]] : [])),
  );
  assert.equal(resets.get(1), 0x0, 'the answered stream ends with NO_ERROR');
  assert.equal(resets.get(3), 0x8, 'the truncated request is cancelled');
});

test('attack: a client that never acknowledges the server SETTINGS is dropped with GOAWAY SETTINGS_TIMEOUT', async (t) => {
  const strict = createHttp2Server(demoHandler, { http2: { settingsAckTimeoutMs: 300 } });
  const { port } = await strict.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => strict.close({ drainTimeoutMs: 100 }));
  const c = await rawClient(port);
  c.socket.write(c.preface()); // and never an ACK
  const t0 = performance.now();
  assert.equal(await c.closedWithin(5000), 'closed');
  const goaway = c.frames.find((f) => f.kind === 'goaway');
  assert.equal(goaway?.kind === 'goaway' && goaway.errorCode, 0x4, 'GOAWAY SETTINGS_TIMEOUT');
  assert.ok(performance.now() - t0 >= 250, 'not before the timeout');
});
