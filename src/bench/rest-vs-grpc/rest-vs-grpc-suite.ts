import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GrpcChannel } from '../../grpc/channel.js';
import { makeClient } from '../../grpc/client.js';
import { encodeGrpcMessage } from '../../grpc/message-framing.js';
import type { ProtoSchema } from '../../protobuf/index.js';
import { BenchError } from '../errors.js';
import { median } from '../http-compare.js';
import { ServerProcess } from '../server-process.js';
import { runH2loadWithLatency, runWrk, wrkRequestScript } from '../wrk.js';
import {
  CATALOGUE_CALLS,
  CATALOGUE_ITEMS,
  type CatalogueCall,
  type UnaryMethodName,
} from './catalogue-calls.js';
import { CATALOGUE_SERVICE, loadCatalogueSchema } from './catalogue-grpc-service.js';
import { type DeveloperExperienceResult, measureDeveloperExperience } from './developer-experience.js';
import { measureWireSizes, type WireSizeResult } from './wire-size.js';

const CLI_MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export type Protocol = 'REST' | 'gRPC';

export interface RestVsGrpcOptions {
  /** Seconds of load per throughput case (wrk -d / h2load -D). */
  durationS: number;
  /** Rounds (fresh servers, REST then gRPC); medians are over rounds. */
  rounds: number;
  /** Requests in flight: REST keep-alive connections, or gRPC streams on one connection. */
  concurrencies: number[];
  /** Updates per streaming case. */
  streamUpdates: number;
  /** Pin servers to CPU 0 and the load tools to CPU 1. */
  pin: boolean;
  onProgress?: (line: string) => void;
}

export const DEFAULT_REST_VS_GRPC: Omit<RestVsGrpcOptions, 'onProgress'> = {
  durationS: 2,
  rounds: 3,
  concurrencies: [1, 16, 64],
  streamUpdates: 1000,
  pin: true,
};

/** One measured run of one method at one concurrency. */
export interface ThroughputRun {
  protocol: Protocol;
  method: UnaryMethodName;
  concurrency: number;
  round: number;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (user + system from /proc/PID/stat) per request, µs. */
  cpuUsPerReq: number;
  errors: number;
  /** Time the server waited for a CPU during the run (other load), ms. */
  runQueueWaitMs: number;
  wallMs: number;
}

export type StreamMode = 'gRPC server streaming' | 'REST chunked response' | 'REST polling';

/** One measured run of delivering `updates` updates one way. */
export interface StreamRun {
  mode: StreamMode;
  round: number;
  updates: number;
  /** Median time to deliver all the updates, ms (REST polling: updates ÷ polls per second). */
  msForAll: number;
  /** Server CPU per update, µs. */
  cpuUsPerUpdate: number;
  errors: number;
}

export interface RestVsGrpcResult {
  kind: 'rest-vs-grpc';
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: { node: string; cpus: number; cpuModel: string; loadAverage: number[] };
  options: Omit<RestVsGrpcOptions, 'onProgress'>;
  throughput: ThroughputRun[];
  stream: StreamRun[];
  wire: WireSizeResult;
  dx: DeveloperExperienceResult;
  /** Share of the measured time the servers waited for a CPU (other load on the machine). */
  busyShare: number;
}

function startServer(protocol: Protocol, pin: boolean): Promise<ServerProcess> {
  const args =
    protocol === 'REST'
      ? ['http', '--port', '0', '--items', String(CATALOGUE_ITEMS), '--idle-timeout', '0']
      : ['grpc', 'serve', '--port', '0', '--items', String(CATALOGUE_ITEMS)];
  return ServerProcess.start(protocol === 'REST' ? 'http' : 'grpc', CLI_MAIN, args, {
    cpu: pin ? 0 : null,
    cpuProfileDir: null,
    straceOutput: null,
  });
}

let cachedSchema: ProtoSchema | null = null;
/** catalogue.proto, parsed on first use (not when the CLI loads this module). */
function catalogueSchema(): ProtoSchema {
  cachedSchema ??= loadCatalogueSchema();
  return cachedSchema;
}

/** The h2load request body of a call: its request message with the 5-byte gRPC prefix. */
export function grpcBody(call: CatalogueCall): Uint8Array {
  return encodeGrpcMessage(catalogueSchema().message(call.grpc.requestType).encode(call.grpc.request));
}

const GRPC_HEADERS = { 'content-type': 'application/grpc', te: 'trailers' };

