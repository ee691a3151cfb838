// Preliminary streaming throughput (messages/s): wirestack's client vs @grpc/grpc-js's client, both
// against the same grpc-js interop server, which runs in a child process so that it does not share
// the clients' thread. Not a test: run after a build, from the repo root, with
//   node dist/test/grpc/client-throughput-bench.js [messages] [rounds]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GrpcChannel } from '../../src/grpc/channel.js';
import { makeClient } from '../../src/grpc/client.js';
import { loadProtoSchema } from '../../src/protobuf/index.js';
import { startGrpcJsTestServer } from './client-grpcjs-server.js';

if (process.argv[2] === '--serve') {
  const server = await startGrpcJsTestServer();
  console.log(`listening on 127.0.0.1:${server.port}`);
  await new Promise(() => {});
}

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const SIZE = 16;

const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve) => {
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
});
const target = `127.0.0.1:${port}`;
const schema = loadProtoSchema(['grpc/testing/test.proto'], { includePaths: ['protos'] });
const channel = new GrpcChannel(target);
const ours = makeClient(schema.service('grpc.testing.TestService'), channel, { schema });

const def = protoLoader.loadSync('grpc/testing/test.proto', { includeDirs: ['protos'] });
const pkg = grpc.loadPackageDefinition(def) as unknown as {
  grpc: { testing: { TestService: new (t: string, c: grpc.ChannelCredentials) => grpc.Client } };
};
const theirs = new pkg.grpc.testing.TestService(target, grpc.credentials.createInsecure()) as grpc.Client &
  Record<
    string,
    (...a: unknown[]) => grpc.ClientReadableStream<unknown> & grpc.ClientDuplexStream<unknown, unknown>
  >;

const params = Array.from({ length: N }, () => ({ size: SIZE }));

async function oursServerStreaming(): Promise<number> {
  let n = 0;
  for await (const _ of ours.streamingOutputCall({ responseParameters: params })) n++;
  return n;
}

function theirsServerStreaming(): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const call = theirs.StreamingOutputCall({ responseParameters: params });
    call.on('data', () => n++);
    call.on('end', () => resolve(n));
    call.on('error', reject);
  });
}

async function oursBidi(): Promise<number> {
  const call = ours.fullDuplexCall();
  const req = { responseParameters: [{ size: SIZE }], payload: { body: new Uint8Array(SIZE) } };
  for (let i = 0; i < N; i++) call.write(req);
  call.end();
  let n = 0;
  for await (const _ of call) n++;
  return n;
}

function theirsBidi(): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const call = theirs.FullDuplexCall();
    call.on('data', () => n++);
    call.on('end', () => resolve(n));
    call.on('error', reject);
    const req = { responseParameters: [{ size: SIZE }], payload: { body: Buffer.alloc(SIZE) } };
    for (let i = 0; i < N; i++) call.write(req);
    call.end();
  });
}

async function measure(name: string, run: () => Promise<number>): Promise<void> {
  await run(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const n = await run();
    const s = (performance.now() - t0) / 1000;
    if (n !== N) throw new Error(`${name}: ${n} messages, expected ${N}`);
    rates.push(n / s);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(
    `${name.padEnd(44)} ${Math.round(median).toLocaleString('en-US').padStart(10)} msg/s (median of ${ROUNDS})`,
  );
}

console.log(`${N} messages of ${SIZE}-byte payloads per round; grpc-js interop server in a child process`);
await measure('server streaming: wirestack client', oursServerStreaming);
await measure('server streaming: grpc-js client', theirsServerStreaming);
await measure('bidi (pipelined): wirestack client', oursBidi);
await measure('bidi (pipelined): grpc-js client', theirsBidi);
theirs.close();
await channel.close();
child.kill();
