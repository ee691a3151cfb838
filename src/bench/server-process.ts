import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServerExitedError, ServerStartError } from './errors.js';
import { type EventLoopLag, parseEventLoopLagLine } from './event-loop-lag.js';
import { type ProcessSample, sampleProcess } from './proc-stats.js';

const PROBE = fileURLToPath(new URL('./event-loop-probe.js', import.meta.url));
const LISTENING = /listening on \[?([0-9a-fA-F.:]+|localhost)\]?:(\d+)/;

export interface ServerLaunchOptions {
  /** Pin the server to this CPU with taskset; null leaves it to the scheduler. */
  cpu: number | null;
  /** Write a V8 CPU profile (--cpu-prof) into this directory when the server exits. */
  cpuProfileDir: string | null;
  /** Run under `strace -c -f` with the summary written to this file. */
  straceOutput: string | null;
  startTimeoutMs?: number;
}

/**
 * A Node server under test, started as `node --import <event-loop probe> <script> <args>` (under
 * taskset and strace when asked), ready once it prints "listening on HOST:PORT".
 */
export class ServerProcess {
  private out = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly label: string,
    private readonly child: ChildProcess,
    /** The node process itself (not a taskset or strace wrapper): the one whose CPU we read. */
    readonly pid: number,
    readonly host: string,
    readonly port: number,
    exited: Promise<void>,
    out: string,
  ) {
    this.exited = exited;
    this.out = out;
    child.stdout?.on('data', (d: Buffer) => this.append(d));
    child.stderr?.on('data', (d: Buffer) => this.append(d));
  }

  /** Start `script` with `args`, wait for its listening line. */
  static start(
    label: string,
    script: string,
    args: string[],
    options: ServerLaunchOptions,
  ): Promise<ServerProcess> {
    const node = [process.execPath, '--import', PROBE];
    if (options.cpuProfileDir) node.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    let argv = [...node, script, ...args];
    if (options.straceOutput) argv = ['strace', '-c', '-f', '-o', options.straceOutput, ...argv];
    if (options.cpu !== null) argv = ['taskset', '-c', String(options.cpu), ...argv];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    let out = '';
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      const timer = setTimeout(() => {
        cleanup();
        child.kill('SIGKILL');
        reject(new ServerStartError(`${label} did not print "listening on" within ${timeoutMs} ms`, out));
      }, timeoutMs);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = out.match(LISTENING);
        if (!m) return;
        cleanup();
        const pid = options.straceOutput ? tracedChildPid(child.pid!) : child.pid!;
        resolve(new ServerProcess(label, child, pid, m[1], Number(m[2]), exited, out));
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new ServerStartError(`${label} exited (${signal ?? code}) before listening`, out));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new ServerStartError(`could not start ${label}: ${err.message}`, out));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', onExit);
      child.on('error', onError);
    });
  }

  /** Everything the server printed so far. */
  output(): string {
    return this.out;
  }

  /** True once the process has exited. */
  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** CPU and memory now; a ServerExitedError if the server died. */
  sample(): ProcessSample {
    try {
      return sampleProcess(this.pid);
    } catch (err) {
      if (this.hasExited || (err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ServerExitedError(this.label, this.out);
      }
      throw err;
    }
  }

  /** Start a new event-loop delay window (the probe prints the previous one, which we ignore). */
  async resetEventLoopLag(): Promise<void> {
    await this.eventLoopLag();
  }

  /** Event-loop delay since the last call (null if the probe did not answer within a second). */
  async eventLoopLag(): Promise<EventLoopLag | null> {
    const seen = this.out.length;
    try {
      process.kill(this.pid, 'SIGUSR2');
    } catch {
      return null;
    }
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline) {
      const lag = parseEventLoopLagLine(this.out, seen);
      if (lag) return lag;
      await new Promise((r) => setTimeout(r, 5));
    }
    return null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process (and any wrapper) is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private append(d: Buffer): void {
    this.out += d.toString();
    // Keep memory bounded for servers that log a lot; the tail is what errors need.
    if (this.out.length > 1_000_000) this.out = this.out.slice(-100_000);
  }
}

/** The pid of the process strace started (strace's only child). */
function tracedChildPid(stracePid: number): number {
  try {
    const children = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8')
      .trim()
      .split(/\s+/);
    const pid = Number(children[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : stracePid;
  } catch {
    return stracePid;
  }
}
