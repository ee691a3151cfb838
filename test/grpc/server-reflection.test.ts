// Server reflection: Python grpcio asks for services and files, and protobuf's own DescriptorPool
// accepts the FileDescriptorProtos we serialize (it checks every cross-reference).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addReflectionService,
  echoServiceHandlers,
  GrpcServer,
  loadEchoSchema,
  reflectionProtoSource,
} from '../../src/grpc/index.js';
import { loadTestServiceSchema, testServiceHandlers } from '../../src/grpc/interop/test-service.js';
import { ProtoSchema } from '../../src/protobuf/index.js';
import { runToExit } from '../support/processes.js';

const SCRIPT = `
import sys, grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
fds = descriptor_pb2.FileDescriptorSet(); fds.ParseFromString(open(sys.argv[2], 'rb').read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file: pool.Add(f)
factory = message_factory.MessageFactory(pool)
pkg = sys.argv[3]
Req = factory.GetPrototype(pool.FindMessageTypeByName(pkg + '.ServerReflectionRequest'))
Res = factory.GetPrototype(pool.FindMessageTypeByName(pkg + '.ServerReflectionResponse'))
ch = grpc.insecure_channel(sys.argv[1])
info = ch.stream_stream('/' + pkg + '.ServerReflection/ServerReflectionInfo',
                        request_serializer=Req.SerializeToString, response_deserializer=Res.FromString)
reqs = [Req(list_services=''), Req(file_containing_symbol='grpc.testing.TestService'),
        Req(file_containing_symbol='wirestack.demo.EchoRequest'), Req(file_by_filename='no/such.proto'),
        Req(file_containing_symbol='feat.Kitchen')]
out = list(info(iter(reqs), timeout=10))
print('services', sorted(s.name for s in out[0].list_services_response.service))
got = descriptor_pool.DescriptorPool()
files = {}
for r in [out[1], out[2], out[4]]:
    for b in r.file_descriptor_response.file_descriptor_proto:
        fd = descriptor_pb2.FileDescriptorProto.FromString(b)
        files[fd.name] = fd
added = set()
def add(name):
    if name in added: return
    for d in files[name].dependency: add(d)
    got.Add(files[name]); added.add(name)
for n in files: add(n)
svc = got.FindServiceByName('grpc.testing.TestService')
print('methods', [m.name for m in svc.methods])
m = got.FindMethodByName('grpc.testing.TestService.FullDuplexCall')
print('bidi', m.client_streaming, m.server_streaming, m.input_type.full_name)
print('echo', [f.name for f in got.FindMessageTypeByName('wirestack.demo.EchoRequest').fields])
print('error', out[3].error_response.error_code)
k = got.FindMessageTypeByName('feat.Sink')
print('kitchen', [(f.name, f.label, f.type, f.containing_oneof.name if f.containing_oneof else None) for f in k.fields])
print('map', k.fields_by_name['tags'].message_type.GetOptions().map_entry)
print('packed', got.FindMessageTypeByName('feat.Old').fields_by_name['ns'].GetOptions().packed)
`;

const FEATURES = `syntax = "proto3"; package feat;
message Sink {
  optional int32 maybe = 1;
  map<string, Sink> tags = 2;
  oneof pick { string a = 3; Kind k = 4; }
  enum Kind { ZERO = 0; ONE = 1; }
  repeated int32 unpacked = 5 [packed = false];
  message Inner { bytes b = 1; }
  Inner inner = 6;
}
service Kitchen { rpc Do(Sink) returns (Sink); }`;
const OLD = `syntax = "proto2"; package feat; message Old { repeated int32 ns = 1 [packed = true]; required string id = 2; }`;

for (const version of ['v1', 'v1alpha'] as const) {
  test(`python grpcio lists services and loads our FileDescriptorProtos into a DescriptorPool (reflection ${version})`, async () => {
    const server = new GrpcServer();
    server.addService(loadTestServiceSchema(), 'grpc.testing.TestService', testServiceHandlers());
    server.addService(loadEchoSchema(), 'wirestack.demo.Echo', echoServiceHandlers());
    const features = ProtoSchema.fromSources({
      'feat/kitchen.proto': `${FEATURES}\nimport "feat/old.proto";`,
      'feat/old.proto': OLD,
    });
    server.addService(features, 'feat.Kitchen', { Do: async (m: object) => m });
    addReflectionService(server);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'wirestack-reflection-'));
    try {
      const pb = join(dir, 'r.pb');
      // protoc gets the same text the server serves (v1 is derived from the v1alpha file).
      const protoPath = join(dir, 'grpc/reflection', version, 'reflection.proto');
      mkdirSync(join(dir, 'grpc/reflection', version), { recursive: true });
      writeFileSync(protoPath, reflectionProtoSource(version));
      const protoc = spawnSync('protoc', [
        '--include_imports',
        `--descriptor_set_out=${pb}`,
        `-I${dir}`,
        protoPath,
      ]);
      assert.equal(protoc.status, 0, `protoc: ${protoc.stderr}`);
      const { out } = await runToExit('/usr/bin/python3', [
        '-c',
        SCRIPT,
        `127.0.0.1:${port}`,
        pb,
        `grpc.reflection.${version}`,
      ]);
      assert.match(
        out,
        /services \['feat.Kitchen', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'grpc.testing.TestService', 'wirestack.demo.Echo'\]/,
        `python output (needs python3-grpcio and python3-protobuf):\n${out}`,
      );
      assert.match(
        out,
        /methods \['EmptyCall', 'UnaryCall', 'CacheableUnaryCall', 'StreamingOutputCall', 'StreamingInputCall', 'FullDuplexCall', 'HalfDuplexCall', 'UnimplementedCall'\]/,
        out,
      );
      assert.match(out, /bidi True True grpc.testing.StreamingOutputCallRequest/, out);
      assert.match(out, /echo \['message', 'repeat'\]/, out);
      assert.match(out, /error 5/, out);
      // proto3 optional as a synthetic oneof, map entry, oneof, enum and message types, packed overrides.
      assert.match(
        out,
        /kitchen \[\('maybe', 1, 5, '_maybe'\), \('tags', 3, 11, None\), \('a', 1, 9, 'pick'\), \('k', 1, 14, 'pick'\), \('unpacked', 3, 5, None\), \('inner', 1, 11, None\)\]/,
        out,
      );
      assert.match(out, /map True/, out);
      assert.match(out, /packed True/, out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close({ drainTimeoutMs: 500 });
    }
  });
}
