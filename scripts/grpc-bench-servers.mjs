// What the gRPC benchmark scripts share, so they measure the same thing: the request body, the
// server CPU reading, and the servers they compare:
// wirestack's GrpcServer and a @grpc/grpc-js server, each serving grpc.testing.TestService, each in
// its own process that prints "listening on 127.0.0.1:PORT". Needs `npx tsc -p .` first.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** utime + stime of a process in ms (/proc/PID/stat fields 14 and 15, in clock ticks of 10 ms). */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Writes the h2load request body into `dir` and returns its path: a 5-byte-prefixed SimpleRequest. */
export function requestBody(dir) {
  // SimpleRequest { response_size: 16, payload: { body: 16 bytes } } by hand: 10 10 1a 12 12 10 <16 x 00>
  const msg = Buffer.concat([Buffer.from([0x10, 0x10, 0x1a, 0x12, 0x12, 0x10]), Buffer.alloc(16)]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(msg.length, 1);
  const file = join(dir, 'unary.bin');
  writeFileSync(file, Buffer.concat([prefix, msg]));
  return file;
}
