// `wirestack grpc serve --auth-token-file F --log` as a process, called by a stock @grpc/grpc-js client.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { bearer, type Stub, unary, waitFor } from './interceptors-support.js';

const pkg = grpc.loadPackageDefinition(
  protoLoader.loadSync(['grpc/health/v1/health.proto', 'wirestack/demo/echo.proto'], {
    includeDirs: ['protos'],
    defaults: true,
    enums: String,
  }),
) as Stub;

test('grpc serve --auth-token-file --log: calls need the token, health stays open, each call is a JSON line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-serve-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 's3cret-token\n');
  const args = ['--port', '0', '--auth-token-file', tokenFile, '--log'];
  const code = `import('./dist/src/cli/grpc-serve.js').then((m) => m.runGrpcServe(${JSON.stringify(args)}))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await waitFor(() => /grpc listening on (\S+):(\d+) \(try: /.test(out + err), 10_000, 'the banner');
  const [, host, port] = /grpc listening on (\S+):(\d+) \(try: /.exec(out + err) as RegExpExecArray;
  const address = `${host}:${port}`;
  const creds = grpc.credentials.createInsecure();
  const echo = new pkg.wirestack.demo.Echo(address, creds);
  const health = new pkg.grpc.health.v1.Health(address, creds);
  t.after(() => {
    echo.close();
    health.close();
  });

  const refused = await unary(echo, 'say', { message: 'hi' });
  assert.equal(refused.err?.code, grpc.status.UNAUTHENTICATED);
  const ok = await unary(echo, 'say', { message: 'hi' }, bearer('s3cret-token'));
  assert.equal(ok.err, null);
  assert.equal(ok.res.message, 'hi');
  const checked = await unary(health, 'check', { service: '' });
  assert.equal(checked.res.status, 'SERVING');

  await waitFor(() => err.split('\n').filter((l) => l.startsWith('{')).length >= 3, 5000, 'three log lines');
  const lines = err
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.method, l.status]),
    [
      ['/wirestack.demo.Echo/Say', 'UNAUTHENTICATED'],
      ['/wirestack.demo.Echo/Say', 'OK'],
      ['/grpc.health.v1.Health/Check', 'OK'],
    ],
  );
  assert.equal(lines[1].metadata.authorization, '[REDACTED]');
  assert.ok(!err.includes('s3cret-token'));
});

test('grpc serve --auth-token-file with an empty file is a usage error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-serve-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, '\n');
  const { runGrpcServe } = await import('../../src/cli/grpc-serve.js');
  await assert.rejects(runGrpcServe(['--port', '0', '--auth-token-file', tokenFile]), /must hold a token/);
  await assert.rejects(
    runGrpcServe(['--port', '0', '--auth-token-file', join(dir, 'missing')]),
    /cannot read/,
  );
});
