// Server-streaming throughput (messages/s) with a @grpc/grpc-js client against wirestack's
// GrpcServer and a grpc-js server, both serving TestService.StreamingOutputCall. Needs `npx tsc -p .`.
//   node scripts/grpc-streaming-bench.mjs [messages 200000] [size 64]
import { PROTOS, serveGrpcJs, serveWirestack, startServer } from './grpc-bench-servers.mjs';

const SELF = new URL(import.meta.url).pathname;
const [messages = '200000', size = '64'] = process.argv.slice(2).filter((a) => !a.startsWith('serve-'));

async function main() {
  const grpc = await import('@grpc/grpc-js');
  const loader = await import('@grpc/proto-loader');
  const pkg = grpc.loadPackageDefinition(
    loader.loadSync('grpc/testing/test.proto', { includeDirs: [PROTOS] }),
  );
  const params = Array.from({ length: Number(messages) }, () => ({ size: Number(size) }));
  for (const [name, mode] of [
    ['wirestack', 'serve-ours'],
    ['grpc-js', 'serve-grpcjs'],
  ]) {
    const { child, port } = await startServer(SELF, mode);
    const client = new pkg.grpc.testing.TestService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const run = async (n) => {
      let got = 0;
      const t0 = performance.now();
      for await (const _ of client.streamingOutputCall({ responseParameters: params.slice(0, n) })) got++;
      return { got, ms: performance.now() - t0 };
    };
    await run(10_000); // warm-up
    const { got, ms } = await run(params.length);
    console.log(
      `${name.padEnd(10)} ${got} messages of ${size} bytes in ${ms.toFixed(0)} ms = ${Math.round((got * 1000) / ms)} messages/s`,
    );
    client.close();
    child.kill('SIGKILL');
  }
}

const mode = process.argv[2];
if (mode === 'serve-ours') await serveWirestack();
else if (mode === 'serve-grpcjs')
  await serveGrpcJs({
    streamingOutputCall: async (call) => {
      for (const p of call.request.responseParameters) {
        if (!call.write({ payload: { type: 0, body: Buffer.alloc(p.size) } })) {
          await new Promise((r) => call.once('drain', r));
        }
      }
      call.end();
    },
  });
else await main();
