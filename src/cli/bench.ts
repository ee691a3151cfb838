import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatH2Compare, H2_COMPARE_CASES, runH2Compare } from '../bench/h2load-compare.js';
import { formatHttpCompare, HTTP_COMPARE_CASES, runHttpCompare } from '../bench/http-compare.js';
import {
  BenchError,
  type BenchOptions,
  type BenchProgress,
  compareTargets,
  defaultTargetRegistry,
  formatComparison,
  formatProfile,
  formatRun,
  formatSuite,
  makeReport,
  profileTarget,
  type ReportBody,
  renderHtmlReport,
  runBenchmark,
  runSuite,
  SUITES,
  toJson,
} from '../bench/index.js';
import { formatRespCompare, runRespCompare } from '../bench/resp-compare.js';
import { restVsGrpcHtml, restVsGrpcMarkdown } from '../bench/rest-vs-grpc/rest-vs-grpc-report.js';
import { DEFAULT_REST_VS_GRPC, runRestVsGrpc } from '../bench/rest-vs-grpc/rest-vs-grpc-suite.js';
import { intOption, secondsOption, UsageError } from './args.js';

export const BENCH_HELP = `Usage: wirestack bench <target|suite> [options]

Benchmark a server: throughput, latency percentiles (p50/p95/p99/p99.9/max), errors, the server's
CPU time per request and peak RSS, and the load generator's own CPU. The generator runs on
wirestack's TCP client in a separate process.

Targets:
${defaultTargetRegistry()
  .list()
  .map((t) => `  ${t.name.padEnd(14)}${t.description}`)
  .join('\n')}
  HOST:PORT     an echo server you run (no server-side figures)
Suites:
${Object.values(SUITES)
  .map((s) => `  ${s.name.padEnd(14)}${s.description}`)
  .join('\n')}
  resp-compare  redis-benchmark (-t ping,set,get -c 50, with and without -P 16) against
                \`wirestack resp\` and a real redis-server; --requests N (default 200000),
                --rounds, --no-pin and --json apply
  codec         MessagePack encode/decode ops/s: wirestack vs msgpackr vs @msgpack/msgpack vs JSON
                (the same as \`wirestack codec bench\`; see \`wirestack codec --help\`)
  compression   compression ratio and CPU per algorithm and level, and when it pays at which link
                speed (the same as \`wirestack codec analyze\`; --quick, --html FILE, --json)
  protobuf      protobuf encode/decode ops/s: wirestack vs protobufjs vs @bufbuild/protobuf
                (the same as \`wirestack proto bench\`; see \`wirestack proto --help\`)
  h2-compare    h2load against wirestack's HTTP/2 demo and a node:http2 server, side by side:
                small bodies (16x16 and 1x100 streams) and 1 MiB bodies; --duration, --rounds,
                --no-pin and --json apply (needs h2load: apt-get install -y nghttp2-client)
  http-compare  wrk -t1 -c64 against \`wirestack http\` and a node:http server doing the same
                work, side by side: GET / (text) and GET /items/1 (JSON); --duration (default
                5), --rounds, --no-pin and --json apply (needs wrk: apt-get install -y wrk)
  rest-vs-grpc  one catalogue service (protos/wirestack/demo/catalogue.proto) as REST+JSON on
                HTTP/1.1 and as gRPC: req/s, p50/p99 and server CPU per request at several
                concurrencies (wrk, h2load), bytes per call (JSON vs protobuf, gzip, measured on
                the socket), streaming (gRPC stream vs chunked vs polling), lines of code, a tsc
                compile check, error model and tooling. --duration (default 2), --rounds
                (default 3), --concurrency 1,16,64, --updates N (default 1000), --no-pin,
                --json, --html FILE and --markdown FILE (docs/rest-vs-grpc.md) apply; about
                2.5 minutes by default (needs wrk, h2load and curl)

Load:
  --connections C   connections (default 16)
  --pipeline D      requests in flight per connection (default 1)
  --size B          request size in bytes (default 64)
  --rate R          open loop at R req/s, latency from each request's intended send time
                    (coordinated-omission corrected); default: closed loop
  --warmup S        seconds of load before measuring (default 1)
  --duration S      seconds measured (default 5; suites default to 3)
  --generators N    generator processes (default: one per CPU the server does not use, so 1
                    on a 2-core machine)
  --pin             pin the server to CPU 0 and generators to the other CPUs (taskset);
                    suites pin by default, --no-pin turns it off
Compare and profile:
  --vs TARGET       run TARGET too, A B A B, and print medians and ratios A/TARGET
  --rounds N        rounds for --vs and suites (default 3)
  --profile         CPU-profile the server (--cpu-prof), count syscalls (strace -c -f) in a
                    second run, and name the bottleneck
Output:
  --json            print the report as JSON on stdout
  --html FILE       also write a self-contained HTML report (percentile plot, timeline)
  -h, --help        show this help

Examples:
  wirestack bench echo --connections 64 --pipeline 16 --pin
  wirestack bench echo --vs echo-node --duration 3 --html report.html
  wirestack bench echo --rate 20000 --duration 10
  wirestack bench echo-compare --duration 2 --rounds 1
  wirestack bench http-compare --rounds 3
  wirestack bench rest-vs-grpc --markdown docs/rest-vs-grpc.md --html rest-vs-grpc.html
`;

