import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { CLI, startServerProcess } from '../support/processes.js';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('wirestack grpc serve passes every interop case run by wirestack grpc interop, and answers grpc call', async () => {
  const server = await startServerProcess(['grpc', 'serve', '--port', '0']);
  try {
    const target = `127.0.0.1:${server.port}`;
    const interop = await run(['grpc', 'interop', '--server', target, '--test-case', 'all']);
    assert.equal(interop.code, 0, interop.stdout + interop.stderr);
    const health = await run([
      'grpc',
      'call',
      target,
      'grpc.health.v1.Health/Check',
      '-d',
      '{}',
      '-I',
      'protos',
      '--proto',
      'grpc/health/v1/health.proto',
    ]);
    assert.equal(health.code, 0, health.stderr);
    assert.deepEqual(JSON.parse(health.stdout), { status: 'SERVING' });
    server.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.output());
  } finally {
    server.kill('SIGKILL');
  }
});

test('wirestack grpc without a known subcommand explains itself', async () => {
  const bad = await run(['grpc', 'frob']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown grpc subcommand "frob"/);
  const help = await run(['grpc', '--help']);
  assert.match(help.stdout, /serve[\s\S]*call[\s\S]*interop/);
});
