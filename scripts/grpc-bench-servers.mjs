// The servers the gRPC benchmark scripts compare, shared so both scripts measure the same thing:
// wirestack's GrpcServer and a @grpc/grpc-js server, each serving grpc.testing.TestService, each in
// its own process that prints "listening on 127.0.0.1:PORT". Needs `npx tsc -p .` first.
import { spawn } from 'node:child_process';

export const PROTOS = new URL('../protos', import.meta.url).pathname;

/** wirestack's GrpcServer with the full interop TestService. */
export async function serveWirestack() {
  const { GrpcServer } = await import('../dist/src/grpc/index.js');
  const { loadTestServiceSchema, testServiceHandlers } = await import(
    '../dist/src/grpc/interop/test-service.js'
  );
  const server = new GrpcServer();
  server.addService(loadTestServiceSchema(), 'grpc.testing.TestService', testServiceHandlers());
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening on 127.0.0.1:${port}`);
}

/** A grpc-js server implementing only the TestService methods in `handlers` (grpc-js naming). */
export async function serveGrpcJs(handlers) {
  const grpc = await import('@grpc/grpc-js');
  const loader = await import('@grpc/proto-loader');
  const pkg = grpc.loadPackageDefinition(
    loader.loadSync('grpc/testing/test.proto', { includeDirs: [PROTOS] }),
  );
  const server = new grpc.Server();
  server.addService(pkg.grpc.testing.TestService.service, handlers);
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    console.log(`listening on 127.0.0.1:${port}`);
  });
}

/**
 * Run `script mode` as a server process and resolve with its port. With `cpu`, it is pinned there
 * (taskset execs node, so child.pid is the server's own pid, whose CPU time we read).
 */
export function startServer(script, mode, cpu = null) {
  const argv = [process.execPath, script, mode];
  const child =
    cpu === null
      ? spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('taskset', ['-c', String(cpu), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
  });
}