const SPEC = {
  connections: { type: 'string' },
  pipeline: { type: 'string' },
  size: { type: 'string' },
  rate: { type: 'string' },
  warmup: { type: 'string' },
  duration: { type: 'string' },
  generators: { type: 'string' },
  pin: { type: 'boolean' },
  'no-pin': { type: 'boolean' },
  vs: { type: 'string' },
  rounds: { type: 'string' },
  requests: { type: 'string' },
  profile: { type: 'boolean' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  markdown: { type: 'string' },
  concurrency: { type: 'string' },
  updates: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Rewrites a progress line in place on a terminal; silent otherwise (logs stay clean). */
function progressLine(): { update: (p: BenchProgress) => void; clear: () => void } {
  const tty = process.stderr.isTTY;
  let shown = false;
  return {
    update(p) {
      if (!tty) return;
      const left = Math.max(0, (p.phaseMs - p.elapsedMs) / 1000).toFixed(1);
      const line = `${p.target}: ${p.phase} ${left} s left, ${Math.round(p.requestsPerSec).toLocaleString('en-US')} req/s, ${p.errors} errors`;
      process.stderr.write(`\r\x1b[K${line}`);
      shown = true;
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

export async function runBench(argv: string[]): Promise<void> {
  // The codec, compression and protobuf benchmarks run in-process with options of their own:
  // `bench codec` is `codec bench`, `bench compression` is `codec analyze`, `bench protobuf` is
  // `proto bench`.
  if (argv[0] === 'codec') return (await import('./codec.js')).runCodec(['bench', ...argv.slice(1)]);
  if (argv[0] === 'compression') return (await import('./codec.js')).runCodec(['analyze', ...argv.slice(1)]);
  if (argv[0] === 'protobuf') return (await import('./proto.js')).runProto(['bench', ...argv.slice(1)]);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof SPEC; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: SPEC, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(BENCH_HELP);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'bench needs a target, e.g. `wirestack bench echo`'
        : `one target, got ${positionals.join(' ')}`,
    );
  }
  const [target] = positionals;
  const v = values as Record<string, string | boolean | undefined>;
  if (target === 'h2-compare') {
    await runH2CompareCommand(v);
    return;
  }
  if (target === 'resp-compare') {
    await runRespCompareCommand(v);
    return;
  }
  if (target === 'http-compare') {
    await runHttpCompareCommand(v);
    return;
  }
  if (target === 'rest-vs-grpc') {
    await runRestVsGrpcCommand(v, argv);
    return;
  }
  const suite = SUITES[target];
  const load: Omit<BenchOptions, 'target'> = {
    connections: intOption(v, 'connections', 16, 1, 100_000),
    pipeline: intOption(v, 'pipeline', 1, 1, 100_000),
    size: intOption(v, 'size', 64, 1, 64 * 1024 * 1024),
    rate: intOption(v, 'rate', 0, 0),
    warmupMs: secondsOption(v, 'warmup', suite?.defaults.warmupMs ?? 1000),
    durationMs: secondsOption(v, 'duration', suite?.defaults.durationMs ?? 5000),
    generators: v.generators === undefined ? undefined : intOption(v, 'generators', 1, 1, 64),
    // Suites pin by default (their figures go into BENCHMARKS.md); single runs only when asked.
    pinned: values.pin === true || (suite?.defaults.pinned === true && values['no-pin'] !== true),
  };
  if (values.pin && values['no-pin']) throw new UsageError('--pin and --no-pin contradict each other');
  if (load.durationMs === 0) throw new UsageError('--duration must be more than 0 seconds');
  const rounds = intOption(v, 'rounds', suite?.rounds ?? 3, 1, 100);
  if (values.vs && values.profile) throw new UsageError('--profile works on one target; drop --vs');
  const progress = progressLine();
  const options: BenchOptions = { ...load, target, onProgress: progress.update };
  const command = `wirestack bench ${argv.join(' ')}`;

  let body: ReportBody;
  let text: string;
  try {
    if (suite) {
      if (values.vs || values.profile)
        throw new UsageError(`--vs and --profile do not apply to the ${suite.name} suite`);
      const result = await runSuite(suite, { ...load, onProgress: progress.update }, rounds, (i, c) => {
        progress.clear();
        // Always, so a suite run in CI shows where it is (the progress line needs a terminal).
        process.stderr.write(`[${i + 1}/${suite.cases.length}] ${c.name}\n`);
      });
      body = { kind: 'suite', suite: result };
      text = formatSuite(result);
    } else if (values.vs) {
      const comparison = await compareTargets(options, values.vs, rounds);
      body = { kind: 'comparison', comparison };
      text = formatComparison(comparison);
    } else if (values.profile) {
      const profile = await profileTarget(options);
      body = { kind: 'profile', profile };
      text = formatProfile(profile);
    } else {
      const run = await runBenchmark(options);
      body = { kind: 'run', run };
      text = formatRun(run);
    }
  } catch (err) {
    if (
      err instanceof BenchError &&
      ['EUNKNOWNTARGET', 'EBADTARGET', 'EBADOPTION', 'EUNREACHABLE'].includes(err.code)
    ) {
      throw new UsageError(err.message);
    }
    throw err;
  } finally {
    progress.clear();
  }
  const report = makeReport(body, command);
  if (values.json) process.stdout.write(toJson(report));
  else process.stdout.write(`${text}\n`);
  if (typeof values.html === 'string') {
    writeFileSync(values.html, renderHtmlReport(report));
    if (!values.json) process.stdout.write(`HTML report: ${values.html}\n`);
  }
}

/** `wirestack bench h2-compare`: h2load against our HTTP/2 demo and node:http2, side by side. */
async function runH2CompareCommand(v: Record<string, string | boolean | undefined>): Promise<void> {
  if (v.pin && v['no-pin']) throw new UsageError('--pin and --no-pin contradict each other');
  const durationMs = secondsOption(v, 'duration', 3000);
  if (durationMs < 1000) throw new UsageError('--duration must be at least 1 second for h2load');
  const rows = await runH2Compare({
    durationS: Math.round(durationMs / 1000),
    rounds: intOption(v, 'rounds', 3, 1, 100),
    pin: v['no-pin'] !== true,
    onCase: (i, c) => process.stderr.write(`[${i + 1}/${H2_COMPARE_CASES.length}] ${c.name}\n`),
  });
  if (v.json) process.stdout.write(`${JSON.stringify({ kind: 'h2-compare', rows }, null, 2)}\n`);
  else process.stdout.write(formatH2Compare(rows));
}

/** `wirestack bench resp-compare`: redis-benchmark against our RESP server and redis-server. */
async function runRespCompareCommand(v: Record<string, string | boolean | undefined>): Promise<void> {
  if (v.pin && v['no-pin']) throw new UsageError('--pin and --no-pin contradict each other');
  const rows = await runRespCompare({
    requests: intOption(v, 'requests', 200_000, 100, 100_000_000),
    rounds: intOption(v, 'rounds', 3, 1, 100),
    pin: v['no-pin'] !== true,
    onCase: (label) => process.stderr.write(`${label}\n`),
  });
  if (v.json) process.stdout.write(`${JSON.stringify({ kind: 'resp-compare', rows }, null, 2)}\n`);
  else process.stdout.write(formatRespCompare(rows));
}

/** `wirestack bench http-compare`: wrk against our HTTP/1.1 server and node:http, side by side. */
async function runHttpCompareCommand(v: Record<string, string | boolean | undefined>): Promise<void> {
  if (v.pin && v['no-pin']) throw new UsageError('--pin and --no-pin contradict each other');
  const durationMs = secondsOption(v, 'duration', 5000);
  if (durationMs < 1000) throw new UsageError('--duration must be at least 1 second for wrk');
  const rows = await runHttpCompare({
    durationS: Math.round(durationMs / 1000),
    rounds: intOption(v, 'rounds', 3, 1, 100),
    pin: v['no-pin'] !== true,
    onCase: (i, c) => process.stderr.write(`[${i + 1}/${HTTP_COMPARE_CASES.length}] ${c.name}\n`),
  });
  if (v.json) process.stdout.write(`${JSON.stringify({ kind: 'http-compare', rows }, null, 2)}\n`);
  else process.stdout.write(formatHttpCompare(rows));
}

/** `wirestack bench rest-vs-grpc`: the catalogue as REST+JSON and as gRPC, measured side by side. */
async function runRestVsGrpcCommand(
  v: Record<string, string | boolean | undefined>,
  argv: string[],
): Promise<void> {
  if (v.pin && v['no-pin']) throw new UsageError('--pin and --no-pin contradict each other');
  const durationMs = secondsOption(v, 'duration', DEFAULT_REST_VS_GRPC.durationS * 1000);
  if (durationMs < 1000) throw new UsageError('--duration must be at least 1 second for wrk and h2load');
  let concurrencies = DEFAULT_REST_VS_GRPC.concurrencies;
  if (typeof v.concurrency === 'string') {
    concurrencies = v.concurrency.split(',').map((x) => Number(x.trim()));
    if (concurrencies.some((c) => !Number.isInteger(c) || c < 1 || c > 1000)) {
      throw new UsageError(
        `--concurrency takes whole numbers 1..1000 separated by commas, got ${v.concurrency}`,
      );
    }
  }
  const result = await runRestVsGrpc(
    {
      durationS: Math.round(durationMs / 1000),
      rounds: intOption(v, 'rounds', DEFAULT_REST_VS_GRPC.rounds, 1, 100),
      concurrencies,
      streamUpdates: intOption(v, 'updates', DEFAULT_REST_VS_GRPC.streamUpdates, 1, 100_000),
      pin: v['no-pin'] !== true,
      onProgress: (line) => process.stderr.write(`${line}\n`),
    },
    `wirestack bench ${argv.join(' ')}`,
  );
  const markdown = restVsGrpcMarkdown(result);
  if (v.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(markdown);
  if (typeof v.markdown === 'string') {
    writeFileSync(v.markdown, markdown);
    process.stderr.write(`markdown: ${v.markdown}\n`);
  }
  if (typeof v.html === 'string') {
    writeFileSync(v.html, restVsGrpcHtml(result));
    process.stderr.write(`HTML report: ${v.html}\n`);
  }
}
