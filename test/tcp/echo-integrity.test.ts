import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEchoServer } from '../../src/tcp/index.js';
import { echoRoundTrip } from '../support/processes.js';

const MiB = 1024 * 1024;

/** Deterministic sizes, log-uniform from 1 byte to 8 MiB, with both ends always present. */
function payloadSizes(count: number, seed: number): number[] {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const sizes = [1, 8 * MiB];
  while (sizes.length < count) sizes.push(Math.max(1, Math.floor(Math.exp(rand() * Math.log(8 * MiB)))));
  return sizes;
}

const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('200 concurrent node:net clients echo random payloads from 1 B to 8 MiB byte for byte', async () => {
  const server = createEchoServer();
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    const sizes = payloadSizes(200, 42);
    const results = await Promise.all(
      sizes.map(async (size) => {
        const payload = randomBytes(size);
        const echoed = await echoRoundTrip(port, payload);
        return { size, ok: echoed.length === size && digest(echoed) === digest(payload), got: echoed.length };
      }),
    );
    const bad = results.filter((r) => !r.ok);
    assert.deepEqual(bad, [], 'every client gets exactly its own bytes back');
    assert.equal(server.counters.accepted, 200);
  } finally {
    await server.close({ drainTimeoutMs: 2000 });
  }
});

test('nc (netcat-openbsd) clients get their bytes back, in parallel with each other', async () => {
  const server = createEchoServer();
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-nc-'));
  try {
    const sizes = [1, 1000, 65_537, 3 * MiB, 8 * MiB];
    await Promise.all(
      sizes.map(async (size, i) => {
        const input = join(dir, `in-${i}`);
        const output = join(dir, `out-${i}`);
        const payload = randomBytes(size);
        writeFileSync(input, payload);
        const code = await new Promise<number | null>((resolve, reject) => {
          const child = spawn('sh', ['-c', `nc -N 127.0.0.1 ${port} < ${input} > ${output}`], {
            stdio: 'inherit',
          });
          child.on('error', (e) => reject(new Error(`cannot run nc (install netcat-openbsd): ${e.message}`)));
          child.on('exit', resolve);
        });
        assert.equal(code, 0, `nc exited with ${code} (is netcat-openbsd installed?)`);
        const echoed = readFileSync(output);
        assert.equal(echoed.length, size);
        assert.equal(digest(echoed), digest(payload));
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close({ drainTimeoutMs: 2000 });
  }
});

test('the echo server answers over IPv6 (::1) too', async () => {
  const server = createEchoServer();
  const addr = await server.listen({ host: '::1', port: 0 });
  try {
    assert.equal(addr.family, 6);
    assert.equal(addr.host, '::1');
    const echoed = await echoRoundTrip(addr.port, Buffer.from('over six'), '::1');
    assert.equal(echoed.toString(), 'over six');
  } finally {
    await server.close();
  }
});
