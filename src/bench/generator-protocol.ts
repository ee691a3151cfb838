import type { ProtocolSpec } from './load-protocol.js';
import type { LoadRecording } from './load-recorder.js';

/** What one generator process is asked to do. */
export interface GeneratorConfig {
  host: string;
  port: number;
  protocol: ProtocolSpec;
  connections: number;
  pipeline: number;
  /** Requests per second for an open-loop run; 0 for closed loop. */
  rate: number;
}

/** Parent → generator process. */
export type GeneratorCommand =
  | { type: 'configure'; config: GeneratorConfig }
  | { type: 'warmup' }
  | { type: 'measure' }
  | { type: 'stop' };

/** The generator's own cost over the measurement window. */
export interface GeneratorCpu {
  userMs: number;
  systemMs: number;
  windowMs: number;
}

/** Generator process → parent. */
export type GeneratorEvent =
  | { type: 'ready' }
  | { type: 'progress'; completedTotal: number; errors: number }
  | { type: 'result'; recording: LoadRecording; cpu: GeneratorCpu }
  | { type: 'failed'; message: string; code: string | null };
