import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadProtoSchema, type ProtoSchema } from '../../protobuf/index.js';
import { GrpcError } from '../errors.js';
import { Metadata } from '../metadata.js';
import { DEFAULT_MAX_SEND_MESSAGE_SIZE, type ServiceHandlers } from '../server.js';
import type { ServerCall } from '../server-call.js';
import { GrpcStatus } from '../status.js';

/** The repository's protos/ directory (this file runs from dist/src/grpc/interop/). */
export const PROTOS_DIR = fileURLToPath(new URL('../../../../protos', import.meta.url));

/** Loads grpc/testing/test.proto (TestService and its messages). */
export function loadTestServiceSchema(): ProtoSchema {
  return loadProtoSchema(['grpc/testing/test.proto'], { includePaths: [PROTOS_DIR] });
}

interface Payload {
  type?: number;
  body?: Uint8Array;
}
interface BoolValue {
  value?: boolean;
}
interface EchoStatus {
  code?: number;
  message?: string;
}
interface SimpleRequest {
  responseSize?: number;
  payload?: Payload;
  responseCompressed?: BoolValue;
  responseStatus?: EchoStatus;
  expectCompressed?: BoolValue;
}
interface SimpleResponse {
  payload?: Payload;
}
interface ResponseParameters {
  size?: number;
  intervalUs?: number;
  compressed?: BoolValue;
}
interface StreamingOutputCallRequest {
  responseParameters?: ResponseParameters[];
  payload?: Payload;
  responseStatus?: EchoStatus;
}
interface StreamingOutputCallResponse {
  payload?: Payload;
}
interface StreamingInputCallRequest {
  payload?: Payload;
  expectCompressed?: BoolValue;
}

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

/** The largest payload a request may ask for: the server's default send limit. */
export const MAX_INTEROP_PAYLOAD_SIZE = DEFAULT_MAX_SEND_MESSAGE_SIZE;

function payloadOf(size: number): Payload {
  // A peer picks the size: refuse before allocating, or `response_size: 2^31-1` would allocate 2 GiB.
  if (size < 0 || size > MAX_INTEROP_PAYLOAD_SIZE) {
    throw new GrpcError(
      GrpcStatus.RESOURCE_EXHAUSTED,
      `response size ${size} is outside 0..${MAX_INTEROP_PAYLOAD_SIZE}`,
    );
  }
  // COMPRESSABLE payloads are zeros (interop-test-descriptions.md).
  return { type: 0, body: new Uint8Array(size) };
}

/** Interop: "the server echoes x-grpc-test-echo-initial in its initial metadata and x-grpc-test-echo-trailing-bin in its trailers". */
function echoMetadata(call: ServerCall<object, object>): void {
  const initial = call.metadata.getAll(ECHO_INITIAL);
  if (initial.length > 0) {
    const md = new Metadata();
    for (const v of initial) md.add(ECHO_INITIAL, v);
    call.sendMetadata(md);
  }
  for (const v of call.metadata.getAll(ECHO_TRAILING)) call.trailers.add(ECHO_TRAILING, v);
}

function checkStatus(status: EchoStatus | undefined): void {
  if (status && (status.code ?? 0) !== 0) {
    throw new GrpcError(status.code as GrpcStatus, status.message ?? '');
  }
}

function checkCompressed(expect: BoolValue | undefined, call: ServerCall<object, object>): void {
  if (expect?.value === true && !call.lastRequestCompressed) {
    throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'expected a compressed request message');
  }
  if (expect?.value === false && call.lastRequestCompressed) {
    throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'expected an uncompressed request message');
  }
}

async function respond(
  req: StreamingOutputCallRequest,
  call: ServerCall<StreamingOutputCallRequest, StreamingOutputCallResponse>,
): Promise<void> {
  for (const p of req.responseParameters ?? []) {
    if ((p.intervalUs ?? 0) > 0) await sleep((p.intervalUs ?? 0) / 1000, undefined, { signal: call.signal });
    if (p.compressed?.value) call.setCompression('gzip');
    await call.write({ payload: payloadOf(p.size ?? 0) }, { compress: p.compressed?.value === true });
  }
}

/**
 * grpc.testing.TestService as gRPC's interop-test-descriptions.md describes the server:
 * UnaryCall honours response_size, response_status, response_compressed and expect_compressed;
 * the streaming calls follow response_parameters (size, interval_us, compressed);
 * UnimplementedCall is left unregistered so it answers UNIMPLEMENTED.
 *
 * @example
 * const schema = loadTestServiceSchema();
 * new GrpcServer().addService(schema, 'grpc.testing.TestService', testServiceHandlers());
 */
export function testServiceHandlers(): ServiceHandlers {
  return {
    EmptyCall: async (_req: object, call: ServerCall<object, object>) => {
      echoMetadata(call);
      return {};
    },
    UnaryCall: async (req: SimpleRequest, call: ServerCall<SimpleRequest, SimpleResponse>) => {
      echoMetadata(call);
      checkCompressed(req.expectCompressed, call);
      checkStatus(req.responseStatus);
      if (req.responseCompressed?.value) call.setCompression('gzip');
      return { payload: payloadOf(req.responseSize ?? 0) };
    },
    CacheableUnaryCall: async (req: SimpleRequest) => ({ payload: payloadOf(req.responseSize ?? 0) }),
    StreamingOutputCall: async (
      req: StreamingOutputCallRequest,
      call: ServerCall<StreamingOutputCallRequest, StreamingOutputCallResponse>,
    ) => {
      echoMetadata(call);
      await respond(req, call);
      checkStatus(req.responseStatus);
    },
    StreamingInputCall: async (call: ServerCall<StreamingInputCallRequest, object>) => {
      let total = 0;
      for await (const m of call) {
        checkCompressed(m.expectCompressed, call);
        total += m.payload?.body?.length ?? 0;
      }
      return { aggregatedPayloadSize: total };
    },
    FullDuplexCall: async (call: ServerCall<StreamingOutputCallRequest, StreamingOutputCallResponse>) => {
      echoMetadata(call);
      for await (const req of call) {
        checkStatus(req.responseStatus);
        await respond(req, call);
      }
    },
    HalfDuplexCall: async (call: ServerCall<StreamingOutputCallRequest, StreamingOutputCallResponse>) => {
      echoMetadata(call);
      const all: StreamingOutputCallRequest[] = [];
      for await (const req of call) all.push(req);
      for (const req of all) {
        checkStatus(req.responseStatus);
        await respond(req, call);
      }
    },
  };
}
