import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { RespTestClient } from '../drivers/resp-client.js';
import { CLI, startServerProcess, waitFor } from '../support/processes.js';

test('wirestack resp --help documents every option', () => {
  const r = spawnSync(process.execPath, [CLI, 'resp', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const option of [
    '--port',
    '--host',
    '--max-conns',
    '--backlog',
    '--idle-timeout',
    '--drain-timeout',
    '--pubsub-limit',
  ]) {
    assert.ok(r.stdout.includes(option), `--help mentions ${option}`);
  }
  const main = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.match(main.stdout, /^ {2}resp {4}/m, 'listed in wirestack --help');
});

test('wirestack resp: a bad option is a usage error (exit 2)', () => {
  const r = spawnSync(process.execPath, [CLI, 'resp', '--pubsub-limit', '1,2'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--pubsub-limit takes HARD,SOFT,SECONDS/);
});

test('wirestack resp prints how to reach it, serves clients, and drains on SIGTERM (exit 0)', async () => {
  const server = await startServerProcess(['resp', '--port', '0', '--max-conns', '2']);
  assert.match(server.output(), /resp listening on 127\.0\.0\.1:\d+ \(try: redis-cli -p \d+ ping\)/);
  const c = await RespTestClient.connect(server.port);
  assert.equal(await c.call('SET', 'a', '1'), 'OK');
  // Half a command in flight when the signal arrives: it is finished and answered before exit.
  const cmd = '*2\r\n$3\r\nGET\r\n$1\r\na\r\n';
  c.sendRaw(cmd.slice(0, 10));
  await new Promise((r) => setTimeout(r, 50));
  server.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 100));
  c.sendRaw(cmd.slice(10));
  assert.equal(await c.next(), '1');
  const { code } = await server.exited;
  assert.equal(code, 0, server.output());
  assert.match(server.output(), /resp 127\.0\.0\.1:\d+: drained 1 in-flight/);
});

test('wirestack serve starts the resp server too (--resp-port)', async () => {
  const child = spawn(process.execPath, [
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
  ]);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await waitFor(() => /resp +127\.0\.0\.1:\d+/.test(out), 10_000, 'serve to print the resp line');
    const port = Number(/resp +127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const c = await RespTestClient.connect(port);
    assert.equal(await c.call('PING'), 'PONG');
    c.close();
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, out);
});
