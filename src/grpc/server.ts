import { createHttp2Server, type Http2Server, type Http2ServerStream } from '../drivers/http2-server.js';
import type { KeepalivePolicyOptions } from '../drivers/keepalive-policy.js';
import { NEED_MORE } from '../framing/need-more.js';
import type { HeaderFieldInput } from '../hpack/index.js';
import type { Http2ConnectionOptions } from '../http2/options.js';
import type { MessageType, ProtoSchema, ServiceDescriptor } from '../protobuf/index.js';
import type { DrainSummary, TcpServerOptions } from '../tcp/index.js';
import { decompressMessage, type GrpcEncoding, isSupportedEncoding } from './compression.js';
import { GrpcError } from './errors.js';
import {
  InterceptedServerCall,
  type MethodInfo,
  methodInfo,
  type ServerInterceptor,
  type ShortCircuit,
} from './interceptors/server-interceptor.js';
import { DEFAULT_MAX_RECEIVE_MESSAGE_SIZE, GrpcMessageDecoder } from './message-framing.js';
import { Metadata } from './metadata.js';
import { ServerCall, toGrpcError } from './server-call.js';
import { GrpcStatus } from './status.js';
import { encodeStatusMessage } from './status-message.js';
import { parseGrpcTimeout } from './timeout.js';

/** grpc-go's default send limit: effectively unbounded (2 GiB - 1); ours is 4 MiB like the receive side. */
export const DEFAULT_MAX_SEND_MESSAGE_SIZE = 4 * 1024 * 1024;
/** Request metadata above this many bytes (HTTP/2 accounting) is RESOURCE_EXHAUSTED: grpc-go's 8 KiB default... */
export const DEFAULT_MAX_METADATA_SIZE = 8 * 1024;

/** `async (request, call) => response` */
export type UnaryHandler<Req extends object, Res extends object> = (
  request: Req,
  call: ServerCall<Req, Res>,
) => Promise<Res> | Res;
/** An async generator of responses, or a function that writes with `call.write()` and returns. */
export type ServerStreamingHandler<Req extends object, Res extends object> = (
  request: Req,
  call: ServerCall<Req, Res>,
) => AsyncIterable<Res> | Promise<void> | void;
/** `async (call) => { for await (const m of call) ...; return response; }` */
export type ClientStreamingHandler<Req extends object, Res extends object> = (
  call: ServerCall<Req, Res>,
) => Promise<Res> | Res;
/** Reads `for await (const m of call)`, writes with `call.write()` or yields responses. */
export type BidiStreamingHandler<Req extends object, Res extends object> = (
  call: ServerCall<Req, Res>,
) => AsyncIterable<Res> | Promise<void> | void;

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed by the caller; the registry stores any shape
type AnyMessage = any;
export type GrpcHandler =
  | UnaryHandler<AnyMessage, AnyMessage>
  | ServerStreamingHandler<AnyMessage, AnyMessage>
  | ClientStreamingHandler<AnyMessage, AnyMessage>
  | BidiStreamingHandler<AnyMessage, AnyMessage>;

/** Handlers of one service, by rpc name as written in the .proto (`UnaryCall`). */
export type ServiceHandlers = Record<string, GrpcHandler>;

export interface GrpcServerOptions {
  /** Largest request message, before and after decompression. Default 4 MiB. */
  maxReceiveMessageSize?: number;
  /** Largest response message (encoded, before compression). Default 4 MiB. */
  maxSendMessageSize?: number;
  /** Largest request metadata (custom headers, HTTP/2 size accounting). Default 8 KiB. */
  maxMetadataSize?: number;
  /** Compress responses with this encoding when the client accepts it. Default identity. */
  responseEncoding?: GrpcEncoding;
  /**
   * Passed to the TCP core: maxConnections, backlog, drainTimeoutMs, ... Its byte-level
   * idleTimeoutMs defaults to 0 here: a call may be quiet for a long time (a Watch, a slow handler);
   * idle connections are closed gracefully by `keepalive.maxConnectionIdleMs` instead.
   */
  tcp?: TcpServerOptions;
  /** Ping enforcement (too_many_pings, grpc-go defaults: 5 min, no pings without a call) and max connection idle/age with a graceful GOAWAY. */
  keepalive?: KeepalivePolicyOptions;
  http2?: Http2ConnectionOptions;
  /**
   * Interceptors around every call of every service (docs/grpc-interceptors.md). The first is the
   * outermost: its `before` runs first and its `after` last. A service's own interceptors
   * (`addService(..., { interceptors })`) run inside these. None: calls take the plain fast path.
   */
  interceptors?: readonly ServerInterceptor[];
}

