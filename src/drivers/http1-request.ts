import type { Http1Headers, Http1RequestEvent, Http1Version } from '../http1/index.js';
import { HttpError } from './http1-http-error.js';

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** What the connection driver does for a request's body stream. */
export interface RequestBodySource {
  /** The handler started reading the body (time to send `100 Continue` if the client waits for one). */
  bodyWanted(): void;
  /** The handler consumed `bytes` of queued body (reading may resume). */
  bodyConsumed(bytes: number): void;
}

/**
 * A request as a handler sees it: method, path, params from the route, query, headers, and the
 * body, either whole (`body()`, `text()`, `json()`) or as it arrives (`for await (const chunk of req)`).
 *
 * @example
 * server.post('/items', async (req, res) => {
 *   const item = await req.json<{ name: string }>();
 *   res.status(201).json({ id: 1, ...item });
 * });
 */
export class Http1ServerRequest implements AsyncIterable<Uint8Array> {
  readonly method: string;
  /** The request-target as sent. */
  readonly target: string;
  /** The path, percent-encoded as sent. */
  readonly path: string;
  readonly version: Http1Version;
  readonly headers: Http1Headers;
  /** Values of the route's `:name` segments, percent-decoded (frozen and shared when there are none). */
  params: Record<string, string> = NO_PARAMS;
  /** Trailer fields of a chunked body, once the body has ended. */
  trailers: Http1Headers | null = null;

  private readonly rawQuery: string;
  private parsedQuery: URLSearchParams | null = null;
  private readonly source: RequestBodySource;
  /** Body chunks not yet consumed; created with the first one (most requests have no body). */
  private chunks: Uint8Array[] | null = null;
  private queued = 0;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private reading = false;

  constructor(head: Http1RequestEvent, source: RequestBodySource) {
    this.method = head.method;
    this.target = head.target;
    this.path = head.path;
    this.version = head.version;
    this.headers = head.headers;
    this.rawQuery = head.query;
    this.source = source;
  }

  /** The query string, parsed. */
  get query(): URLSearchParams {
    this.parsedQuery ??= new URLSearchParams(this.rawQuery);
    return this.parsedQuery;
  }

  /** Body bytes received and not yet consumed by the handler. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** True once the whole body has been received. */
  get complete(): boolean {
    return this.ended;
  }

  /** @internal The driver delivers body bytes (already copied). */
  push(chunk: Uint8Array): void {
    (this.chunks ??= []).push(chunk);
    this.queued += chunk.byteLength;
    this.notify();
  }

  /** @internal The body is complete. */
  finish(trailers: Http1Headers | null): void {
    this.trailers = trailers;
    this.ended = true;
    this.notify();
  }

  /** @internal The connection failed before the body was complete. */
  fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    this.notify();
  }

  /** The whole body. */
  async body(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this) {
      parts.push(chunk);
      total += chunk.byteLength;
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }

  /** The whole body decoded as UTF-8. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.body());
  }

  /** The whole body parsed as JSON; a malformed body is answered with 400. */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.reading) throw new Error('the request body is already being read');
    this.reading = true;
    this.source.bodyWanted();
    for (;;) {
      if (this.chunks !== null && this.chunks.length > 0) {
        const chunk = this.chunks.shift()!;
        this.queued -= chunk.byteLength;
        this.source.bodyConsumed(chunk.byteLength);
        yield chunk;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
