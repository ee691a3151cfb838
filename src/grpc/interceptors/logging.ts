import type { SocketAddress } from '../../sys/sockaddr.js';
import type { Metadata, MetadataValue } from '../metadata.js';
import type { CallIdentity } from '../server-call.js';
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

const REDACTED_JSON = '"[REDACTED]"';
/** Metadata fragments the logger keeps: per key, and keys in all (memory stays small whatever clients send). */
const MAX_CACHED_VALUES_PER_KEY = 32;
const MAX_CACHED_KEYS = 64;
/** `,"status":"NAME","code":N` for each status code. */
const STATUS_PARTS = Array.from(
  { length: 17 },
  (_, code) => `,"status":"${statusName(code)}","code":${code}`,
);

/** Log text a writable sink holds while its stream is slow; past it, lines are dropped (and counted). */
export const DEFAULT_MAX_BUFFERED_LOG_BYTES = 1024 * 1024;

/** A stream lines can go to: process.stdout, an fs.WriteStream. */
export interface LogStream {
  write(chunk: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

/** A sink that batches lines into one stream write per event-loop turn. */
export interface WritableLogSink extends LogSink {
  /** Lines dropped because the stream was backed up past maxBufferedBytes. */
  readonly dropped: number;
  /** Writes what is buffered now (before exiting). */
  flush(): void;
}

/**
 * A sink writing newline-terminated lines to a stream. Lines of one event-loop turn go out in one
 * `write` (a write per line costs more than building the line). While the stream reports
 * backpressure, lines wait up to `maxBufferedBytes` (1 MiB) and later ones are dropped and
 * counted: logging never holds a server's memory hostage. Call `flush()` before exiting.
 *
 * @example
 * const sink = writableLogSink(fs.createWriteStream('grpc.log', { flags: 'a' }));
 * const server = new GrpcServer({ interceptors: [loggingInterceptor({ sink })] });
 * // at shutdown: await server.close(); sink.flush();
 */
export function writableLogSink(
  out: LogStream,
  options: { maxBufferedBytes?: number } = {},
): WritableLogSink {
  const max = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_LOG_BYTES;
  let pending = '';
  let scheduled = false;
  let blocked = false;
  let dropped = 0;
  const write = () => {
    const chunk = pending;
    pending = '';
    if (!out.write(chunk) && out.once && !blocked) {
      blocked = true;
      out.once('drain', () => {
        blocked = false;
        if (pending !== '') write();
      });
    }
  };
  const scheduledFlush = () => {
    scheduled = false;
    if (pending !== '' && !blocked) write();
  };
  const sink = ((line: string) => {
    if (pending.length + line.length + 1 > max) {
      dropped++;
      return;
    }
    pending += `${line}\n`;
    if (!scheduled && !blocked) {
      scheduled = true;
      setImmediate(scheduledFlush);
    }
  }) as WritableLogSink;
  Object.defineProperty(sink, 'dropped', { get: () => dropped });
  // An explicit flush (shutdown) hands everything to the stream even while it is backed up.
  sink.flush = () => {
    if (pending !== '') write();
  };
  return sink;
}

/** Characters that make a string need JSON escaping (quote, backslash, controls, the JS line separators). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]/;

/** A string as a JSON string literal; plain strings (the common case) without JSON.stringify. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * Builds log lines by concatenation: this runs once per call on the hot path, where an object
 * literal handed to JSON.stringify (and an ISO date per call) cost more than the rest of the
 * pipeline together. The output is the same JSON an object would give.
 */
class LineWriter {
  private readonly redact: ReadonlySet<string>;
  private readonly maxValueLength: number;
  private readonly includeMetadata: boolean;
  private lastMs = -1;
  private lastTime = '';
  /** The constant middle of each method's lines (`"method":...,"kind":...`), by path. */
  private readonly methodFields = new Map<string, string>();

  constructor(options: LoggingOptions) {
    this.redact = new Set((options.redactKeys ?? DEFAULT_REDACTED_KEYS).map((k) => k.toLowerCase()));
    this.maxValueLength = options.maxValueLength ?? DEFAULT_MAX_LOGGED_VALUE_LENGTH;
    this.includeMetadata = options.includeMetadata ?? true;
  }

  /** `"time":"<ISO>"` for a performance.now() time; calls in the same millisecond share one Date. */
  time(at: number): string {
    const ms = Math.floor(performance.timeOrigin + at);
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTime = `{"time":"${new Date(ms).toISOString()}"`;
    }
    return this.lastTime;
  }

  /** `,"side":...,"method":...,"kind":...`, the same for every call of a method on one side. */
  methodPart(side: string, path: string, kind: string): string {
    let part = this.methodFields.get(path);
    if (part === undefined) {
      part = `,"side":"${side}","method":${jsonString(path)},"kind":"${kind}"`;
      this.methodFields.set(path, part);
    }
    return part;
  }

  /** `,"peer":"..."`, once per connection (its calls share one address object). */
  peerPart(call: InterceptedServerCall): string {
    const address = call.peerAddress;
    if (address === null) return ',"peer":"unknown"';
    let part = this.peerFields.get(address);
    if (part === undefined) {
      part = `,"peer":${jsonString(call.peer)}`;
      this.peerFields.set(address, part);
    }
    return part;
  }

  /** `,"identity":"..."`, once per identity object (a static token's, or a cached verification's). */
  identityPart(identity: CallIdentity | undefined): string {
    if (identity === undefined) return '';
    let part = this.identityFields.get(identity);
    if (part === undefined) {
      part = `,"identity":${jsonString(identity.subject)}`;
      this.identityFields.set(identity, part);
    }
    return part;
  }

  private readonly peerFields = new WeakMap<SocketAddress, string>();
  private readonly identityFields = new WeakMap<CallIdentity, string>();

  /** `,"metadata":{...}` (redacted, values cut), or nothing when left out or empty. */
  metadata(md: Metadata): string {
    if (!this.includeMetadata || md.size === 0) return '';
    this.rendered = '';
    md.forEachKey(this.renderKey);
    return `,"metadata":{${this.rendered}}`;
  }

  /** Appends one key to `rendered`: bound once, so rendering allocates no closure per call. */
  private rendered = '';
  private readonly renderKey = (values: readonly MetadataValue[], key: string): void => {
    // Keys are [0-9a-z_.-]: no escaping. Several values of one key become an array.
    const sep = this.rendered === '' ? '' : ',';
    if (values.length === 1) {
      this.rendered += sep + this.entry(key, values[0]);
      return;
    }
    let list = '';
    for (let i = 0; i < values.length; i++) list += `${i === 0 ? '' : ','}${this.value(values[i], key)}`;
    this.rendered += `${sep}"${key}":[${list}]`;
  };

  /**
   * `"key":"value"` for a single value. Most metadata repeats from call to call (user-agent, a
   * redacted authorization), so fragments are kept, a bounded number per key and of keys.
   */
  private entry(key: string, value: MetadataValue): string {
    let byValue = this.entries.get(key);
    if (byValue === undefined) {
      if (this.entries.size >= MAX_CACHED_KEYS) return `"${key}":${this.value(value, key)}`;
      byValue = new Map();
      this.entries.set(key, byValue);
    }
    if (typeof value !== 'string') return `"${key}":${this.value(value, key)}`;
    // A redacted key has one fragment whatever its value: keep it under '' (never a real value's key).
    const cacheKey = this.redact.has(key) ? '' : value;
    let fragment = byValue.get(cacheKey);
    if (fragment === undefined) {
      fragment = `"${key}":${this.value(value, key)}`;
      if (byValue.size < MAX_CACHED_VALUES_PER_KEY) byValue.set(cacheKey, fragment);
    }
    return fragment;
  }

  private readonly entries = new Map<string, Map<string, string>>();

  private value(value: MetadataValue, key: string): string {
    if (this.redact.has(key)) return REDACTED_JSON;
    if (typeof value !== 'string') return `"<${value.byteLength} bytes>"`;
    return jsonString(
      value.length > this.maxValueLength
        ? `${value.slice(0, this.maxValueLength)}...(${value.length} chars)`
        : value,
    );
  }
}

/** Counts and message fields shared by both sides' lines. */
function tail(status: number, details: string | undefined, durationMs: number, counts: string): string {
  return (
    (STATUS_PARTS[status] ?? `,"status":"${statusName(status)}","code":${status}`) +
    (details ? `,"message":${jsonString(details)}` : '') +
    `,"durationMs":${millis(durationMs)}` +
    counts
  );
}

/**
 * Milliseconds with three decimals, from integers: formatting an arbitrary double is the slowest
 * part of a log line, small integers come from V8's number-string cache.
 */
function millis(ms: number): string {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us < 2 ** 31)) return String(Math.round(ms * 1000) / 1000);
  const whole = (us / 1000) | 0;
  const frac = us - whole * 1000;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** Count fragments kept: unary calls of one method repeat the same few. */