/** Options of one service. */
export interface AddServiceOptions {
  /** Interceptors for this service's calls only, inside the server-wide ones. */
  interceptors?: readonly ServerInterceptor[];
}

interface RegisteredMethod {
  path: string;
  clientStreaming: boolean;
  serverStreaming: boolean;
  requestType: MessageType<AnyMessage>;
  responseType: MessageType<AnyMessage>;
  handler: GrpcHandler;
  info: MethodInfo;
  /** Server-wide then per-service interceptors; undefined when there are none. */
  interceptors: readonly ServerInterceptor[] | undefined;
}

const ACCEPT_ENCODING = 'identity,gzip,deflate';

/**
 * A gRPC server on wirestack's HTTP/2 driver. Services come from a parsed .proto; each rpc gets a
 * handler of the matching kind (unary, server streaming, client streaming, bidi).
 *
 * @example
 * const schema = loadProtoSchema(['greeter.proto'], { includePaths: ['protos'] });
 * const server = new GrpcServer();
 * server.addService(schema, 'helloworld.Greeter', {
 *   SayHello: async (req: { name: string }) => ({ message: `hello ${req.name}` }),
 * });
 * const { port } = await server.listen({ port: 50051 });
 * // later: await server.close({ drainTimeoutMs: 5000 });
 */
export class GrpcServer {
  readonly http2: Http2Server;
  readonly maxReceiveMessageSize: number;
  readonly maxSendMessageSize: number;
  readonly maxMetadataSize: number;
  private readonly responseEncoding: GrpcEncoding;
  private readonly methods = new Map<string, RegisteredMethod>();
  private readonly services = new Set<string>();
  /** Registered services by full name, with the schema they came from (for reflection). */
  readonly serviceSchemas = new Map<string, ProtoSchema>();
  private readonly calls = new Set<ServerCall<AnyMessage, AnyMessage>>();
  private readonly interceptors: readonly ServerInterceptor[];

  constructor(options: GrpcServerOptions = {}) {
    this.maxReceiveMessageSize = options.maxReceiveMessageSize ?? DEFAULT_MAX_RECEIVE_MESSAGE_SIZE;
    this.maxSendMessageSize = options.maxSendMessageSize ?? DEFAULT_MAX_SEND_MESSAGE_SIZE;
    this.maxMetadataSize = options.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
    this.responseEncoding = options.responseEncoding ?? 'identity';
    this.interceptors = [...(options.interceptors ?? [])];
    this.http2 = createHttp2Server((s) => this.onStream(s), {
      tcp: { idleTimeoutMs: 0, ...options.tcp },
      http2: options.http2,
      keepalive: options.keepalive ?? {},
    });
  }

