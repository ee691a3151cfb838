import type { DrainSummary } from './server.js';

export interface Drainable {
  /** Shown in the drain log, e.g. `echo 127.0.0.1:7000`. */
  name: string;
  close(): Promise<DrainSummary>;
}

export interface SignalShutdownOptions {
  log?: (line: string) => void;
  /** Called with the exit code once every server has drained. Default: process.exit. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/** One line a person can read: what was drained and what was cut. */
export function describeDrain(name: string, s: DrainSummary): string {
  return (
    `${name}: drained ${s.drained} in-flight, closed ${s.idleClosed} idle, ` +
    `told ${s.queuedTold} queued, cut ${s.cut} at the drain timeout (${s.durationMs} ms)`
  );
}

/**
 * On SIGTERM or SIGINT, drain every server, log what happened, and exit: 0 when everything in
 * flight finished, 1 when the drain timeout had to cut connections. A second signal exits at once
 * with 130.
 *
 * @example
 * shutdownOnSignals([{ name: 'echo', close: () => server.close() }], { log: console.log });
 */
export function shutdownOnSignals(targets: Drainable[], options: SignalShutdownOptions = {}): () => void {
  const log = options.log ?? ((line: string) => console.error(line));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      exit(130);
      return;
    }
    stopping = true;
    log(`${signal}: shutting down, no longer accepting connections`);
    Promise.all(targets.map(async (t) => ({ t, s: await t.close() }))).then(
      (results) => {
        let cut = 0;
        for (const { t, s } of results) {
          log(describeDrain(t.name, s));
          cut += s.cut;
        }
        exit(cut > 0 ? 1 : 0);
      },
      (err) => {
        log(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
