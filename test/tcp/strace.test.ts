import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { echoRoundTrip, startServerProcess } from '../support/processes.js';

test('strace shows the echo server making socket, bind, listen, accept4 and epoll_wait itself', async () => {
  const probe = spawnSync('strace', ['-V']);
  assert.equal(probe.error, undefined, 'strace is needed for this test: apt-get install -y strace');
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-strace-'));
  const log = join(dir, 'trace');
  const server = await startServerProcess(
    ['echo', '--port', '0'],
    ['strace', '-f', '-qq', '-e', 'trace=socket,bind,listen,accept4,epoll_wait', '-o', log],
    30_000,
  );
  try {
    const echoed = await echoRoundTrip(server.port, Buffer.from('traced'));
    assert.equal(echoed.toString(), 'traced');
    // strace does not forward signals: deliver SIGTERM to the traced node process itself.
    const tracee = Number(
      readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(' ')[0],
    );
    assert.ok(tracee > 0, 'found the traced server process');
    process.kill(tracee, 'SIGTERM');
    const { code } = await server.exited;
    assert.equal(code, 0, server.output());
    const trace = readFileSync(log, 'utf8');
    assert.match(trace, /socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, IPPROTO_TCP\)\s+= \d+/);
    assert.match(
      trace,
      /bind\(\d+, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127.0.0.1"\)\}/,
    );
    assert.match(trace, /listen\(\d+, 511\)\s+= 0/);
    assert.match(trace, /accept4\(\d+, NULL, NULL, SOCK_CLOEXEC\|SOCK_NONBLOCK\)\s+= \d+/);
    // Our drain is epoll_wait(epfd, ..., 256, 0): non-blocking, called from the libuv poll callback.
    assert.match(trace, /epoll_wait\(\d+, .*, 256, 0\)\s+= [1-9]/);
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
