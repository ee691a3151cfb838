// Runs python3-protobuf (Debian's, hence /usr/bin/python3) as a second reference implementation, for
// the proto3 JSON mapping that protoc itself does not expose. One process handles a batch of requests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './protoc-oracle.js';

const SCRIPT = `
import sys, json, base64
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, json_format
fds = descriptor_pb2.FileDescriptorSet()
fds.ParseFromString(base64.b64decode(sys.argv[1]))
pool = descriptor_pool.DescriptorPool()
for f in fds.file: pool.Add(f)
factory = message_factory.MessageFactory(pool)
out = []
for req in json.load(sys.stdin):
    cls = factory.GetPrototype(pool.FindMessageTypeByName(req['type']))
    try:
        if req['op'] == 'reserialize':
            m = cls.FromString(base64.b64decode(req['b64']))
            out.append({'ok': base64.b64encode(m.SerializeToString(deterministic=True)).decode()})
        elif req['op'] == 'toJson':
            m = cls.FromString(base64.b64decode(req['b64']))
            out.append({'ok': json.loads(json_format.MessageToJson(m, descriptor_pool=pool))})
        else:
            m = json_format.Parse(req['json'], cls(), descriptor_pool=pool)
            out.append({'ok': base64.b64encode(m.SerializeToString(deterministic=True)).decode()})
    except Exception as e:
        out.append({'error': type(e).__name__ + ': ' + str(e)})
print(json.dumps(out))
`;

export type PythonRequest =
  | { op: 'toJson' | 'reserialize'; type: string; bytes: Uint8Array }
  | { op: 'fromJson'; type: string; json: string };
export type PythonResult = { ok: unknown } | { error: string };

let descriptorSet: string | undefined;

function descriptors(): string {
  if (descriptorSet) return descriptorSet;
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-py-'));
  const out = join(dir, 'set.pb');
  const r = spawnSync('protoc', [
    `-I${FIXTURES}`,
    '--include_imports',
    `--descriptor_set_out=${out}`,
    `${FIXTURES}/all_types.proto`,
    `${FIXTURES}/well_known.proto`,
    `${FIXTURES}/proto2.proto`,
    `${FIXTURES}/service.proto`,
  ]);
  if (r.status !== 0) throw new Error(`protoc failed: ${r.stderr}`);
  descriptorSet = readFileSync(out).toString('base64');
  rmSync(dir, { recursive: true });
  return descriptorSet;
}

/** Sends requests to python3-protobuf's json_format; results come back in order. */
export function python(requests: PythonRequest[]): PythonResult[] {
  const input = JSON.stringify(
    requests.map((r) =>
      r.op !== 'fromJson'
        ? { op: r.op, type: r.type, b64: Buffer.from(r.bytes).toString('base64') }
        : { op: r.op, type: r.type, json: r.json },
    ),
  );
  const r = spawnSync('/usr/bin/python3', ['-c', SCRIPT, descriptors()], {
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout.toString());
}