const MAX_CACHED_COUNTS = 256;

/** `,"messagesIn":..,"messagesOut":..,"bytesIn":..,"bytesOut":..`, cached for small counts. */
class CountsPart {
  private readonly cache = new Map<number, string>();

  of(c: { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number }): string {
    const { messagesIn: mi, messagesOut: mo, bytesIn: bi, bytesOut: bo } = c;
    // One number for the four when they are small enough to pack exactly (below 2^53).
    const small = mi < 256 && mo < 256 && bi < 65536 && bo < 65536;
    const key = small ? ((mi * 256 + mo) * 65536 + bi) * 65536 + bo : -1;
    let part = small ? this.cache.get(key) : undefined;
    if (part === undefined) {
      part = `,"messagesIn":${mi},"messagesOut":${mo},"bytesIn":${bi},"bytesOut":${bo}`;
      if (small && this.cache.size < MAX_CACHED_COUNTS) this.cache.set(key, part);
    }
    return part;
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
  const writer = new LineWriter(options);
  const counts = new CountsPart();
  const { sink } = options;
  const self = {
    name: 'logging',
    sinkErrors: 0,
    after(call: InterceptedServerCall) {
      const m = call.method;
      const line =
        writer.time(call.startedAt) +
        writer.methodPart('server', m.path, m.kind) +
        writer.peerPart(call) +
        writer.identityPart(call.identity) +
        tail(call.status ?? 0, call.error?.details, call.durationMs, counts.of(call)) +
        writer.metadata(call.metadata) +
        '}';
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
  const writer = new LineWriter(options);
  const counts = new CountsPart();
  const { sink } = options;
  const self = {
    name: 'client-logging',
    sinkErrors: 0,
    after(call: InterceptedClientCall) {
      const m = call.method;
      const status = call.status;
      const kind = m.clientStreaming
        ? m.serverStreaming
          ? 'bidi-streaming'
          : 'client-streaming'
        : m.serverStreaming
          ? 'server-streaming'
          : 'unary';
      const line =
        writer.time(call.startedAt) +
        writer.methodPart('client', m.path, kind) +
        `,"target":${jsonString(call.target)},"attempts":${call.attempts}` +
        tail(status?.code ?? 0, status?.details, call.durationMs, counts.of(call)) +
        writer.metadata(call.metadata) +
        '}';
      safeWrite(sink, line, self);
    },
  };
  return self;
}
