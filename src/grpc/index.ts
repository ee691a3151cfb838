/**
 * grpc: gRPC over wirestack's HTTP/2. These are the protocol pieces every call uses: status codes,
 * metadata, deadlines (`grpc-timeout`), the 5-byte message framing and per-message compression.
 *
 * @example
 * import { GrpcMessageDecoder, parseGrpcTimeout, Metadata, GrpcStatus } from 'wirestack/grpc';
 */

export * from './channel.js';
export * from './client.js';
export * from './client-call.js';
export * from './compression.js';
export * from './demo-echo-service.js';
export * from './errors.js';
export * from './health-service.js';
export * from './interceptors/auth.js';
export * from './interceptors/client-interceptor.js';
export * from './interceptors/deadline.js';
export * from './interceptors/jwt-hs256.js';
export * from './interceptors/logging.js';
export * from './interceptors/metadata-injection.js';
export * from './interceptors/rate-limit.js';
export * from './interceptors/retry.js';
export * from './interceptors/server-interceptor.js';
export * from './interceptors/token-bucket.js';
export * from './message-framing.js';
export * from './metadata.js';
export * from './reflection/file-descriptor-proto.js';
export * from './reflection/reflection-service.js';
export * from './rich-status.js';
export * from './server.js';
export * from './server-call.js';
export * from './status.js';
export * from './status-message.js';
export * from './timeout.js';
