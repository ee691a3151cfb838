import type { Http1HeaderPairs } from '../http1/index.js';

/** What a response needs from its connection: the core's send paths plus the socket. */
export interface ResponseSink {
  /** A whole response: head with Content-Length, then the body. */
  respondWhole(status: number, headers: Http1HeaderPairs, body: Uint8Array): void;
  /** The head of a streamed response (chunked for HTTP/1.1, close-delimited for 1.0). */
  respondHead(status: number, headers: Http1HeaderPairs): void;
  /** Part of a streamed body; false when the socket is above its high-water mark. */
  respondData(chunk: Uint8Array): boolean;
  respondEnd(trailers?: Http1HeaderPairs): void;
  /** Resolves once the socket's output queue has drained (or the connection closed). */
  drained(): Promise<void>;
  /** True once the connection is closing: writes are ignored. */
  readonly closing: boolean;
}

const encoder = new TextEncoder();
const TEXT_FIELD = ['content-type', 'text/plain; charset=utf-8'] as const;
const JSON_FIELD = ['content-type', 'application/json'] as const;
/**
 * Where string bodies are encoded: the connection copies a body before send() returns (into one
 * send(2), or into its output queue), so one buffer serves every response.
 */
const NO_FIELDS: Http1HeaderPairs = Object.freeze([]);
const TEXT_ONLY: Http1HeaderPairs = Object.freeze([TEXT_FIELD]);
const JSON_ONLY: Http1HeaderPairs = Object.freeze([JSON_FIELD]);
const bodyScratch = new Uint8Array(16 * 1024);

function encodeBody(s: string): Uint8Array {
  if (s.length * 3 > bodyScratch.length) return encoder.encode(s);
  const { written } = encoder.encodeInto(s, bodyScratch);
  return bodyScratch.subarray(0, written);
}

/**
 * The response a handler writes: set a status and headers, then either send a whole body
 * (`send`, `json`) or stream one (`write` ... `end`, sent chunked). Framing headers
 * (Content-Length, Transfer-Encoding, Connection) are the connection's job.
 *
 * @example
 * res.status(200).header('cache-control', 'no-store').json({ ok: true });
 * // streaming:
 * for (const line of lines) if (!res.write(line)) await res.drained();
 * res.end();
 */
export class Http1ServerResponse {
  statusCode = 200;
  /** Header fields set by the handler; shared constant lists until the first header() call. */
  private fields: (readonly [string, string])[] | Http1HeaderPairs = NO_FIELDS;
  private ownFields = false;
  private readonly sink: ResponseSink;
  private started = false;
  private done = false;

  constructor(sink: ResponseSink) {
    this.sink = sink;
  }

  /** True once the head has been handed to the connection. */
  get headersSent(): boolean {
    return this.started;
  }

  /** True once the response is complete. */
  get finished(): boolean {
    return this.done;
  }

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  /** Add a header field (repeat the call for repeated fields). */
  header(name: string, value: string | number): this {
    if (this.started) throw new Error('headers already sent');
    this.own().push([name, String(value)]);
    return this;
  }

  /** True when a header `name` was set (any case). */
  hasHeader(name: string): boolean {
    const lower = name.toLowerCase();
    for (let i = 0; i < this.fields.length; i++) if (this.fields[i][0].toLowerCase() === lower) return true;
    return false;
  }

  /** Send a whole body: a string is sent as UTF-8 text/plain unless a content-type was set. */
  send(body: string | Uint8Array = ''): void {
    this.start();
    let bytes: Uint8Array;
    if (typeof body === 'string') {
      if (!this.hasHeader('content-type')) this.addField(TEXT_FIELD, TEXT_ONLY);
      bytes = encodeBody(body);
    } else bytes = body;
    this.done = true;
    this.sink.respondWhole(this.statusCode, this.fields, bytes);
  }

  /** Send `value` as a JSON body (application/json). */
  json(value: unknown): void {
    if (!this.hasHeader('content-type')) this.addField(JSON_FIELD, JSON_ONLY);
    this.send(encodeBody(JSON.stringify(value)));
  }

  /**
   * Stream part of the body (the head goes out with the first call). Returns false when the
   * client is not keeping up: wait for `drained()` before writing more.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.done) throw new Error('response already finished');
    if (!this.started) {
      this.start();
      this.sink.respondHead(this.statusCode, this.fields);
    }
    return this.sink.respondData(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  }

  /** Finish the response, after an optional last chunk; without any write() this is send(). */
  end(chunk?: string | Uint8Array, trailers?: Http1HeaderPairs): void {
    if (this.done) return;
    if (!this.started) {
      this.send(chunk ?? new Uint8Array(0));
      return;
    }
    if (chunk !== undefined) this.write(chunk);
    this.done = true;
    this.sink.respondEnd(trailers);
  }

  /** Resolves when written data has left our output queue. */
  drained(): Promise<void> {
    return this.sink.drained();
  }

  /** The handler's own field list, copied from a shared one on first change. */
  private own(): (readonly [string, string])[] {
    if (!this.ownFields) {
      this.fields = [...this.fields];
      this.ownFields = true;
    }
    return this.fields as (readonly [string, string])[];
  }

  /** Add a default field; when it is the only one, a shared one-field list does (no allocation). */
  private addField(field: readonly [string, string], alone: Http1HeaderPairs): void {
    if (this.fields.length === 0) this.fields = alone;
    else this.own().push(field);
  }

  private start(): void {
    if (this.started) throw new Error('response already sent');
    this.started = true;
  }
}
