// Our client against a Python grpcio server (the gRPC C core), from client-grpcio-server.py.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GrpcChannel } from '../../src/grpc/channel.js';
import { INTEROP_CASES, interopContext } from '../../src/grpc/interop/test-client.js';
import { loadProtoSchema } from '../../src/protobuf/index.js';

const PYTHON = '/usr/bin/python3';
const schema = loadProtoSchema(['grpc/testing/test.proto'], { includePaths: ['protos'] });
let child: ChildProcess;
let channel: GrpcChannel;
let dir: string;
let output = '';

function requirePythonGrpc(): void {
  try {
    execFileSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(
      `${PYTHON} cannot import grpc and google.protobuf: install Debian's python3-grpcio and python3-protobuf (${(e as Error).message})`,
    );
  }
}

before(async () => {
  requirePythonGrpc();
  dir = mkdtempSync(join(tmpdir(), 'wirestack-grpcio-'));
  const descriptors = join(dir, 'test.pb');
  execFileSync('protoc', [
    '-Iprotos',
    `--descriptor_set_out=${descriptors}`,
    '--include_imports',
    'grpc/testing/test.proto',
  ]);
  child = spawn(PYTHON, ['test/grpc/client-grpcio-server.py', descriptors], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`grpcio server did not start:\n${output}`)), 15_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`grpcio server exited with ${code}:\n${output}`));
    });
  });
  channel = new GrpcChannel(`127.0.0.1:${port}`);
});

after(async () => {
  await channel?.close();
  child?.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// client_compressed_unary as written needs a server that sees the request's Compressed-Flag, which
// grpcio's Python API does not expose: it runs against grpc-js (client-interop-grpcjs.test.ts), and
// the test after these watches the flag on the wire on its way to grpcio instead.
const CASES = [
  'empty_unary',
  'large_unary',
  'server_streaming',
  'client_streaming',
  'ping_pong',
  'empty_stream',
  'status_code_and_message',
  'special_status_message',
  'custom_metadata',
  'timeout_on_sleeping_server',
  'cancel_after_begin',
  'cancel_after_first_response',
  'server_compressed_unary',
  'unimplemented_method',
  'unimplemented_service',
];

for (const name of CASES) {
  test(`interop ${name}: our client → python grpcio server`, async () => {
    await INTEROP_CASES[name](interopContext(channel, schema));
  });
}

test('one connection served every case', () => {
  assert.equal(channel.connectAttempts, 1);
});

test('client_compressed_unary against grpcio, watched on the wire: Compressed-Flag 1 with gzip, 0 without, and the C core decodes both', async (t) => {
  // A relay between our client and grpcio reads the client's HTTP/2 frames and notes the first
  // byte of each request message: grpcio cannot say whether what it received was compressed.
  const { createServer, connect } = await import('node:net');
  const { FrameDecoder } = await import('../../src/http2/frame-decoder.js');
  const { CLIENT_PREFACE } = await import('../../src/http2/connection.js');
  const { makeClient } = await import('../../src/grpc/client.js');
  const target = channel.port;
  const flags = new Map<number, number>();
  const relay = createServer((inbound) => {
    const outbound = connect(target, '127.0.0.1');
    const frames = new FrameDecoder(16777215);
    let preface = CLIENT_PREFACE.length;
    inbound.on('data', (d: Buffer) => {
      outbound.write(d);
      const skip = Math.min(preface, d.length);
      preface -= skip;
      for (const f of frames.push(d.subarray(skip))) {
        if (f.kind === 'data' && f.data.length > 0 && !flags.has(f.streamId))
          flags.set(f.streamId, f.data[0]);
      }
    });
    outbound.on('data', (d: Buffer) => inbound.write(d));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => {});
    outbound.on('error', () => {});
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  t.after(() => relay.close());
  const watched = new GrpcChannel(`127.0.0.1:${(relay.address() as import('node:net').AddressInfo).port}`);
  t.after(() => watched.close());
  const svc = makeClient(schema.service('grpc.testing.TestService'), watched, { schema }) as unknown as {
    unaryCall(req: object, opts?: object): Promise<{ payload?: { body?: Uint8Array } }>;
  };
  const request = { responseSize: 314159, payload: { body: new Uint8Array(271828) } };
  const zipped = await svc.unaryCall(request, { compression: 'gzip' });
  const plain = await svc.unaryCall(request);
  assert.equal(zipped.payload?.body?.length, 314159);
  assert.equal(plain.payload?.body?.length, 314159);
  assert.deepEqual(
    [...flags.entries()],
    [
      [1, 1],
      [3, 0],
    ],
  );
});
