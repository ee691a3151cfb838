import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GeneratorError, TargetUnreachableError } from './errors.js';
import type {
  GeneratorCommand,
  GeneratorConfig,
  GeneratorCpu,
  GeneratorEvent,
} from './generator-protocol.js';
import type { LoadRecording } from './load-recorder.js';

const GENERATOR_MAIN = fileURLToPath(new URL('./generator-main.js', import.meta.url));

/** What a generator process returns when stopped. */
export interface GeneratorOutcome {
  recording: LoadRecording;
  cpu: GeneratorCpu;
}

/**
 * A load generator running in its own Node process (optionally pinned with taskset), driven over
 * the IPC channel: configure → ready, warmup, measure, stop → result.
 */
export class LoadGeneratorProcess {
  /** Responses completed so far (warm-up included), from the last progress report. */
  completedTotal = 0;
  errors = 0;
  private readonly child: ChildProcess;
  private waiting: { type: GeneratorEvent['type']; resolve: (e: GeneratorEvent) => void } | null = null;
  private failure: Error | null = null;
  private finished = false;
  private readonly failed: Promise<never>;

  private readonly exited: Promise<void>;

  /** `cpuProfileDir`: write a V8 CPU profile of the generator there when it exits. */
  constructor(
    private readonly config: GeneratorConfig,
    cpu: number | null,
    cpuProfileDir: string | null = null,
  ) {
    const argv = [process.execPath, GENERATOR_MAIN];
    if (cpuProfileDir) argv.splice(1, 0, '--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`);
    if (cpu !== null) argv.unshift('taskset', '-c', String(cpu));
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let rejectFailed: (e: Error) => void = () => {};
    this.failed = new Promise<never>((_, reject) => {
      rejectFailed = reject;
    });
    this.failed.catch(() => {});
    const die = (err: Error) => {
      if (this.failure) return;
      this.failure = err;
      rejectFailed(err);
    };
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    this.child.on('error', (err) => die(new GeneratorError(`could not start: ${err.message}`)));
    this.child.on('exit', (code, signal) => {
      if (!this.finished) die(new GeneratorError(`exited (${signal ?? code}) before reporting its result`));
    });
    this.child.on('message', (e: GeneratorEvent) => {
      if (e.type === 'progress') {
        this.completedTotal = e.completedTotal;
        this.errors = e.errors;
        return;
      }
      if (e.type === 'failed') {
        const where = `${config.host}:${config.port}`;
        die(
          e.code?.startsWith('E') && e.message.includes('connect')
            ? new TargetUnreachableError(where, e.code, e.message)
            : new GeneratorError(e.message),
        );
        return;
      }
      if (e.type === 'result') this.finished = true;
      if (this.waiting?.type === e.type) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(e);
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Connect every connection; rejects with TargetUnreachableError when the target refuses. */
  async ready(): Promise<void> {
    await this.request({ type: 'configure', config: this.config }, 'ready');
  }

  warmup(): void {
    this.send({ type: 'warmup' });
  }

  measure(): void {
    this.send({ type: 'measure' });
  }

  async stop(): Promise<GeneratorOutcome> {
    const e = await this.request({ type: 'stop' }, 'result');
    if (e.type !== 'result') throw new GeneratorError(`unexpected answer ${e.type}`);
    return { recording: e.recording, cpu: e.cpu };
  }

  /**
   * Wait up to `graceMs` for the process to exit by itself (it does after its result, writing its
   * CPU profile if asked), then kill it.
   */
  async close(graceMs = 2000): Promise<void> {
    this.finished = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private send(command: GeneratorCommand): void {
    if (this.failure) throw this.failure;
    this.child.send(command);
  }

  private request(command: GeneratorCommand, answer: GeneratorEvent['type']): Promise<GeneratorEvent> {
    const answered = new Promise<GeneratorEvent>((resolve) => {
      this.waiting = { type: answer, resolve };
    });
    this.send(command);
    return Promise.race([answered, this.failed]);
  }
}