/** Every method answers OK once through a real client before h2load (which sees HTTP statuses only) runs. */
async function preflightGrpc(host: string, port: number): Promise<void> {
  const channel = new GrpcChannel(`${host}:${port}`);
  const schema = catalogueSchema();
  try {
    const client = makeClient(schema.service(CATALOGUE_SERVICE), channel, { schema });
    for (const call of CATALOGUE_CALLS) {
      await client[call.grpc.rpc](call.grpc.request, { timeoutMs: 5000 });
    }
  } finally {
    await channel.close();
  }
}

/** A load run against `server`, with the server's CPU and run-queue wait read around it. */
async function measured<T extends { requests: number }>(
  server: ServerProcess,
  load: () => Promise<T>,
): Promise<T & { cpuMs: number; runQueueWaitMs: number; wallMs: number }> {
  const before = server.sample();
  const t0 = performance.now();
  const r = await load();
  const wallMs = performance.now() - t0;
  const after = server.sample();
  return {
    ...r,
    cpuMs: after.cpuMs - before.cpuMs,
    runQueueWaitMs: after.runQueueWaitMs - before.runQueueWaitMs,
    wallMs,
  };
}

/** The unary cases on one running server. */
async function throughputCases(
  protocol: Protocol,
  server: ServerProcess,
  options: RestVsGrpcOptions,
  round: number,
): Promise<ThroughputRun[]> {
  const base = `http://${server.host}:${server.port}`;
  const cpu = options.pin ? 1 : null;
  const out: ThroughputRun[] = [];
  for (const call of CATALOGUE_CALLS) {
    for (const c of options.concurrencies) {
      options.onProgress?.(`round ${round + 1}: ${protocol} ${call.method}, ${c} in flight`);
      const r = await measured(server, async () => {
        if (protocol === 'REST') {
          const script =
            call.rest.httpMethod === 'POST'
              ? wrkRequestScript('POST', call.rest.body ?? '', { 'content-type': 'application/json' })
              : undefined;
          return runWrk({
            url: `${base}${call.rest.path}`,
            connections: c,
            durationS: options.durationS,
            script,
            cpu,
          });
        }
        const h = await runH2loadWithLatency({
          url: `${base}/${CATALOGUE_SERVICE}/${call.grpc.rpc}`,
          clients: 1,
          streams: c,
          durationS: options.durationS,
          body: grpcBody(call),
          headers: GRPC_HEADERS,
          cpu,
        });
        return { ...h, errors: h.failed };
      });
      out.push({
        protocol,
        method: call.method,
        concurrency: c,
        round,
        requests: r.requests,
        reqPerSec: r.reqPerSec,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        cpuUsPerReq: (r.cpuMs * 1000) / Math.max(1, r.requests),
        errors: r.errors,
        runQueueWaitMs: r.runQueueWaitMs,
        wallMs: r.wallMs,
      });
    }
  }
  return out;
}

/** The streaming cases on one running server: N updates in one stream, or N polls. */
async function streamCases(
  protocol: Protocol,
  server: ServerProcess,
  options: RestVsGrpcOptions,
  round: number,
): Promise<StreamRun[]> {
  const base = `http://${server.host}:${server.port}`;
  const cpu = options.pin ? 1 : null;
  const n = options.streamUpdates;
  const durationS = 1;
  const out: StreamRun[] = [];
  if (protocol === 'gRPC') {
    options.onProgress?.(`round ${round + 1}: gRPC WatchItems, ${n} updates per stream`);
    const r = await measured(server, () =>
      runH2loadWithLatency({
        url: `${base}/${CATALOGUE_SERVICE}/WatchItems`,
        clients: 1,
        streams: 1,
        durationS,
        body: encodeGrpcMessage(
          catalogueSchema().message('wirestack.demo.WatchItemsRequest').encode({ count: n }),
        ),
        headers: GRPC_HEADERS,
        cpu,
      }),
    );
    out.push({
      mode: 'gRPC server streaming',
      round,
      updates: n,
      msForAll: r.p50Ms,
      cpuUsPerUpdate: (r.cpuMs * 1000) / Math.max(1, r.requests * n),
      errors: r.failed,
    });
    return out;
  }
  options.onProgress?.(`round ${round + 1}: REST /stream, ${n} updates per response`);
  const chunked = await measured(server, () =>
    runWrk({ url: `${base}/stream?n=${n}`, connections: 1, durationS, cpu }),
  );
  out.push({
    mode: 'REST chunked response',
    round,
    updates: n,
    msForAll: chunked.p50Ms,
    cpuUsPerUpdate: (chunked.cpuMs * 1000) / Math.max(1, chunked.requests * n),
    errors: chunked.errors,
  });
  options.onProgress?.(`round ${round + 1}: REST polling /updates, one connection`);
  const polling = await measured(server, () =>
    runWrk({ url: `${base}/updates?after=0`, connections: 1, durationS, cpu }),
  );
  out.push({
    mode: 'REST polling',
    round,
    updates: n,
    msForAll: (n / Math.max(1e-9, polling.reqPerSec)) * 1000,
    cpuUsPerUpdate: (polling.cpuMs * 1000) / Math.max(1, polling.requests),
    errors: polling.errors,
  });
  return out;
}

