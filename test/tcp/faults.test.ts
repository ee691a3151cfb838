import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { countFds, sampleProcess } from '../../src/bench/proc-stats.js';
import { createEchoServer } from '../../src/tcp/index.js';
import {
  connectNode,
  echoRoundTrip,
  readUntilClose,
  sleep,
  startServerProcess,
  waitFor,
} from '../support/processes.js';

const MiB = 1024 * 1024;

test('clients that reset mid-write (ECONNRESET/EPIPE) do not hurt the server or other clients; fds do not leak', async () => {
  const server = createEchoServer();
  const { port } = await server.listen({ port: 0 });
  try {
    const control = await echoRoundTrip(port, Buffer.from('before'));
    assert.equal(control.toString(), 'before');
    await sleep(50);
    const fdsBefore = countFds(process.pid);
    for (let i = 0; i < 50; i++) {
      const c = await connectNode(port);
      c.on('error', () => {});
      c.pause(); // do not read: the server's echo is mid-write when the RST arrives
      c.write(randomBytes(2 * MiB));
      await sleep(5);
      c.resetAndDestroy();
    }
    await waitFor(() => server.connections.size === 0, 5000, 'the reset connections to be closed');
    assert.equal(countFds(process.pid), fdsBefore, 'every fd of a reset connection is released');
    const after = await echoRoundTrip(port, Buffer.from('after'));
    assert.equal(after.toString(), 'after', 'the server still serves');
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});

test('a client that writes 64 MiB and reads slowly gets every byte while server memory stays bounded', async () => {
  const server = await startServerProcess(['echo', '--port', '0']);
  try {
    const baseline = sampleProcess(server.pid).rssBytes;
    const payload = randomBytes(64 * MiB);
    const sock = await connectNode(server.port);
    let received = 0;
    let peakRss = baseline;
    const parts: Buffer[] = [];
    const done = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.on('data', (d) => {
      parts.push(d);
      received += d.length;
      // Read slowly: a 10 ms pause after every 512 KiB.
      if (received % (512 * 1024) < d.length) {
        sock.pause();
        setTimeout(() => sock.resume(), 10);
      }
    });
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, sampleProcess(server.pid).rssBytes);
    }, 20);
    sock.end(payload);
    await done;
    clearInterval(sampler);
    const echoed = Buffer.concat(parts);
    assert.equal(echoed.length, payload.length);
    assert.ok(echoed.equals(payload), 'every byte arrives, in order');
    const growth = peakRss - baseline;
    assert.ok(growth < 8 * MiB, `server RSS grew by ${(growth / MiB).toFixed(1)} MiB for a 64 MiB echo`);
  } finally {
    server.kill('SIGKILL');
  }
});

test('out of file descriptors (ulimit -n 64, 200 clients): no crash, no accept spin, existing clients served', async () => {
  const server = await startServerProcess(['echo', '--port', '0'], ['prlimit', '--nofile=64:64']);
  try {
    const first = await connectNode(server.port);
    const clients = [];
    for (let i = 0; i < 200; i++) {
      const c = await connectNode(server.port).catch(() => null);
      if (c) {
        c.on('error', () => {});
        clients.push(c);
      }
    }
    await sleep(300);
    const cpuBefore = sampleProcess(server.pid).cpuMs;
    await sleep(2000);
    const cpuUsed = sampleProcess(server.pid).cpuMs - cpuBefore;
    assert.ok(
      cpuUsed < 400,
      `server used ${cpuUsed} ms of CPU in 2 s while out of fds (a spinning accept loop uses ~2000)`,
    );
    assert.match(server.output(), /EMFILE: pausing accepts/);
    first.write('still here');
    const got = await new Promise<string>((resolve) => first.once('data', (d) => resolve(d.toString())));
    assert.equal(got, 'still here');
    for (const c of clients) c.destroy();
    first.destroy();
    await sleep(300);
    const later = await echoRoundTrip(server.port, Buffer.from('recovered'));
    assert.equal(later.toString(), 'recovered', 'once fds free up, new clients are served again');
  } finally {
    server.kill('SIGKILL');
  }
});

test('an idle server uses no CPU (no busy polling)', async () => {
  const server = await startServerProcess(['echo', '--port', '0']);
  try {
    const c = await connectNode(server.port);
    await sleep(500);
    const before = sampleProcess(server.pid).cpuMs;
    await sleep(3000);
    const used = sampleProcess(server.pid).cpuMs - before;
    assert.ok(used <= 30, `idle server with one open connection used ${used} ms of CPU in 3 s`);
    c.destroy();
  } finally {
    server.kill('SIGKILL');
  }
});

test('a closed echo server does not hold the process open', async () => {
  const { spawn } = await import('node:child_process');
  const script = `import('${process.cwd()}/dist/src/tcp/index.js').then(async (m) => {
    const s = m.createEchoServer(); await s.listen({ port: 0 }); await s.close(); console.log('closed');
  })`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const code = await Promise.race([
    new Promise<number | null>((r) => child.on('exit', r)),
    sleep(5000).then(() => 'hung'),
  ]);
  if (code === 'hung') child.kill('SIGKILL');
  assert.equal(code, 0);
  assert.equal(out.trim(), 'closed');
});

test('the rejected-connection message is one clean line even when the client sent data first', async () => {
  const server = createEchoServer({ maxConnections: 1, backlog: 0 });
  const { port } = await server.listen({ port: 0 });
  try {
    const holder = await connectNode(port);
    await waitFor(() => server.connections.size === 1, 2000, 'accept');
    const extra = await connectNode(port);
    extra.write('hello?');
    const reply = await readUntilClose(extra);
    assert.match(reply.toString(), /^ERR server busy/);
    holder.destroy();
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});
