// h2load speaking gRPC against wirestack's GrpcServer and a @grpc/grpc-js server, both serving the
// interop TestService.UnaryCall, one after the other in one run. Needs `npx tsc -p .` first.
//   node scripts/grpc-unary-bench.mjs [-n 100000] [-c 16] [-m 8]
// Each server runs in its own process pinned to CPU 0, h2load on CPU 1; h2load posts a 5-byte-prefixed SimpleRequest
// (response_size 16, a 16-byte payload) with content-type application/grpc and te: trailers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, requestBody, serveGrpcJs, serveWirestack, startServer } from './grpc-bench-servers.mjs';

const SELF = new URL(import.meta.url).pathname;

async function main() {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const n = arg('-n', '100000');
  const c = arg('-c', '16');
  const m = arg('-m', '8');
  const body = requestBody(mkdtempSync(join(tmpdir(), 'grpc-bench-')));
  for (const [name, mode] of [
    ['wirestack', 'serve-ours'],
    ['grpc-js', 'serve-grpcjs'],
  ]) {
    const { child, port } = await startServer(SELF, mode, 0);
    const args = [
      '-n',
      n,
      '-c',
      c,
      '-m',
      m,
      '-d',
      body,
      '-H',
      'content-type: application/grpc',
      '-H',
      'te: trailers',
    ];
    const url = `http://127.0.0.1:${port}/grpc.testing.TestService/UnaryCall`;
    // A short warm-up so both JITs are hot.
    spawnSync('h2load', [
      '-n',
      '5000',
      '-c',
      c,
      '-m',
      m,
      '-d',
      body,
      '-H',
      'content-type: application/grpc',
      url,
    ]);
    const cpu0 = cpuMs(child.pid);
    // Per-request durations (third column, microseconds) for percentiles h2load does not print.
    const log = join(tmpdir(), `grpc-unary-${process.pid}-${name}.log`);
    const r = spawnSync('taskset', ['-c', '1', 'h2load', ...args, `--log-file=${log}`, url], {
      encoding: 'utf8',
    });
    const cpu = cpuMs(child.pid) - cpu0;
    const durations = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => Number(line.split('\t')[2]) / 1000)
      .sort((a, b) => a - b);
    rmSync(log, { force: true });
    const pct = (q) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))].toFixed(2);
    const rps = /finished in [^,]+, ([\d.]+) req\/s/.exec(r.stdout)?.[1];
    const status = /status codes: ([^\n]+)/.exec(r.stdout)?.[1];
    const reqLine = /requests: ([^\n]+)/.exec(r.stdout)?.[1];
    const latency = /time for request:\s+([^\n]+)/.exec(r.stdout)?.[1];
    console.log(`${name.padEnd(10)} ${rps} req/s | requests: ${reqLine} | status codes: ${status}`);
    console.log(`${''.padEnd(10)} time for request (min max mean sd +/-sd): ${latency}`);
    console.log(
      `${''.padEnd(10)} latency ms: p50 ${pct(0.5)}  p95 ${pct(0.95)}  p99 ${pct(0.99)}  p99.9 ${pct(0.999)}  (${durations.length} requests)`,
    );
    // CPU per request is steadier than req/s on a shared machine: it does not count time waiting for a core.
    console.log(
      `${''.padEnd(10)} server CPU ${cpu} ms = ${((cpu * 1000) / Number(n)).toFixed(1)} us/request`,
    );
    child.kill('SIGKILL');
  }
  console.log(
    `h2load ${['-n', n, '-c', c, '-m', m].join(' ')} -d <5-byte-prefixed SimpleRequest> -H 'content-type: application/grpc' -H 'te: trailers'`,
  );
}

const mode = process.argv[2];
if (mode === 'serve-ours') await serveWirestack();
else if (mode === 'serve-grpcjs')
  await serveGrpcJs({
    unaryCall: (call, cb) =>
      cb(null, { payload: { type: 0, body: Buffer.alloc(call.request.responseSize) } }),
  });
else await main();