/**
 * `wirestack bench rest-vs-grpc`: the catalogue served as REST+JSON (`wirestack http`) and as gRPC
 * (`wirestack grpc serve`), each in its own process pinned to CPU 0, loaded from CPU 1 by wrk and
 * h2load; then bytes on the wire (in-process servers, sockets counted), streaming, and the
 * developer-experience checks.
 *
 * @example
 * const result = await runRestVsGrpc({ ...DEFAULT_REST_VS_GRPC, durationS: 1, rounds: 1 }, 'wirestack bench rest-vs-grpc');
 * writeFileSync('docs/rest-vs-grpc.md', restVsGrpcMarkdown(result));
 */
export async function runRestVsGrpc(options: RestVsGrpcOptions, command: string): Promise<RestVsGrpcResult> {
  const startedAt = new Date().toISOString();
  const throughput: ThroughputRun[] = [];
  const stream: StreamRun[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const protocol of ['REST', 'gRPC'] as const) {
      const server = await startServer(protocol, options.pin);
      try {
        const base = `http://${server.host}:${server.port}`;
        const cpu = options.pin ? 1 : null;
        if (protocol === 'gRPC') await preflightGrpc(server.host, server.port);
        // Warm-up: one second of the first method at the highest concurrency, so both JITs are hot.
        const warm = CATALOGUE_CALLS[0];
        const top = Math.max(...options.concurrencies);
        if (protocol === 'REST')
          await runWrk({ url: `${base}${warm.rest.path}`, connections: top, durationS: 1, cpu });
        else {
          await runH2loadWithLatency({
            url: `${base}/${CATALOGUE_SERVICE}/${warm.grpc.rpc}`,
            clients: 1,
            streams: top,
            durationS: 1,
            body: grpcBody(warm),
            headers: GRPC_HEADERS,
            cpu,
          });
        }
        throughput.push(...(await throughputCases(protocol, server, options, round)));
        stream.push(...(await streamCases(protocol, server, options, round)));
      } finally {
        await server.stop();
      }
    }
  }
  const bad = throughput.filter((r) => r.requests === 0);
  if (bad.length > 0) {
    throw new BenchError(
      'ENOREQUESTS',
      `no requests completed in ${bad.map((r) => `${r.protocol} ${r.method}`).join(', ')}`,
    );
  }
  options.onProgress?.('bytes on the wire (in-process servers, sockets counted)');
  const wire = await measureWireSizes({ calls: 20, updates: options.streamUpdates });
  options.onProgress?.('developer experience: lines of code, tsc, tools');
  const dx = await measureDeveloperExperience();
  const waited = throughput.reduce((s, r) => s + r.runQueueWaitMs, 0);
  const wall = throughput.reduce((s, r) => s + r.wallMs, 0);
  const { onProgress: _, ...plain } = options;
  return {
    kind: 'rest-vs-grpc',
    command,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverage: loadavg(),
    },
    options: plain,
    throughput,
    stream,
    wire,
    dx,
    busyShare: wall > 0 ? waited / wall : 0,
  };
}

/** Medians over rounds of one throughput cell. */
export function throughputMedian(
  runs: ThroughputRun[],
  protocol: Protocol,
  method: UnaryMethodName,
  concurrency: number,
): { reqPerSec: number; p50Ms: number; p99Ms: number; cpuUsPerReq: number; errors: number } | null {
  const rs = runs.filter(
    (r) => r.protocol === protocol && r.method === method && r.concurrency === concurrency,
  );
  if (rs.length === 0) return null;
  return {
    reqPerSec: median(rs.map((r) => r.reqPerSec)),
    p50Ms: median(rs.map((r) => r.p50Ms)),
    p99Ms: median(rs.map((r) => r.p99Ms)),
    cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)),
    errors: rs.reduce((s, r) => s + r.errors, 0),
  };
}