  /**
   * Registers `serviceName` from `schema` with its handlers. Every rpc needs one; a missing or
   * unknown handler name is an error now, not an UNIMPLEMENTED later.
   */
  addService(
    schema: ProtoSchema,
    serviceName: string,
    handlers: ServiceHandlers,
    options: AddServiceOptions = {},
  ): this {
    const service: ServiceDescriptor = schema.service(serviceName);
    const known = new Set(service.methods.map((m) => m.name));
    for (const name of Object.keys(handlers)) {
      if (!known.has(name)) throw new Error(`${service.fullName} has no rpc ${name}`);
    }
    const chain = [...this.interceptors, ...(options.interceptors ?? [])];
    for (const m of service.methods) {
      const handler = handlers[m.name];
      if (!handler) continue; // left UNIMPLEMENTED on purpose (e.g. the interop UnimplementedCall)
      const path = `/${service.fullName}/${m.name}`;
      this.methods.set(path, {
        path,
        clientStreaming: m.clientStreaming,
        serverStreaming: m.serverStreaming,
        requestType: schema.message(m.inputTypeName),
        responseType: schema.message(m.outputTypeName),
        handler,
        info: methodInfo(service.fullName, m.name, m.clientStreaming, m.serverStreaming),
        interceptors: chain.length > 0 ? chain : undefined,
      });
    }
    this.services.add(service.fullName);
    this.serviceSchemas.set(service.fullName, schema);
    return this;
  }

  listen(options: { host?: string; port?: number } = {}): ReturnType<Http2Server['listen']> {
    return this.http2.listen(options);
  }

  /** Calls in progress. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /**
   * Graceful shutdown: GOAWAY to every connection (no new calls), in-flight calls run to their end;
   * at `drainTimeoutMs` the rest are cut (their handlers' signals abort). Never waits longer.
   */
  async close(options: { drainTimeoutMs?: number } = {}): Promise<DrainSummary> {
    return this.http2.close(options);
  }

  private onStream(s: Http2ServerStream): void {
    const h: Record<string, string> = Object.create(null);
    for (const f of s.headers) h[f.name] = h[f.name] === undefined ? f.value : `${h[f.name]},${f.value}`;
    // PROTOCOL-HTTP2: "If Content-Type does not begin with "application/grpc", gRPC servers SHOULD
    // respond with HTTP status of 415 (Unsupported Media Type)."
    const contentType = h['content-type'] ?? '';
    if (!/^application\/grpc([+;].*)?$/.test(contentType)) {
      s.respond([
        [':status', '415'],
        ['content-type', 'text/plain'],
      ]);
      s.end(new TextEncoder().encode(`unsupported content-type ${JSON.stringify(contentType)}\n`));
      return;
    }
    if (s.method !== 'POST') {
      // PROTOCOL-HTTP2: ":method POST" is the only method a gRPC request uses.
      s.respond(
        [
          [':status', '405'],
          ['allow', 'POST'],
        ],
        { endStream: true },
      );
      return;
    }
    const method = this.methods.get(s.path);
    if (!method) {
      const service = /^\/([^/]+)\//.exec(s.path)?.[1];
      const what = service && this.services.has(service) ? 'method' : 'service';
      trailersOnly(
        s,
        GrpcStatus.UNIMPLEMENTED,
        `unknown ${what} ${what === 'method' ? s.path : (service ?? s.path)}`,
      );
      return;
    }
    const encoding = h['grpc-encoding'] ?? 'identity';
    if (!isSupportedEncoding(encoding)) {
      // PROTOCOL-HTTP2 (compression.md): an unsupported encoding is UNIMPLEMENTED, and the
      // grpc-accept-encoding header tells the client what we do support.
      trailersOnly(s, GrpcStatus.UNIMPLEMENTED, `grpc: compression ${encoding} is not supported`, [
        ['grpc-accept-encoding', ACCEPT_ENCODING],
      ]);
      return;
    }
    let metadata: Metadata;
    let timeoutMs: number | undefined;
    try {
      metadata = Metadata.fromHeaders(s.headers.map((f) => [f.name, f.value] as const));
      if (metadata.byteSize() > this.maxMetadataSize) {
        throw new GrpcError(
          GrpcStatus.RESOURCE_EXHAUSTED,
          `request metadata of ${metadata.byteSize()} bytes is over the limit of ${this.maxMetadataSize}`,
        );
      }
      if (h['grpc-timeout'] !== undefined) timeoutMs = parseGrpcTimeout(h['grpc-timeout']);
    } catch (e) {
      const err = toGrpcError(e) ?? new GrpcError(GrpcStatus.INTERNAL, 'bad request');
      trailersOnly(s, err.status, err.details);
      return;
    }
    const accepted = new Set(['identity']);
    for (const a of (h['grpc-accept-encoding'] ?? '').split(',')) accepted.add(a.trim());
    const call = new ServerCall<AnyMessage, AnyMessage>(
      s,
      method.responseType,
      {
        maxSendMessageSize: this.maxSendMessageSize,
        acceptedEncodings: accepted,
        responseEncoding: this.responseEncoding,
      },
      metadata,
      timeoutMs,
      (c) => this.calls.delete(c),
    );
    this.calls.add(call);
    if (method.interceptors === undefined) {
      this.receive(s, call, method, encoding);
      return;
    }
    const ix = new InterceptedServerCall(call, method.info, method.interceptors, s);
    call.interception = ix;
    this.receive(s, call, method, encoding);
    this.admit(call, method, ix);
  }

