// Rich error details: a RichGrpcError reaches grpc-js and grpcio as grpc-status-details-bin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  decodeRichStatus,
  encodeRichStatus,
  GrpcChannel,
  GrpcError,
  GrpcServer,
  GrpcStatus,
  loadRichStatusSchema,
  makeClient,
  packStatusDetail,
  RichGrpcError,
  richStatusOf,
  unpackStatusDetail,
} from '../../src/grpc/index.js';
import { ProtoSchema } from '../../src/protobuf/index.js';
import { runToExit } from '../support/processes.js';

const demo = ProtoSchema.fromSources({
  'demo.proto':
    'syntax = "proto3"; package demo; message M { string name = 1; } service D { rpc Get(M) returns (M); }',
});
const rich = loadRichStatusSchema();
let server: GrpcServer;
let address: string;

before(async () => {
  server = new GrpcServer();
  server.addService(demo, 'demo.D', {
    Get: async (req: { name: string }) => {
      throw new RichGrpcError(GrpcStatus.INVALID_ARGUMENT, 'name must not be empty', [
        packStatusDetail(rich, 'google.rpc.BadRequest', {
          fieldViolations: [{ field: 'name', description: `got ${JSON.stringify(req.name)}` }],
        }),
        packStatusDetail(rich, 'google.rpc.ErrorInfo', { reason: 'EMPTY_NAME', domain: 'wirestack.test' }),
      ]);
    },
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  address = `127.0.0.1:${port}`;
});

after(() => server.close({ drainTimeoutMs: 500 }));

test('grpc-js reads grpc-status-details-bin as a google.rpc.Status matching the call status', async () => {
  const Client = grpc.makeGenericClientConstructor({}, 'D');
  const client = new Client(address, grpc.credentials.createInsecure());
  const M = demo.message<{ name: string }>('demo.M');
  const err = await new Promise<grpc.ServiceError>((resolve) =>
    client.makeUnaryRequest(
      '/demo.D/Get',
      (m: { name: string }) => Buffer.from(M.encode(m)),
      (b: Buffer) => M.decode(b),
      { name: '' },
      (e: grpc.ServiceError | null) => resolve(e as grpc.ServiceError),
    ),
  );
  client.close();
  assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
  const [bin] = err.metadata.get('grpc-status-details-bin') as Buffer[];
  const status = decodeRichStatus(bin);
  assert.equal(status.code, GrpcStatus.INVALID_ARGUMENT);
  assert.equal(status.message, 'name must not be empty');
  assert.deepEqual(
    status.details.map((d) => d.typeUrl),
    ['type.googleapis.com/google.rpc.BadRequest', 'type.googleapis.com/google.rpc.ErrorInfo'],
  );
  const bad = rich
    .message<{ fieldViolations: { field: string }[] }>('google.rpc.BadRequest')
    .decode(status.details[0].value);
  assert.equal(bad.fieldViolations[0].field, 'name');
});

test('python grpcio reads the same details with protobuf classes from protoc', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-rich-'));
  try {
    const pb = join(dir, 'rich.pb');
    const protoc = spawnSync('protoc', [
      '--include_imports',
      `--descriptor_set_out=${pb}`,
      '-Iprotos',
      '-I/usr/include',
      'google/rpc/status.proto',
      'google/rpc/error_details.proto',
    ]);
    assert.equal(protoc.status, 0, `protoc: ${protoc.stderr}`);
    const script = `
import sys, grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
fds = descriptor_pb2.FileDescriptorSet(); fds.ParseFromString(open(sys.argv[2], 'rb').read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file: pool.Add(f)
factory = message_factory.MessageFactory(pool)
Status = factory.GetPrototype(pool.FindMessageTypeByName('google.rpc.Status'))
ErrorInfo = factory.GetPrototype(pool.FindMessageTypeByName('google.rpc.ErrorInfo'))
ch = grpc.insecure_channel(sys.argv[1])
try:
    ch.unary_unary('/demo.D/Get')(b'', timeout=10)
except grpc.RpcError as e:
    bin = dict(e.trailing_metadata())['grpc-status-details-bin']
    s = Status.FromString(bin)
    info = ErrorInfo.FromString(s.details[1].value)
    print(e.code().value[0], s.code, s.message, s.details[1].type_url, info.reason)
`;
    const { out } = await runToExit('/usr/bin/python3', ['-c', script, address, pb]);
    assert.equal(
      out.trim(),
      '3 3 name must not be empty type.googleapis.com/google.rpc.ErrorInfo EMPTY_NAME',
      `python output (needs python3-grpcio and python3-protobuf):\n${out}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('our client reads the rich status: from our server, and from a grpc-js server', async (t) => {
  type M = { name: string };
  async function failure(target: string): Promise<GrpcError> {
    const channel = new GrpcChannel(target);
    t.after(() => channel.close());
    const client = makeClient(demo.service('demo.D'), channel, { schema: demo }) as unknown as {
      get(m: M): Promise<M>;
    };
    const err = await client.get({ name: '' }).then(
      () => assert.fail('the call succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GrpcError);
    return err;
  }
  const ours = richStatusOf(await failure(address));
  assert.equal(ours?.code, GrpcStatus.INVALID_ARGUMENT);
  assert.equal(ours?.message, 'name must not be empty');
  const bad = unpackStatusDetail<{ fieldViolations: { field: string; description: string }[] }>(
    rich,
    ours.details[0],
  );
  assert.equal(bad?.typeName, 'google.rpc.BadRequest');
  assert.deepEqual(
    bad?.message.fieldViolations.map((v) => [v.field, v.description]),
    [['name', 'got ""']],
  );
  assert.equal(unpackStatusDetail(rich, ours.details[1])?.message.reason, 'EMPTY_NAME');
  assert.equal(
    unpackStatusDetail(rich, { typeUrl: 'type.googleapis.com/no.Such', value: new Uint8Array() }),
    undefined,
  );

  // grpc-js as the server: details it attaches as trailing metadata reach our client.
  const theirs = new grpc.Server();
  const details = (code: number) =>
    Buffer.from(
      encodeRichStatus({
        code,
        message: 'quota',
        details: [packStatusDetail(rich, 'google.rpc.ErrorInfo', { reason: 'QUOTA', domain: 'grpc-js' })],
      }),
    );
  theirs.addService(
    {
      Get: {
        path: '/demo.D/Get',
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    {
      Get: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const md = new grpc.Metadata();
        // A name of "lie" sends details whose code contradicts the status: they must be ignored.
        const lie = Buffer.from(call.request).includes(Buffer.from('lie'));
        md.set('grpc-status-details-bin', details(lie ? GrpcStatus.OK : GrpcStatus.RESOURCE_EXHAUSTED));
        cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'quota', metadata: md });
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    theirs.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  t.after(() => theirs.forceShutdown());
  const fromGrpcJs = richStatusOf(await failure(`127.0.0.1:${port}`));
  assert.equal(fromGrpcJs?.code, GrpcStatus.RESOURCE_EXHAUSTED);
  assert.equal(unpackStatusDetail(rich, fromGrpcJs.details[0])?.message.reason, 'QUOTA');
  const channel = new GrpcChannel(`127.0.0.1:${port}`);
  t.after(() => channel.close());
  const client = makeClient(demo.service('demo.D'), channel, { schema: demo }) as unknown as {
    get(m: { name: string }): Promise<unknown>;
  };
  const lied = await client.get({ name: 'lie' }).then(
    () => assert.fail('the call succeeded'),
    (e: unknown) => e,
  );
  assert.equal((lied as GrpcError).status, GrpcStatus.RESOURCE_EXHAUSTED);
  assert.equal(richStatusOf(lied), undefined, 'details contradicting the status are not trusted');
});
