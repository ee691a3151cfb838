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

test('a client that half-closes its socket after the request still gets the whole response', async () => {
  const { connect } = await import('node:net');
  const { CLIENT_PREFACE } = await import('../../src/http2/connection.js');
  const { encodeHeadersFrames, encodeSettings } = await import('../../src/http2/frame-encoder.js');
  const { FrameDecoder } = await import('../../src/http2/frame-decoder.js');
  const { HpackEncoder } = await import('../../src/hpack/index.js');
  const port = Number(new URL(base).port);
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.on('connect', r));
  const block = new HpackEncoder().encode([
    [':method', 'GET'],
    [':scheme', 'http'],
    [':authority', 'x'],
    [':path', '/stream'],
  ]);
  socket.end(Buffer.concat([CLIENT_PREFACE, encodeSettings([]), encodeHeadersFrames(1, block, true, 16384)]));
  const decoder = new FrameDecoder(16777215);
  let body = '';
  let ended = false;
  socket.on('data', (d) => {
    for (const f of decoder.push(d)) {
      if (f.kind === 'data') {
        body += Buffer.from(f.data).toString();
        if (f.endStream) ended = true;
      }
    }
  });
  await new Promise((r) => socket.on('close', r));
  assert.equal(ended, true);
  assert.equal(body, Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`).join(''));
});

test('a client that shuts its socket without ending its request stream is closed, not waited for', async () => {
  // Its END_STREAM can never arrive: the server used to keep such a connection open for ever.
  const { connect } = await import('node:net');
  const { CLIENT_PREFACE } = await import('../../src/http2/connection.js');
  const { encodeHeadersFrames, encodeSettings } = await import('../../src/http2/frame-encoder.js');
  const { FrameDecoder } = await import('../../src/http2/frame-decoder.js');
  const { HpackEncoder } = await import('../../src/hpack/index.js');
  const port = Number(new URL(base).port);
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.on('connect', r));
  const enc = new HpackEncoder();
  const head = (path: string) =>
    enc.encode([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':authority', 'x'],
      [':path', path],
    ]);
  // Stream 1 is answered in full; stream 3 is a request the handler never sees the end of.
  socket.end(
    Buffer.concat([
      CLIENT_PREFACE,
      encodeSettings([]),
      encodeHeadersFrames(1, head('/'), false, 16384),
      encodeHeadersFrames(3, head('/echo'), false, 16384),
    ]),
  );
  const decoder = new FrameDecoder(16777215);
  const resets = new Map<number, number>();
  socket.on('data', (d) => {
    for (const f of decoder.push(d)) if (f.kind === 'rst_stream') resets.set(f.streamId, f.errorCode);
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    new Promise((r) => socket.on('close', () => r('closed'))),
    new Promise((r) => {
      timer = setTimeout(r, 5000, 'still open after 5 s');
    }),
  ]);
  clearTimeout(timer);
  socket.destroy();
  assert.equal(outcome, 'closed');
  assert.equal(resets.get(1), 0x0, 'the answered stream ends with NO_ERROR');
  assert.equal(resets.get(3), 0x8, 'the truncated request is cancelled');
});

test('attack: a client that never acknowledges the server SETTINGS is dropped with GOAWAY SETTINGS_TIMEOUT', async (t) => {
  const { connect } = await import('node:net');
  const { CLIENT_PREFACE } = await import('../../src/http2/connection.js');
  const { encodeSettings } = await import('../../src/http2/frame-encoder.js');
  const { FrameDecoder } = await import('../../src/http2/frame-decoder.js');
  const strict = createHttp2Server(demoHandler, { http2: { settingsAckTimeoutMs: 300 } });
  const { port } = await strict.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => strict.close({ drainTimeoutMs: 100 }));
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  await new Promise((r) => socket.on('connect', r));
  socket.write(Buffer.concat([CLIENT_PREFACE, encodeSettings([])])); // and never an ACK
  const decoder = new FrameDecoder(16777215);
  let goaway: number | undefined;
  socket.on('data', (d) => {
    for (const f of decoder.push(d)) if (f.kind === 'goaway') goaway = f.errorCode;
  });
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    new Promise((r) => socket.on('close', () => r('closed'))),
    new Promise((r) => {
      timer = setTimeout(r, 5000, 'still open after 5 s');
    }),
  ]);
  clearTimeout(timer);
  assert.equal(outcome, 'closed');
  assert.equal(goaway, 0x4, 'GOAWAY SETTINGS_TIMEOUT');
  assert.ok(performance.now() - t0 >= 250, 'not before the timeout');
});
