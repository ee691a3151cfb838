import type { BenchConnection } from './bench-connection.js';
import { type GeneratorTarget, type LoadGenerator, openBenchConnections } from './load-generator.js';
import type { LoadProtocol } from './load-protocol.js';
import { LoadRecorder } from './load-recorder.js';

/**
 * Closed-loop load: C connections, each keeping D requests in flight; a new request is sent as soon
 * as a response completes. Throughput is whatever the server (or this generator) can sustain;
 * latency is measured from the actual send, which is right here because nothing is ever "due".
 *
 * @example
 * const gen = new ClosedLoopGenerator({ host: '127.0.0.1', port }, echoProtocol(64), 16, 1);
 * await gen.connect(); gen.start(); gen.startRecording(); ...; gen.stop();
 * gen.recorder.result(durationMs);
 */
export class ClosedLoopGenerator implements LoadGenerator {
  readonly recorder = new LoadRecorder();
  private conns: BenchConnection[] = [];

  constructor(
    private readonly target: GeneratorTarget,
    private readonly protocol: LoadProtocol,
    private readonly connections: number,
    private readonly pipeline: number,
  ) {}

  async connect(): Promise<void> {
    this.conns = await openBenchConnections(
      this.target,
      this.connections,
      this.protocol,
      this.pipeline,
      this.recorder,
    );
  }

  start(): void {
    for (const c of this.conns) {
      c.onResponses = (n) => c.send(n, performance.now());
      c.send(this.pipeline, performance.now());
    }
  }

  startRecording(): void {
    this.recorder.startRecording(performance.now());
  }

  stop(): void {
    this.recorder.stopRecording();
    for (const c of this.conns) c.stop();
  }
}
