/** Event-loop delay of a server over a window, as the preloaded probe reports it. */
export interface EventLoopLag {
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/**
 * Prefix of the line event-loop-probe.ts prints in the server; the bench finds it in the server's
 * stderr. Kept apart from the probe, which must only be loaded into servers (it has side effects).
 */
export const EVENT_LOOP_PROBE_PREFIX = 'wirestack-bench-event-loop';

/** The probe's line for `lag`. */
export function formatEventLoopLagLine(lag: EventLoopLag): string {
  return `${EVENT_LOOP_PROBE_PREFIX} ${JSON.stringify(lag)}\n`;
}

/**
 * The first probe line in `output` from index `from` on, or null while none is complete.
 *
 * @example
 * parseEventLoopLagLine(serverStderr, 0); // { p99Ms: 1.2, maxMs: 3.4, meanMs: 0.2 }
 */
export function parseEventLoopLagLine(output: string, from = 0): EventLoopLag | null {
  const i = output.indexOf(EVENT_LOOP_PROBE_PREFIX, from);
  const end = i < 0 ? -1 : output.indexOf('\n', i);
  if (end < 0) return null;
  try {
    return JSON.parse(output.slice(i + EVENT_LOOP_PROBE_PREFIX.length, end)) as EventLoopLag;
  } catch {
    return null;
  }
}
