// `wirestack grpc serve` (runGrpcServe) as a process: health, interop service, drain on SIGTERM.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthService, ServingStatus } from '../../src/grpc/health-service.js';
import { GrpcServer } from '../../src/grpc/index.js';

// biome-ignore lint/suspicious/noExplicitAny: grpc-js stubs built at run time are untyped
type Stub = any;

const definition = protoLoader.loadSync(
  ['grpc/testing/test.proto', 'grpc/health/v1/health.proto', 'wirestack/demo/echo.proto'],
  {
    includeDirs: ['protos'],
    defaults: true,
    enums: String,
  },
);
const pkg = grpc.loadPackageDefinition(definition) as Stub;
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Runs runGrpcServe(args) in a child (src/cli/main.ts dispatch is wired by the lead) and waits for its banner. */
function startGrpcServe(
  args: string[],
): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  const code = `import('./dist/src/cli/grpc-serve.js').then((m) => m.runGrpcServe(${JSON.stringify(args)}))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 10 s:\n${out}`)), 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /grpc listening on (\S+):(\d+) \(try: /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: `${m[1]}:${m[2]}`, output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (c) => reject(new Error(`exited ${c}:\n${out}`)));
  });
}

test('--help describes the options', async () => {
  const child = spawn(process.execPath, [
    '-e',
    `import('./dist/src/cli/grpc-serve.js').then((m) => m.runGrpcServe(['--help']))`,
  ]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((r) => child.on('exit', r));
  for (const o of ['--port', '--host', '--max-conns', '--backlog', '--drain-timeout'])
    assert.match(out, new RegExp(o));
});

test('grpc serve: health Check, an interop call, then SIGTERM drains an in-flight stream and exits 0', async () => {
  const { child, address, output } = await startGrpcServe(['--port', '0', '--drain-timeout', '5']);
  const creds = grpc.credentials.createInsecure();
  const health = new pkg.grpc.health.v1.Health(address, creds);
  const testService = new pkg.grpc.testing.TestService(address, creds);
  const check = (service: string) =>
    new Promise<{ err: grpc.ServiceError | null; res: Stub }>((resolve) =>
      health.check({ service }, (err: grpc.ServiceError | null, res: Stub) => resolve({ err, res })),
    );
  assert.equal((await check('')).res.status, 'SERVING');
  assert.equal((await check('grpc.testing.TestService')).res.status, 'SERVING');
  assert.equal((await check('no.Such')).err?.code, grpc.status.NOT_FOUND);

  const echo = new pkg.wirestack.demo.Echo(address, creds);
  const said = await new Promise<Stub>((resolve, reject) =>
    echo.say({ message: 'hi' }, (e: Error | null, r: Stub) => (e ? reject(e) : resolve(r))),
  );
  assert.equal(said.message, 'hi');
  const repeated: number[] = [];
  for await (const m of echo.repeat({ message: 'x', repeat: 3 })) repeated.push(m.index);
  assert.deepEqual(repeated, [0, 1, 2]);
  const joined = await new Promise<Stub>((resolve, reject) => {
    const c = echo.join((e: Error | null, r: Stub) => (e ? reject(e) : resolve(r)));
    for (const w of ['a', 'b', 'c']) c.write({ message: w });
    c.end();
  });
  assert.equal(joined.message, 'a b c');
  const chat = echo.chat();
  chat.write({ message: 'ping' });
  chat.end();
  const chatted: string[] = [];
  for await (const m of chat) chatted.push(m.message);
  assert.deepEqual(chatted, ['ping']);
  echo.close();

  const call = testService.streamingOutputCall({
    responseParameters: [
      { size: 1, intervalUs: 300_000 },
      { size: 2, intervalUs: 300_000 },
    ],
  });
  const got: number[] = [];
  const ended = new Promise<grpc.StatusObject>((resolve) => {
    call.on('data', (m: Stub) => got.push(m.payload.body.length));
    call.on('status', resolve);
  });
  await new Promise((r) => setTimeout(r, 100));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  child.kill('SIGTERM');
  const status = await ended;
  assert.equal(status.code, grpc.status.OK);
  assert.deepEqual(got, [1, 2]);
  assert.equal(await exited, 0, output());
  assert.match(output(), /drained/);
  health.close();
  testService.close();
});

test('HealthService.Watch streams the current status and every change', async () => {
  const server = new GrpcServer();
  const h = new HealthService().addTo(server);
  h.setStatus('svc', ServingStatus.SERVING);
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.watch({ service: 'svc' });
  const seen: string[] = [];
  call.on('error', () => {});
  await new Promise<void>((resolve) => {
    call.on('data', (m: Stub) => {
      seen.push(m.status);
      if (seen.length === 1) h.setStatus('svc', ServingStatus.NOT_SERVING);
      if (seen.length === 2) resolve();
    });
  });
  assert.deepEqual(seen, ['SERVING', 'NOT_SERVING']);
  call.cancel();
  client.close();
  await server.close({ drainTimeoutMs: 500 });
});
