import { Histogram, type HistogramSnapshot } from './histogram.js';

/** What one generator measured in the measurement window. */
export interface LoadRecording {
  histogram: HistogramSnapshot;
  /** Responses completed in each second of the window. */
  timeline: number[];
  completed: number;
  errors: number;
  /** The first few distinct error messages, for the report. */
  errorMessages: string[];
  bytesSent: number;
  bytesReceived: number;
}

const MAX_ERROR_MESSAGES = 5;

/**
 * Collects latencies (as nanoseconds in a Histogram), per-second completions and errors. Responses
 * before `startRecording` (warm-up) only count towards progress.
 */
export class LoadRecorder {
  readonly histogram = new Histogram();
  /** Responses completed since the generator started, warm-up included (for the progress line). */
  completedTotal = 0;
  private recording = false;
  private windowStartMs = 0;
  private completed = 0;
  private errors = 0;
  private readonly errorMessages: string[] = [];
  private readonly timeline: number[] = [];
  private bytesSent = 0;
  private bytesReceived = 0;

  get errorCount(): number {
    return this.errors;
  }

  get isRecording(): boolean {
    return this.recording;
  }

  startRecording(nowMs: number): void {
    this.recording = true;
    this.windowStartMs = nowMs;
  }

  stopRecording(): void {
    this.recording = false;
  }

  /** A response completed at `doneMs` for a request sent (or, open loop, due) at `startMs`. */
  response(startMs: number, doneMs: number): void {
    this.completedTotal++;
    if (!this.recording) return;
    this.completed++;
    this.histogram.record((doneMs - startMs) * 1e6);
    const second = Math.floor((doneMs - this.windowStartMs) / 1000);
    if (second >= 0) this.timeline[second] = (this.timeline[second] ?? 0) + 1;
  }

  sent(bytes: number): void {
    if (this.recording) this.bytesSent += bytes;
  }

  received(bytes: number): void {
    if (this.recording) this.bytesReceived += bytes;
  }

  error(err: Error): void {
    this.errors++;
    if (this.errorMessages.length < MAX_ERROR_MESSAGES && !this.errorMessages.includes(err.message)) {
      this.errorMessages.push(err.message);
    }
  }

  result(windowMs: number): LoadRecording {
    // A trailing part-second shorter than 100 ms says little about throughput: drop it.
    const seconds = Math.max(
      1,
      windowMs % 1000 > 100 ? Math.ceil(windowMs / 1000) : Math.floor(windowMs / 1000),
    );
    const timeline = Array.from({ length: seconds }, (_, i) => this.timeline[i] ?? 0);
    return {
      histogram: this.histogram.snapshot(),
      timeline,
      completed: this.completed,
      errors: this.errors,
      errorMessages: [...this.errorMessages],
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
    };
  }
}
