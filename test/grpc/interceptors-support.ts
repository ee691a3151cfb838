// Shared by the interceptor tests: our server with the demo Echo service (one rpc of each kind)
// behind a list of interceptors, and a stock @grpc/grpc-js client for it.
import type { TestContext } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  echoServiceHandlers,
  GrpcServer,
  type GrpcServerOptions,
  type ServiceHandlers,
} from '../../src/grpc/index.js';
import { loadProtoSchema } from '../../src/protobuf/index.js';

// biome-ignore lint/suspicious/noExplicitAny: grpc-js stubs built at run time are untyped
export type Stub = any;

export const echoSchema = loadProtoSchema(['wirestack/demo/echo.proto'], { includePaths: ['protos'] });

const echoPackage = grpc.loadPackageDefinition(
  protoLoader.loadSync('wirestack/demo/echo.proto', { includeDirs: ['protos'], defaults: true }),
) as Stub;

/** The grpc-js service definition of wirestack.demo.Echo (for a grpc-js server). */
export const echoServiceDefinition: grpc.ServiceDefinition = echoPackage.wirestack.demo.Echo.service;

/**
 * Our server on 127.0.0.1:0 serving wirestack.demo.Echo (or `handlers`), closed when the test
 * ends, pass or fail.
 */
export async function startEchoServer(
  t: TestContext,
  options: GrpcServerOptions,
  handlers: ServiceHandlers = echoServiceHandlers(),
): Promise<{ server: GrpcServer; address: string }> {
  const server = new GrpcServer(options);
  server.addService(echoSchema, 'wirestack.demo.Echo', handlers);
  t.after(() => server.close({ drainTimeoutMs: 200 }));
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, address: `127.0.0.1:${port}` };
}

/** A grpc-js Echo client, closed when the test ends. */
export function grpcJsEchoClient(t: TestContext, address: string): Stub {
  const client = new echoPackage.wirestack.demo.Echo(address, grpc.credentials.createInsecure());
  t.after(() => client.close());
  return client;
}

export interface UnaryOutcome {
  err: grpc.ServiceError | null;
  res: Stub;
  trailers: grpc.Metadata | undefined;
}

/** A grpc-js unary call that resolves with the error or the response (never rejects), and the trailers. */
export function unary(
  client: Stub,
  method: string,
  request: object,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<UnaryOutcome> {
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const call = client[method](request, metadata, options, (err: grpc.ServiceError | null, res: Stub) => {
      // 'status' comes after the callback in grpc-js; let it land before resolving.
      setImmediate(() => resolve({ err, res, trailers: trailers ?? err?.metadata }));
    });
    call.on('status', (s: grpc.StatusObject) => {
      trailers = s.metadata;
    });
  });
}

/** Reads a grpc-js response stream to its end: the messages, and the error if it failed. */
export async function readStream(call: Stub): Promise<{ messages: Stub[]; err: grpc.ServiceError | null }> {
  const messages: Stub[] = [];
  try {
    for await (const m of call) messages.push(m);
    return { messages, err: null };
  } catch (e) {
    return { messages, err: e as grpc.ServiceError };
  }
}

/** Bearer metadata for grpc-js. */
export function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

export { waitFor } from '../support/processes.js';
