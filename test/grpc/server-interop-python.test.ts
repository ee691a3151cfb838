// gRPC's interop cases with Python grpcio (the gRPC C core) as the client against our server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GrpcServer } from '../../src/grpc/index.js';
import { startTestServer } from './server-support.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = 'test/grpc/python/interop_client.py';
const CASES = [
  'empty_unary',
  'large_unary',
  'client_streaming',
  'server_streaming',
  'ping_pong',
  'empty_stream',
  'cancel_after_begin',
  'cancel_after_first_response',
  'timeout_on_sleeping_server',
  'status_code_and_message',
  'special_status_message',
  'custom_metadata',
  'unimplemented_method',
  'unimplemented_service',
  'client_compressed_unary',
  'server_compressed_unary',
];

let server: GrpcServer;
let dir: string;
let output = '';

before(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf']);
  if (probe.status !== 0) {
    throw new Error(
      `${PYTHON} cannot import grpc and google.protobuf: install Debian's python3-grpcio and python3-protobuf ` +
        `(${probe.stderr?.toString().trim()})`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'wirestack-grpc-py-'));
  const descriptors = join(dir, 'test.pb');
  const protoc = spawnSync('protoc', [
    '--include_imports',
    `--descriptor_set_out=${descriptors}`,
    '-Iprotos',
    'grpc/testing/test.proto',
  ]);
  if (protoc.status !== 0)
    throw new Error(`protoc failed (is protobuf-compiler installed?): ${protoc.stderr}`);
  let address: string;
  ({ server, address } = await startTestServer());
  // Asynchronously: the server runs in this process and must keep serving while Python calls it.
  const child = spawn(PYTHON, [SCRIPT, address, descriptors], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await new Promise((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
});

after(async () => {
  await server?.close({ drainTimeoutMs: 1000 });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const name of CASES) {
  test(`python grpcio: ${name}`, () => {
    const line = output.split('\n').find((l) => l === `ok ${name}` || l.startsWith(`FAIL ${name}:`));
    assert.equal(line, `ok ${name}`, `python output:\n${output}`);
  });
}
