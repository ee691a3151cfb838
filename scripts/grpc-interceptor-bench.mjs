// What the interceptor pipeline costs: h2load speaking gRPC to wirestack's GrpcServer serving the
// interop TestService.UnaryCall, once with no interceptors and once with the three built-ins a
// service would run (logging, auth with a static token, rate limiting with limits that never refuse),
// side by side in one run, repeated, medians reported. Needs `npx tsc -p .` first.
//   node scripts/grpc-interceptor-bench.mjs [-n 100000] [-c 16] [-m 8] [--repeat 3] [--log-file PATH]
// Each server runs in its own process pinned to CPU 0, h2load on CPU 1; both servers get the same
// request (a 5-byte-prefixed SimpleRequest, response_size 16, with `authorization: Bearer ...`).
// The logging sink counts lines and drops them, or with --log-file appends them to a file through
// writableLogSink (one write per event-loop turn). That no
// call was refused is checked from the rate limiter: its per-caller bucket (burst 1e9, refilling at
// 1/s) has lost one token per call that got past auth.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, requestBody } from './grpc-bench-servers.mjs';

const SELF = new URL(import.meta.url).pathname;
const TOKEN = 'bench-token-0123456789abcdef';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};

/** A server process (`mode`, extra args) pinned to CPU 0; resolves with its port once it listens. */
function startPinned(mode, extra = []) {
  const child = spawn('taskset', ['-c', '0', process.execPath, SELF, mode, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const lines = [];
  child.stdout.on('data', (d) => {
    out += d;
    let nl = out.indexOf('\n');
    while (nl >= 0) {
      lines.push(out.slice(0, nl));
      out = out.slice(nl + 1);
      nl = out.indexOf('\n');
    }
  });
  const waitLine = (re) =>
    new Promise((resolve) => {
      const poll = () => {
        const i = lines.findIndex((l) => re.test(l));
        if (i >= 0) resolve(re.exec(lines.splice(i, 1)[0]));
        else setTimeout(poll, 10);
      };
      poll();
    });
  return waitLine(/listening on 127\.0\.0\.1:(\d+)/).then((m) => ({ child, port: Number(m[1]), waitLine }));
}

function h2load(args, url, pin) {
  const cmd = pin ? ['taskset', ['-c', '1', 'h2load', ...args, url]] : ['h2load', [...args, url]];
  return spawnSync(cmd[0], cmd[1], { encoding: 'utf8' });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const n = arg('-n', '100000');
  const c = arg('-c', '16');
  const m = arg('-m', '8');
  const repeat = Number(arg('--repeat', '3'));
  const logFile = arg('--log-file', undefined);
  const dir = mkdtempSync(join(tmpdir(), 'grpc-interceptor-bench-'));
  const body = requestBody(dir);
  const headers = [
    '-H',
    'content-type: application/grpc',
    '-H',
    'te: trailers',
    '-H',
    `authorization: Bearer ${TOKEN}`,
  ];
  const variants = [
    ['none', 'serve-plain', []],
    ['pipeline', 'serve-pipeline', logFile ? ['--log-file', logFile] : []],
  ];
  const results = Object.fromEntries(variants.map(([name]) => [name, { rps: [], usPerReq: [] }]));
  for (let round = 1; round <= repeat; round++) {
    // Alternate which goes first, so a slow drift of the machine does not favour one side.
    const order = round % 2 ? variants : [...variants].reverse();
    for (const [name, mode, extra] of order) {
      const { child, port, waitLine } = await startPinned(mode, extra);
      const url = `http://127.0.0.1:${port}/grpc.testing.TestService/UnaryCall`;
      h2load(['-n', '5000', '-c', c, '-m', m, '-d', body, ...headers], url, false); // warm-up: JITs hot
      const cpu0 = cpuMs(child.pid);
      const r = h2load(['-n', n, '-c', c, '-m', m, '-d', body, ...headers], url, true);
      const cpu = cpuMs(child.pid) - cpu0;
      const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(r.stdout)?.[1]);
      const reqLine = /requests: ([^\n]+)/.exec(r.stdout)?.[1];
      const status = /status codes: ([^\n]+)/.exec(r.stdout)?.[1];
      let check = '';
      if (mode === 'serve-pipeline') {
        child.kill('SIGUSR2');
        const [, lines, admitted] = await waitLine(/^logged (\d+) admitted (\d+)/);
        // Warm-up and timed requests all logged, all past auth and the limiter (the bucket refills
        // 1 token a second, hence the small tolerance).
        const expected = 5000 + Number(n);
        if (Number(lines) !== expected || Math.abs(Number(admitted) - expected) > 100) {
          throw new Error(
            `pipeline server logged ${lines} calls, admitted ${admitted}; expected ${expected}`,
          );
        }
        check = ` | logged ${lines}, admitted ~${admitted}`;
      }
      child.kill('SIGKILL');
      const usPerReq = (cpu * 1000) / Number(n);
      results[name].rps.push(rps);
      results[name].usPerReq.push(usPerReq);
      console.log(
        `round ${round} ${name.padEnd(8)} ${rps.toFixed(0).padStart(7)} req/s | server CPU ${usPerReq.toFixed(1)} us/req | requests: ${reqLine} | status codes: ${status}${check}`,
      );
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const none = results.none;
  const pipe = results.pipeline;
  console.log('');
  console.log(
    `median of ${repeat}: none ${median(none.rps).toFixed(0)} req/s, pipeline ${median(pipe.rps).toFixed(0)} req/s`,
  );
  console.log(
    `pipeline / none req/s: ${(median(pipe.rps) / median(none.rps)).toFixed(3)} (cost ${((1 - median(pipe.rps) / median(none.rps)) * 100).toFixed(1)}%)`,
  );
  console.log(
    `server CPU per request: none ${median(none.usPerReq).toFixed(1)} us, pipeline ${median(pipe.usPerReq).toFixed(1)} us (+${((median(pipe.usPerReq) / median(none.usPerReq) - 1) * 100).toFixed(1)}%)`,
  );
  console.log(
    `h2load -n ${n} -c ${c} -m ${m} -d <5-byte-prefixed SimpleRequest> -H 'content-type: application/grpc' -H 'te: trailers' -H 'authorization: Bearer <token>'`,
  );
}

async function serve(withPipeline) {
  const grpc = await import('../dist/src/grpc/index.js');
  const { loadTestServiceSchema, testServiceHandlers } = await import(
    '../dist/src/grpc/interop/test-service.js'
  );
  let interceptors = [];
  if (withPipeline) {
    const i = process.argv.indexOf('--log-file');
    const toFile =
      i > 0 ? grpc.writableLogSink(createWriteStream(process.argv[i + 1], { flags: 'a' })) : undefined;
    let lines = 0;
    const sink = toFile
      ? (line) => {
          lines++;
          toFile(line);
        }
      : () => {
          lines++;
        };
    const rateLimit = grpc.rateLimitInterceptor({
      limits: [
        { name: 'per-caller', by: ['identity'], ratePerSecond: 1, burst: 1e9 },
        { name: 'per-method', by: ['method'], ratePerSecond: 1e9, burst: 1e9 },
      ],
    });
    process.on('SIGUSR2', () => {
      const left = rateLimit.limiter.buckets('per-caller').available('id:bench');
      console.log(`logged ${lines} admitted ${Math.round(1e9 - left)}`);
    });
    interceptors = [
      grpc.loggingInterceptor({ sink }),
      grpc.authInterceptor({
        verifier: grpc.staticTokenVerifier({ [TOKEN]: { subject: 'bench', scopes: [] } }),
      }),
      rateLimit,
    ];
  }
  const server = new grpc.GrpcServer({ interceptors });
  server.addService(loadTestServiceSchema(), 'grpc.testing.TestService', testServiceHandlers());
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening on 127.0.0.1:${port}`);
}

const mode = process.argv[2];
if (mode === 'serve-plain') await serve(false);
else if (mode === 'serve-pipeline') await serve(true);
else await main();
