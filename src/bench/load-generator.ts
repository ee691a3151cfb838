import { connectTcp } from '../tcp/client.js';
import type { TcpConnection } from '../tcp/connection.js';
import { BenchConnection } from './bench-connection.js';
import type { LoadProtocol } from './load-protocol.js';
import type { LoadRecorder } from './load-recorder.js';

/** Where a generator connects. */
export interface GeneratorTarget {
  host: string;
  port: number;
}

/** Opens `count` connections, failing with the first connect error (refused, unreachable). */
export async function openBenchConnections(
  target: GeneratorTarget,
  count: number,
  protocol: LoadProtocol,
  depth: number,
  recorder: LoadRecorder,
): Promise<BenchConnection[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, () => connectTcp({ host: target.host, port: target.port, noDelay: true })),
  );
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    // Do not leak the connections that did open: the caller gives up on the whole run.
    for (const s of settled) if (s.status === 'fulfilled') s.value.destroy();
    throw (failed as PromiseRejectedResult).reason;
  }
  return settled.map(
    (s) => new BenchConnection((s as PromiseFulfilledResult<TcpConnection>).value, protocol, depth, recorder),
  );
}

/**
 * A load generator: connect, run (warm-up), record, stop. ClosedLoopGenerator and OpenLoopGenerator
 * implement it; generator-main.ts drives one in a generator process.
 *
 * @example
 * await gen.connect(); gen.start(); await warmUp(); gen.startRecording(); await measure(); gen.stop();
 * const recording = gen.recorder.result(durationMs);
 */
export interface LoadGenerator {
  readonly recorder: LoadRecorder;
  connect(): Promise<void>;
  /** Start sending (the warm-up phase: nothing is recorded yet). */
  start(): void;
  startRecording(): void;
  stop(): void;
}
