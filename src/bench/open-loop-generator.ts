import type { BenchConnection } from './bench-connection.js';
import { type GeneratorTarget, type LoadGenerator, openBenchConnections } from './load-generator.js';
import type { LoadProtocol } from './load-protocol.js';
import { LoadRecorder } from './load-recorder.js';
import { OpenLoopScheduler } from './open-loop-scheduler.js';

/**
 * Below this many ms until the next send we poll with setImmediate instead of a timer: Node's
 * timers fire up to ~1 ms late, and lateness counts as latency in an open-loop run.
 */
const SPIN_BELOW_MS = 2;

/**
 * Open-loop load at a fixed rate: requests are due on the OpenLoopScheduler's timetable whatever
 * the server does, spread over C connections with at most D in flight on each. A request that finds
 * every connection full waits in the backlog, and its latency still counts from its intended send
 * time (coordinated-omission correction, as wrk2).
 *
 * @example
 * const gen = new OpenLoopGenerator({ host: '127.0.0.1', port }, echoProtocol(64), 16, 4, 20_000);
 */
export class OpenLoopGenerator implements LoadGenerator {
  readonly recorder = new LoadRecorder();
  private conns: BenchConnection[] = [];
  private scheduler: OpenLoopScheduler | null = null;
  private nextConn = 0;
  private running = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;

  constructor(
    private readonly target: GeneratorTarget,
    private readonly protocol: LoadProtocol,
    private readonly connections: number,
    private readonly pipeline: number,
    private readonly ratePerSecond: number,
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
    this.scheduler = new OpenLoopScheduler(this.ratePerSecond, performance.now());
    this.running = true;
    // A freed slot may let backlogged requests go at once.
    for (const c of this.conns) c.onResponses = () => this.sendDue();
    this.tick();
  }

  startRecording(): void {
    this.recorder.startRecording(performance.now());
  }

  stop(): void {
    this.running = false;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.recorder.stopRecording();
    for (const c of this.conns) c.stop();
  }

  private readonly tick = (): void => {
    this.timer = null;
    if (!this.running) return;
    this.sendDue();
    const wait = this.scheduler!.msUntilNext(performance.now());
    this.timer = wait > SPIN_BELOW_MS ? setTimeout(this.tick, wait - 1) : setImmediate(this.tick);
  };

  /** Send every due request that has a free slot, round-robin over the connections. */
  private sendDue(): void {
    const plan = this.scheduler;
    if (!plan || !this.running) return;
    const due = plan.dueBy(performance.now());
    let next = plan.sent;
    const conns = this.conns;
    for (let tried = 0; next < due && tried < conns.length; tried++) {
      const c = conns[this.nextConn];
      this.nextConn = this.nextConn + 1 === conns.length ? 0 : this.nextConn + 1;
      const k = Math.min(c.free, due - next);
      if (k > 0) {
        c.send(k, plan.intendedTime(next), 1000 / plan.ratePerSecond);
        next += k;
        tried = -1; // progress: give every connection another chance
      }
    }
    plan.markSent(next);
  }
}
