import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export const CLI = 'dist/src/cli/main.js';

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  host: string;
  port: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Start `wirestack <args>` (optionally under a wrapper such as prlimit or strace) and wait for its
 * "listening on HOST:PORT" line. Servers are started on port 0 and the port is read back.
 */
export function startServerProcess(
  args: string[],
  wrapper: string[] = [],
  timeoutMs = 10_000,
): Promise<ServerProcess> {
  const argv = [...wrapper, process.execPath, CLI, ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms; output:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on \[?([0-9a-f.:]+)\]?:(\d+)/);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (x: Buffer) => {
          out += x.toString();
        });
        resolve({
          child,
          pid: child.pid!,
          host: m[1],
          port: Number(m[2]),
          output: () => out,
          exited,
          kill: (s = 'SIGTERM') => child.kill(s),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; output:\n${out}`));
    });
  });
}

/** Send `payload` to an echo server with node:net, half-close, and collect everything until close. */
export function echoRoundTrip(port: number, payload: Uint8Array, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host });
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks)));
    sock.on('connect', () => sock.end(payload));
  });
}

/** Connect with node:net and resolve once connected. */
export function connectNode(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host }, () => resolve(sock));
    sock.once('error', reject);
  });
}

/** Resolve with all bytes received until the peer closes. */
export function readUntilClose(sock: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    sock.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Resolve once `sock` has received at least `n` bytes (returns them), or reject on close first. */
export function readBytes(sock: net.Socket, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(
      () => done(new Error(`timed out waiting for ${n} bytes (got ${got})`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= n) done(null);
    };
    const onClose = () => done(new Error(`closed after ${got} of ${n} bytes`));
    const done = (err: Error | null) => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    sock.on('data', onData);
    sock.on('close', onClose);
  });
}

/**
 * Runs `command` to its exit without blocking the event loop (a server in this process may be its
 * peer), and resolves with its exit code and its stdout and stderr interleaved as they came.
 */
export function runToExit(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; out: string }> {
  const child = spawn(command, args);
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every 10 ms until it holds or `timeoutMs` passes. */
export async function waitFor(cond: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Poll `read` until its value has not changed for `steadyMs` (a flow that has stopped), then return
 * it. A fixed sleep guessed how long a slow CI machine needs; this waits for the thing itself.
 */
export async function waitForSteady(
  read: () => number,
  steadyMs: number,
  timeoutMs: number,
): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last = read();
  let since = Date.now();
  while (Date.now() - since < steadyMs) {
    if (Date.now() > end) throw new Error(`value still changing after ${timeoutMs} ms (last ${last})`);
    await sleep(10);
    const v = read();
    if (v !== last) {
      last = v;
      since = Date.now();
    }
  }
  return last;
}
