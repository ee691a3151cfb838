import type { MethodDescriptor, ServiceDescriptor } from '../protobuf/descriptors.js';
import type { ProtoMessage } from '../protobuf/message-shape.js';
import { MessageType, type SchemaLookup } from '../protobuf/message-type.js';
import type { GrpcChannel } from './channel.js';
import { type CallOptions, ClientCall, type MethodDefinition } from './client-call.js';
import { GrpcError } from './errors.js';
import type { ClientInterceptor } from './interceptors/client-interceptor.js';
import { GrpcStatus } from './status.js';

/** A unary result: the response promise, with the call (metadata, status, cancel) alongside. */
export type UnaryResult<Res> = Promise<Res> & { call: ClientCall<unknown, Res> };

/** A stub method; which form it takes follows the rpc's `stream` keywords. */
export type UnaryMethod<Req, Res> = (request: Req, options?: CallOptions) => UnaryResult<Res>;
/** Server streaming: iterate the returned call for the responses. */
export type ServerStreamingMethod<Req, Res> = (request: Req, options?: CallOptions) => ClientCall<Req, Res>;
/** Client streaming: `write()` requests, `end()`, then `await call.response`. */
export type ClientStreamingMethod<Req, Res> = (options?: CallOptions) => ClientCall<Req, Res>;
/** Bidi: `write()` and iterate at once; `end()` when done sending. */
export type BidiStreamingMethod<Req, Res> = (options?: CallOptions) => ClientCall<Req, Res>;

export type StubMethod =
  | UnaryMethod<ProtoMessage, ProtoMessage>
  | ServerStreamingMethod<ProtoMessage, ProtoMessage>
  | ClientStreamingMethod<ProtoMessage, ProtoMessage>
  | BidiStreamingMethod<ProtoMessage, ProtoMessage>;

/**
 * A stub for one service: each rpc under its .proto name (`UnaryCall`) and its lowerCamelCase
 * name (`unaryCall`). Unary calls take a request and return a promise; server streaming returns an
 * async iterable call; client streaming and bidi return a call to `write()` / `end()`.
 */
export interface ServiceClient {
  // biome-ignore lint/suspicious/noExplicitAny: a runtime-parsed service has no static method types
  readonly [method: string]: any;
}

/** Where message types come from when a schema is not given (only google.protobuf.Any needs more). */
const NO_LOOKUP: SchemaLookup = {
  message(name: string): MessageType {
    throw new GrpcError(GrpcStatus.INTERNAL, `no schema to resolve ${name}: pass { schema } to makeClient`);
  },
  enumDescriptor(name: string) {
    throw new GrpcError(GrpcStatus.INTERNAL, `no schema to resolve ${name}: pass { schema } to makeClient`);
  },
};

/** The client's view of one rpc of a parsed service. */
export function methodDefinition(
  service: ServiceDescriptor,
  method: MethodDescriptor,
  schema: SchemaLookup = NO_LOOKUP,
): MethodDefinition<ProtoMessage, ProtoMessage> {
  if (!method.inputType || !method.outputType) {
    throw new RangeError(`${service.fullName}.${method.name}: the schema is not linked`);
  }
  return {
    path: `/${service.fullName}/${method.name}`,
    requestCodec: new MessageType(method.inputType, schema),
    responseCodec: new MessageType(method.outputType, schema),
    clientStreaming: method.clientStreaming,
    serverStreaming: method.serverStreaming,
    idempotent: isIdempotent(method),
  };
}

/** `option idempotency_level = IDEMPOTENT;` (or NO_SIDE_EFFECTS) on the rpc. */
function isIdempotent(method: MethodDescriptor): boolean {
  const level = method.options.idempotency_level;
  const name =
    typeof level === 'object' && level !== null && 'identifier' in level ? level.identifier : level;
  return name === 'IDEMPOTENT' || name === 'NO_SIDE_EFFECTS';
}

/** Starts a unary call: one request written and half-closed at once. */
export function unaryCall<Req, Res>(
  channel: GrpcChannel,
  method: MethodDefinition<Req, Res>,
  request: Req,
  options?: CallOptions,
): UnaryResult<Res> {
  const call = new ClientCall(channel, method, options);
  writeOnly(call, request);
  return Object.assign(call.response, { call: call as ClientCall<unknown, Res> });
}

/**
 * Writes the one request of a unary or server-streaming call and half-closes. A request refused
 * on the way out (too large, an interceptor's onRequest) has already ended the call with its
 * status: the stub's promise or iteration reports it, the stub itself does not throw.
 */
function writeOnly<Req>(call: ClientCall<Req, unknown>, request: Req): void {
  try {
    call.write(request);
  } catch (e) {
    if (!call.isFinished) throw e;
    return;
  }
  call.end();
}

/**
 * Makes a stub for a service parsed from a .proto.
 *
 * @example
 * const schema = loadProtoSchema(['grpc/testing/test.proto'], { includePaths: ['protos'] });
 * const client = makeClient(schema.service('grpc.testing.TestService'), new GrpcChannel('127.0.0.1:50051'), { schema });
 * const res = await client.unaryCall({ responseSize: 10 }, { timeoutMs: 1000 });
 * for await (const r of client.streamingOutputCall({ responseParameters: [{ size: 3 }] })) console.log(r);
 * const bidi = client.fullDuplexCall();
 * bidi.write({ responseParameters: [{ size: 1 }] });
 * bidi.end();
 * for await (const r of bidi) console.log(r);
 */
export function makeClient(
  service: ServiceDescriptor,
  channel: GrpcChannel,
  options: {
    schema?: SchemaLookup;
    defaults?: CallOptions;
    /** Interceptors for this stub's calls, inside the channel's (shorthand for defaults.interceptors). */
    interceptors?: readonly ClientInterceptor[];
  } = {},
): ServiceClient {
  const stub: Record<string, StubMethod> = Object.create(null);
  const defaults: CallOptions | undefined = options.interceptors
    ? { ...options.defaults, interceptors: options.interceptors }
    : options.defaults;
  for (const m of service.methods) {
    const def = methodDefinition(service, m, options.schema);
    const merged = (o?: CallOptions): CallOptions => ({ ...defaults, ...o });
    let fn: StubMethod;
    if (!def.clientStreaming && !def.serverStreaming) {
      fn = (req: ProtoMessage, o?: CallOptions) => unaryCall(channel, def, req, merged(o));
    } else if (!def.clientStreaming) {
      fn = (req: ProtoMessage, o?: CallOptions) => {
        const call = new ClientCall(channel, def, merged(o));
        writeOnly(call, req);
        return call;
      };
    } else {
      fn = (o?: CallOptions) => new ClientCall(channel, def, merged(o));
    }
    stub[m.name] = fn;
    stub[m.name[0].toLowerCase() + m.name.slice(1)] = fn;
  }
  return stub;
}
