import type { Metadata } from '../metadata.js';
import { statusName } from '../status.js';
import type { ClientInterceptor, InterceptedClientCall } from './client-interceptor.js';
import type { InterceptedServerCall, ServerInterceptor } from './server-interceptor.js';

/** Receives one JSON line per call (no trailing newline). */
export type LogSink = (line: string) => void;

/** Metadata keys whose values never reach a log, unless told otherwise. */
export const DEFAULT_REDACTED_KEYS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
];
/** Longest metadata value written out; longer ones are cut (a log line is not a place for 8 KiB). */
export const DEFAULT_MAX_LOGGED_VALUE_LENGTH = 256;

export interface LoggingOptions {
  sink: LogSink;
  /** Metadata keys logged as `[REDACTED]`. Default authorization, proxy-authorization, cookie, set-cookie, x-api-key. */
  redactKeys?: readonly string[];
  /** Log the request metadata (redacted). Default true. */
  includeMetadata?: boolean;
  /** Metadata values are cut to this many characters. Default 256. */
  maxValueLength?: number;
}

const REDACTED = '[REDACTED]';

/**
 * Writes lines to anything with `write(string)`: process.stdout, an fs.WriteStream.
 *
 * @example
 * loggingInterceptor({ sink: writableLogSink(fs.createWriteStream('grpc.log', { flags: 'a' })) });
 */
export function writableLogSink(out: { write(chunk: string): unknown }): LogSink {
  return (line) => {
    out.write(`${line}\n`);
  };
}

class MetadataRedactor {
  private readonly redact: ReadonlySet<string>;
  private readonly maxValueLength: number;

  constructor(options: LoggingOptions) {
    this.redact = new Set((options.redactKeys ?? DEFAULT_REDACTED_KEYS).map((k) => k.toLowerCase()));
    this.maxValueLength = options.maxValueLength ?? DEFAULT_MAX_LOGGED_VALUE_LENGTH;
  }

  /** Metadata as a plain object for JSON: several values of one key become an array. */
  render(md: Metadata): Record<string, string | string[]> | undefined {
    if (md.size === 0) return undefined;
    const out: Record<string, string | string[]> = Object.create(null);
    for (const [key, value] of md.entries()) {
      const text = this.redact.has(key)
        ? REDACTED
        : typeof value === 'string'
          ? value.length > this.maxValueLength
            ? `${value.slice(0, this.maxValueLength)}...(${value.length} chars)`
            : value
          : `<${value.byteLength} bytes>`;
      const prev = out[key];
      out[key] = prev === undefined ? text : Array.isArray(prev) ? [...prev, text] : [prev, text];
    }
    return out;
  }
}

/** A sink that throws must not change how a call ends: its error is counted and dropped. */
function safeWrite(sink: LogSink, line: string, counter: { sinkErrors: number }): void {
  try {
    sink(line);
  } catch {
    counter.sinkErrors++;
  }
}

/**
 * One JSON line per call on the server, when it ends: time, method, call kind, peer, verified
 * caller, status, duration, messages and bytes each way, request metadata with credentials
 * redacted. Put it first in the list so it also logs calls other interceptors refuse.
 * `sinkErrors` counts lines the sink failed to take.
 *
 * @example
 * const server = new GrpcServer({ interceptors: [loggingInterceptor({ sink: writableLogSink(process.stdout) })] });
 * // {"time":"2025-01-01T12:00:00.000Z","side":"server","method":"/wirestack.demo.Echo/Say","kind":"unary",
 * //  "peer":"127.0.0.1:50312","identity":"alice","status":"OK","code":0,"durationMs":0.41,
 * //  "messagesIn":1,"messagesOut":1,"bytesIn":7,"bytesOut":9,"metadata":{"authorization":"[REDACTED]"}}
 */
export function loggingInterceptor(options: LoggingOptions): ServerInterceptor & { sinkErrors: number } {
  const redactor = new MetadataRedactor(options);
  const includeMetadata = options.includeMetadata ?? true;
  const { sink } = options;
  const self = {
    name: 'logging',
    sinkErrors: 0,
    after(call: InterceptedServerCall) {
      const line = JSON.stringify({
        time: new Date(performance.timeOrigin + call.startedAt).toISOString(),
        side: 'server',
        method: call.method.path,
        kind: call.method.kind,
        peer: call.peer,
        identity: call.identity?.subject,
        status: statusName(call.status ?? 0),
        code: call.status,
        message: call.error?.details || undefined,
        durationMs: Math.round(call.durationMs * 1000) / 1000,
        messagesIn: call.messagesIn,
        messagesOut: call.messagesOut,
        bytesIn: call.bytesIn,
        bytesOut: call.bytesOut,
        metadata: includeMetadata ? redactor.render(call.metadata) : undefined,
      });
      safeWrite(sink, line, self);
    },
  };
  return self;
}

/**
 * One JSON line per call on the client, when it ends: time, method, target, status, duration,
 * attempts, messages and bytes each way, the metadata sent (credentials redacted). Put it first
 * so it sees the final outcome after retries, and the metadata other interceptors added.
 *
 * @example
 * const channel = new GrpcChannel('127.0.0.1:50051', {
 *   interceptors: [clientLoggingInterceptor({ sink: (line) => console.error(line) }), retryInterceptor()],
 * });
 */
export function clientLoggingInterceptor(
  options: LoggingOptions,
): ClientInterceptor & { sinkErrors: number } {
  const redactor = new MetadataRedactor(options);
  const includeMetadata = options.includeMetadata ?? true;
  const { sink } = options;
  const self = {
    name: 'client-logging',
    sinkErrors: 0,
    after(call: InterceptedClientCall) {
      const status = call.status;
      const m = call.method;
      const line = JSON.stringify({
        time: new Date(performance.timeOrigin + call.startedAt).toISOString(),
        side: 'client',
        method: m.path,
        kind: m.clientStreaming
          ? m.serverStreaming
            ? 'bidi-streaming'
            : 'client-streaming'
          : m.serverStreaming
            ? 'server-streaming'
            : 'unary',
        target: call.target,
        status: statusName(status?.code ?? 0),
        code: status?.code,
        message: status?.details || undefined,
        durationMs: Math.round(call.durationMs * 1000) / 1000,
        attempts: call.attempts,
        messagesIn: call.messagesIn,
        messagesOut: call.messagesOut,
        bytesIn: call.bytesIn,
        bytesOut: call.bytesOut,
        metadata: includeMetadata ? redactor.render(call.metadata) : undefined,
      });
      safeWrite(sink, line, self);
    },
  };
  return self;
}