  /** Runs the interceptors' `before` hooks; the handler may start once they have all let the call in. */
  private admit(
    call: ServerCall<AnyMessage, AnyMessage>,
    method: RegisteredMethod,
    ix: InterceptedServerCall,
  ): void {
    let r: ShortCircuit | undefined | Promise<ShortCircuit | undefined>;
    try {
      r = ix.runBefore();
    } catch (e) {
      call.finish(e);
      return;
    }
    if (r instanceof Promise) {
      r.then(
        (sc) => this.admitted(call, method, ix, sc),
        (e) => call.finish(e),
      );
    } else {
      this.admitted(call, method, ix, r);
    }
  }

  private admitted(
    call: ServerCall<AnyMessage, AnyMessage>,
    method: RegisteredMethod,
    ix: InterceptedServerCall,
    shortCircuit: ShortCircuit | undefined,
  ): void {
    if (call.isFinished) return;
    ix.admitted = true;
    ix.shortCircuit = shortCircuit;
    if (ix.requestReady) this.runIntercepted(call, method, ix);
  }

  /** The handler (or the short-circuit's answer) of an admitted call, its result sent as for run(). */
  private runIntercepted(
    call: ServerCall<AnyMessage, AnyMessage>,
    method: RegisteredMethod,
    ix: InterceptedServerCall,
  ): void {
    (async () => {
      const sc = ix.shortCircuit;
      let result: unknown;
      if (sc !== undefined) {
        result = 'response' in sc ? sc.response : asyncIterableOf(sc.responses);
      } else if (method.clientStreaming) {
        result = await (method.handler as ClientStreamingHandler<AnyMessage, AnyMessage>)(call);
      } else {
        const request = ix.runRequest(ix.request);
        ix.request = undefined;
        result = await (method.handler as UnaryHandler<AnyMessage, AnyMessage>)(request, call);
      }
      await sendResult(call, method, result);
    })().then(
      () => call.finish(),
      (e) => call.finish(e),
    );
  }

