// `wirestack http` as a process, with real clients: curl and wrk.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, connectNode, readUntilClose, startServerProcess } from '../support/processes.js';

const run = promisify(execFile);

async function curl(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  if (input === undefined) return run('curl', ['-sS', '--max-time', '10', ...args]);
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout, stderr) =>
      err ? reject(err) : resolve({ stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

test('wirestack http --help documents the options and routes', async () => {
  const { stdout } = await run(process.execPath, [CLI, 'http', '--help']);
  for (const word of [
    '--port',
    '--host',
    '--max-conns',
    '--backlog',
    '--idle-timeout',
    '--drain-timeout',
    'GET  /items/:id',
  ]) {
    assert.ok(stdout.includes(word), `help mentions ${word}`);
  }
});

test('curl against wirestack http: GET, POST JSON, chunked upload, HTTP/1.0, keep-alive reuse; SIGTERM drains', async () => {
  const server = await startServerProcess(['http', '--port', '0']);
  const base = `http://127.0.0.1:${server.port}`;
  try {
    assert.match(
      server.output(),
      /http listening on 127\.0\.0\.1:\d+ \(try: curl http:\/\/127\.0\.0\.1:\d+\/\)/,
    );
    assert.match((await curl([`${base}/`])).stdout, /^wirestack http/);
    const item = JSON.parse((await curl([`${base}/items/2`])).stdout);
    assert.deepEqual(item, { id: 2, name: 'teapot', price: 18.5 });

    const created = await curl([
      '-i',
      '-H',
      'content-type: application/json',
      '-d',
      '{"name":"lamp","price":12.5}',
      `${base}/items`,
    ]);
    assert.match(created.stdout, /^HTTP\/1.1 201 Created\r\n/);
    assert.match(created.stdout, /location: \/items\/4\r\n/);
    assert.match(created.stdout, /\{"id":4,"name":"lamp","price":12.5\}$/);

    const payload = 'line\n'.repeat(5000);
    const echoed = await curl(
      ['-H', 'Transfer-Encoding: chunked', '--data-binary', '@-', `${base}/echo`],
      payload,
    );
    assert.equal(echoed.stdout, payload);

    const old = await curl(['-i', '--http1.0', `${base}/items?limit=1`]);
    assert.match(old.stdout, /^HTTP\/1.1 200 OK\r\n/);
    assert.match(old.stdout, /connection: close\r\n/);
    assert.match(old.stdout, /content-length: \d+\r\n/);
    assert.deepEqual(JSON.parse(old.stdout.split('\r\n\r\n')[1]).items.length, 1);

    // A streamed response to HTTP/1.0 cannot be chunked: the body ends when we close.
    const streamed = await curl(['-i', '--http1.0', `${base}/stream?n=3`]);
    assert.doesNotMatch(streamed.stdout, /transfer-encoding/i);
    assert.match(streamed.stdout, /connection: close\r\n/);
    assert.equal(streamed.stdout.split('\r\n\r\n')[1].trim().split('\n').length, 3);

    const reuse = await curl(['-v', `${base}/`, `${base}/items/1`, `${base}/items?limit=2`, `${base}/nope`]);
    assert.equal(reuse.stderr.split('Re-using existing connection').length - 1, 3, reuse.stderr);
    assert.match(reuse.stderr, /< HTTP\/1.1 404 Not Found/);

    const missing = await curl(['-i', `${base}/items/999`]);
    assert.match(missing.stdout, /^HTTP\/1.1 404 Not Found[\s\S]*\{"error":"no item 999"\}$/);
  } finally {
    server.kill('SIGTERM');
  }
  const { code } = await server.exited;
  assert.equal(code, 0);
  assert.match(server.output(), /http 127\.0\.0\.1:\d+: drained/);
});

test('wrk -t1 -c10 -d5s: every request answered 2xx, no socket errors', async () => {
  const server = await startServerProcess(['http', '--port', '0']);
  try {
    const { stdout } = await run('wrk', ['-t1', '-c10', '-d5s', `http://127.0.0.1:${server.port}/items/1`], {
      timeout: 20_000,
    });
    const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
    assert.ok(requests > 100, stdout);
    assert.doesNotMatch(stdout, /Non-2xx or 3xx responses/, stdout);
    assert.doesNotMatch(stdout, /Socket errors/, stdout);
  } finally {
    server.kill('SIGTERM');
    await server.exited;
  }
});

test('wirestack http --max-conns 1 --backlog 0: a client past the limit gets an HTTP 503 and a close', async () => {
  const server = await startServerProcess(['http', '--port', '0', '--max-conns', '1', '--backlog', '0']);
  try {
    const first = await connectNode(server.port);
    first.write('GET /items/1 HTTP/1.1\r\nHost: t\r\n\r\n');
    await new Promise((resolve) => first.once('data', resolve));
    const second = await connectNode(server.port);
    const text = (await readUntilClose(second)).toString();
    assert.match(
      text,
      /^HTTP\/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n$/,
    );
    first.destroy();
  } finally {
    server.kill('SIGTERM');
    await server.exited;
  }
});
