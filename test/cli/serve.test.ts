import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI, echoRoundTrip, startServerProcess } from '../support/processes.js';

test('wirestack serve starts every server, each reachable by a real client, and drains them all on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--echo-port',
      '0',
      '--resp-port',
      '0',
      '--http-port',
      '0',
      '--h2-port',
      '0',
      '--grpc-port',
      '0',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const started = Date.now();
  while (!out.includes('Press Ctrl-C')) {
    assert.ok(Date.now() - started < 10_000, `serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const echoPort = Number(out.match(/echo\s+127\.0\.0\.1:(\d+)/)?.[1]);
  const h2Port = Number(out.match(/h2\s+127\.0\.0\.1:(\d+)/)?.[1]);
  const httpPort = Number(out.match(/http\s+127\.0\.0\.1:(\d+)/)?.[1]);
  const rest = spawnSync('curl', ['-s', `http://127.0.0.1:${httpPort}/items/1`], { encoding: 'utf8' });
  assert.match(rest.stdout, /"id"/, `http service answers: ${rest.stdout}`);
  assert.ok(echoPort > 0 && h2Port > 0, out);

  assert.equal((await echoRoundTrip(echoPort, Buffer.from('via serve'))).toString(), 'via serve');
  const curl = spawnSync('curl', ['-s', '--http2-prior-knowledge', `http://127.0.0.1:${h2Port}/`], {
    encoding: 'utf8',
  });
  assert.equal(curl.error, undefined, 'curl is needed: apt-get install -y curl');
  assert.equal(curl.stdout, 'hello from wirestack over HTTP/2\n');

  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /echo 127\.0\.0\.1:\d+: drained/);
  assert.match(out, /h2 127\.0\.0\.1:\d+: drained/);
  assert.match(out, /http 127\.0\.0\.1:\d+: drained/);
  assert.match(out, /resp 127\.0\.0\.1:\d+: drained/);
  assert.match(out, /grpc 127\.0\.0\.1:\d+: drained/);
});

test('wirestack h2 serves curl over HTTP/2 and explains itself with --help', async () => {
  const help = spawnSync(process.execPath, [CLI, 'h2', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: wirestack h2/);
  const server = await startServerProcess(['h2', '--port', '0']);
  try {
    const curl = spawnSync(
      'curl',
      ['-s', '--http2-prior-knowledge', '--data-binary', 'ping-pong', `http://127.0.0.1:${server.port}/echo`],
      { encoding: 'utf8' },
    );
    assert.equal(curl.stdout, 'ping-pong');
    server.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
  } finally {
    server.kill('SIGKILL');
  }
});

test('usage mistakes exit 2 with a hint; unknown commands are named', () => {
  const bad = spawnSync(process.execPath, [CLI, 'echo', '--port', 'seventy'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port must be a whole number from 0 to 65535, got "seventy"/);
  assert.match(bad.stderr, /wirestack echo --help/);
  const unknown = spawnSync(process.execPath, [CLI, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const inUse = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.match(inUse.stdout, /serve/);
});

test('the wirestack bin is executable after the build, so `npx wirestack` runs it directly', async () => {
  const { statSync } = await import('node:fs');
  assert.ok((statSync(CLI).mode & 0o111) !== 0, `${CLI} is not executable`);
  const r = spawnSync(CLI, ['--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: wirestack <command>/);
});
