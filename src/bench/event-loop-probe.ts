// Preloaded into a server under test with `node --import <this file>`: measures the server's
// event-loop delay without the server's cooperation, so ours and baselines are measured alike.
// On SIGUSR2 it prints one line with the delay since the last SIGUSR2 and starts over.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { formatEventLoopLagLine } from './event-loop-lag.js';

const RESOLUTION_MS = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
delay.enable();
process.on('SIGUSR2', () => {
  // The histogram holds the time between timer ticks, which includes the tick interval itself.
  const lag = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
  process.stderr.write(
    formatEventLoopLagLine({
      p99Ms: lag(delay.percentile(99)),
      maxMs: lag(delay.max),
      meanMs: lag(delay.mean),
    }),
  );
  delay.reset();
});