  /** Wires the request stream into the call and starts the handler when its input is ready. */
  private receive(
    s: Http2ServerStream,
    call: ServerCall<AnyMessage, AnyMessage>,
    method: RegisteredMethod,
    encoding: GrpcEncoding,
  ): void {
    const decoder = new GrpcMessageDecoder({ maxReceiveMessageSize: this.maxReceiveMessageSize });
    const unary = !method.clientStreaming;
    let single: AnyMessage;
    let count = 0;
    const fail = (e: unknown) => {
      call.endRequests(e);
      call.finish(e);
    };
    s.onData = (chunk) => {
      if (call.isFinished) return;
      decoder.push(chunk);
      try {
        for (let m = decoder.read(); m !== NEED_MORE; m = decoder.read()) {
          if (m.compressed && encoding === 'identity') {
            // PROTOCOL-HTTP2: a Compressed-Flag of 1 without a grpc-encoding is an error.
            throw new GrpcError(
              GrpcStatus.INTERNAL,
              'grpc: compressed flag set on a message with no grpc-encoding',
            );
          }
          const bytes = m.compressed
            ? decompressMessage(encoding, m.payload, this.maxReceiveMessageSize)
            : m.payload.slice();
          let message: AnyMessage;
          try {
            message = method.requestType.decode(bytes);
          } catch (e) {
            throw new GrpcError(
              GrpcStatus.INTERNAL,
              `grpc: error unmarshalling request: ${(e as Error).message}`,
            );
          }
          call.lastRequestCompressed = m.compressed;
          count++;
          const ix = call.interception;
          if (ix !== undefined) {
            ix.messagesIn++;
            ix.bytesIn += bytes.byteLength;
          }
          if (unary) {
            if (count > 1) {
              throw new GrpcError(GrpcStatus.INTERNAL, 'grpc: more than one request message for a unary rpc');
            }
            single = message;
          } else call.pushRequest(message);
        }
      } catch (e) {
        fail(e);
      }
    };
    s.onEnd = () => {
      if (call.isFinished) return;
      if (decoder.hasPartialMessage) {
        return fail(new GrpcError(GrpcStatus.INTERNAL, 'grpc: request stream ended inside a message'));
      }
      if (!unary) return call.endRequests();
      if (count !== 1) {
        return fail(new GrpcError(GrpcStatus.INTERNAL, `grpc: expected one request message, got ${count}`));
      }
      this.run(call, method, single);
    };
    s.onReset = (code) => {
      if (call.isFinished) return;
      call.cancelled(
        new GrpcError(
          GrpcStatus.CANCELLED,
          `call cancelled by the client (RST_STREAM 0x${code.toString(16)})`,
        ),
      );
    };
    if (!unary) this.run(call, method, undefined);
  }

  /** The call's input is ready (the unary request is in; at once for client streaming): run the handler. */
  private run(call: ServerCall<AnyMessage, AnyMessage>, method: RegisteredMethod, request: AnyMessage): void {
    const ix = call.interception;
    if (ix !== undefined) {
      ix.request = request;
      ix.requestReady = true;
      if (ix.admitted) this.runIntercepted(call, method, ix);
      return;
    }
    const invoke = (): unknown =>
      method.clientStreaming
        ? (method.handler as ClientStreamingHandler<AnyMessage, AnyMessage>)(call)
        : (method.handler as UnaryHandler<AnyMessage, AnyMessage>)(request, call);
    (async () => {
      const result = await invoke();
      await sendResult(call, method, result);
    })().then(
      () => call.finish(),
      (e) => call.finish(e),
    );
  }
}

/**
 * Sends what a handler returned: the one response of a unary or client-streaming method, or every
 * message of an async iterable for a server-streaming one. Not async itself, so a unary reply costs
 * no extra promise.
 */
function sendResult(
  call: ServerCall<AnyMessage, AnyMessage>,
  method: RegisteredMethod,
  result: unknown,
): Promise<void> {
  if (method.serverStreaming) return writeAll(call, result);
  if (result === undefined || result === null || typeof result !== 'object') {
    throw new GrpcError(GrpcStatus.INTERNAL, `handler for ${method.path} returned no response message`);
  }
  return call.write(result as AnyMessage);
}

async function writeAll(call: ServerCall<AnyMessage, AnyMessage>, result: unknown): Promise<void> {
  if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const m of result as AsyncIterable<AnyMessage>) {
      if (call.isFinished) break;
      await call.write(m);
    }
  }
}

/** A short-circuit's `responses`, sync or async, as the async iterable writeAll takes. */
async function* asyncIterableOf<T>(messages: Iterable<T> | AsyncIterable<T>): AsyncIterable<T> {
  yield* messages;
}

/** An immediate error answered as one HEADERS frame with END_STREAM (PROTOCOL-HTTP2 Trailers-Only). */
function trailersOnly(
  s: Http2ServerStream,
  status: GrpcStatus,
  message: string,
  extra: HeaderFieldInput[] = [],
): void {
  s.respond(
    [
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['grpc-status', String(status)],
      ['grpc-message', encodeStatusMessage(message)],
      ...extra,
    ],
    { endStream: true },
  );
}
