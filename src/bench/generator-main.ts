// Entry point of a load generator process, started by LoadGeneratorProcess with an IPC channel.
// A separate process, so it can be pinned to its own core and its CPU measured apart from ours.
import { ClosedLoopGenerator } from './closed-loop-generator.js';
import type { GeneratorCommand, GeneratorEvent } from './generator-protocol.js';
import type { LoadGenerator } from './load-generator.js';
import { protocolFromSpec } from './load-protocol.js';
import { OpenLoopGenerator } from './open-loop-generator.js';

const PROGRESS_EVERY_MS = 500;

let generator: LoadGenerator | null = null;
let windowStart = 0;
let cpuStart = process.cpuUsage();
let progressTimer: NodeJS.Timeout | null = null;

function tell(event: GeneratorEvent): void {
  process.send?.(event);
}

function fail(err: unknown): void {
  const code = typeof err === 'object' && err && 'code' in err ? String(err.code) : null;
  tell({ type: 'failed', message: err instanceof Error ? err.message : String(err), code });
}

process.on('message', (raw: GeneratorCommand) => {
  try {
    switch (raw.type) {
      case 'configure': {
        const c = raw.config;
        const protocol = protocolFromSpec(c.protocol);
        const target = { host: c.host, port: c.port };
        generator =
          c.rate > 0
            ? new OpenLoopGenerator(target, protocol, c.connections, c.pipeline, c.rate)
            : new ClosedLoopGenerator(target, protocol, c.connections, c.pipeline);
        generator.connect().then(() => tell({ type: 'ready' }), fail);
        break;
      }
      case 'warmup':
        generator!.start();
        progressTimer = setInterval(() => {
          const r = generator!.recorder;
          tell({ type: 'progress', completedTotal: r.completedTotal, errors: r.errorCount });
        }, PROGRESS_EVERY_MS);
        break;
      case 'measure':
        windowStart = performance.now();
        cpuStart = process.cpuUsage();
        generator!.startRecording();
        break;
      case 'stop': {
        const windowMs = performance.now() - windowStart;
        const cpu = process.cpuUsage(cpuStart);
        generator!.stop();
        if (progressTimer) clearInterval(progressTimer);
        tell({
          type: 'result',
          recording: generator!.recorder.result(windowMs),
          cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000, windowMs },
        });
        process.disconnect?.();
        break;
      }
    }
  } catch (err) {
    fail(err);
  }
});
