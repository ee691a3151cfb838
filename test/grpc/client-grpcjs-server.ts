// A stock @grpc/grpc-js server implementing grpc.testing.TestService (interop-test-descriptions.md,
// "Server"), loaded with @grpc/proto-loader: the peer our client is tested against.
import * as grpc from '@grpc/grpc-js';
import * as serverInterceptors from '@grpc/grpc-js/build/src/server-interceptors.js';
import * as protoLoader from '@grpc/proto-loader';

// grpc-js hands handlers neither a request's Compressed-Flag nor its grpc-encoding, which the
// interop server's "CompressedRequest" feature needs to see. Calls in these tests are sequential,
// so remembering the encoding of the last request message decompressed is enough.
let lastRequestEncoding = 'identity';
const base = (
  serverInterceptors as unknown as { BaseServerInterceptingCall: { prototype: Record<string, unknown> } }
).BaseServerInterceptingCall.prototype;
const decompress = base.decompressMessage as (this: unknown, message: Buffer, encoding: string) => unknown;
base.decompressMessage = function (this: unknown, message: Buffer, encoding: string) {
  lastRequestEncoding = encoding;
  return decompress.call(this, message, encoding);
};

interface Payload {
  body?: Buffer;
}
interface EchoStatus {
  code: number;
  message: string;
}
interface SimpleRequest {
  responseSize: number;
  payload?: Payload | null;
  responseStatus?: EchoStatus | null;
  responseCompressed?: { value: boolean } | null;
  expectCompressed?: { value: boolean } | null;
}
interface StreamingOutputCallRequest {
  responseParameters: { size: number; intervalUs: number; compressed?: { value: boolean } | null }[];
  payload?: Payload | null;
  responseStatus?: EchoStatus | null;
}

const NO_COMPRESS = 2; // grpc-js WriteFlags.NoCompress

/** Echo Metadata (interop "Server features"): initial → initial metadata, trailing-bin → trailers. */
function echoMetadata(
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
) {
  const initial = call.metadata.get('x-grpc-test-echo-initial');
  if (initial.length > 0) {
    const md = new grpc.Metadata();
    md.set('x-grpc-test-echo-initial', initial[0]);
    call.sendMetadata(md);
  }
  const trailer = new grpc.Metadata();
  const trailing = call.metadata.get('x-grpc-test-echo-trailing-bin');
  if (trailing.length > 0) trailer.set('x-grpc-test-echo-trailing-bin', trailing[0]);
  return trailer;
}

const statusError = (s: EchoStatus) => ({ code: s.code, details: s.message });

export interface GrpcJsTestServer {
  port: number;
  server: grpc.Server;
  close(): Promise<void>;
}

/** Starts the grpc-js interop server on 127.0.0.1, port 0; compressed responses use gzip. */
export async function startGrpcJsTestServer(): Promise<GrpcJsTestServer> {
  const def = protoLoader.loadSync('grpc/testing/test.proto', {
    includeDirs: ['protos'],
    defaults: true,
    longs: String,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { testing: { TestService: { service: grpc.ServiceDefinition } } };
  };
  const server = new grpc.Server({ 'grpc.default_compression_algorithm': 2 });
  server.addService(pkg.grpc.testing.TestService.service, {
    EmptyCall(_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      cb(null, {}, undefined, NO_COMPRESS);
    },
    UnaryCall(call: grpc.ServerUnaryCall<SimpleRequest, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const req = call.request;
      const trailer = echoMetadata(call);
      const compressedRequest = lastRequestEncoding !== 'identity';
      if (req.expectCompressed?.value && !compressedRequest) {
        cb({ code: grpc.status.INVALID_ARGUMENT, details: 'expected a compressed request' });
        return;
      }
      if (req.responseStatus && req.responseStatus.code !== 0) {
        cb({ ...statusError(req.responseStatus), metadata: trailer });
        return;
      }
      const flags = req.responseCompressed?.value ? 0 : NO_COMPRESS;
      cb(null, { payload: { body: Buffer.alloc(req.responseSize) } }, trailer, flags);
    },
    StreamingOutputCall(call: grpc.ServerWritableStream<StreamingOutputCallRequest, unknown>) {
      void (async () => {
        for (const p of call.request.responseParameters) {
          if (p.intervalUs > 0) await new Promise((r) => setTimeout(r, p.intervalUs / 1000));
          if (call.cancelled) return;
          call.write({ payload: { body: Buffer.alloc(p.size) } }, p.compressed?.value ? 0 : NO_COMPRESS);
        }
        call.end();
      })();
    },
    StreamingInputCall(
      call: grpc.ServerReadableStream<{ payload?: Payload }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) {
      let total = 0;
      call.on('data', (m: { payload?: Payload }) => {
        total += m.payload?.body?.length ?? 0;
      });
      call.on('end', () => cb(null, { aggregatedPayloadSize: total }, undefined, NO_COMPRESS));
      call.on('error', () => {});
    },
    FullDuplexCall(call: grpc.ServerDuplexStream<StreamingOutputCallRequest, unknown>) {
      const trailer = echoMetadata(call);
      let failed = false;
      call.on('data', (req: StreamingOutputCallRequest) => {
        if (failed) return;
        if (req.responseStatus && req.responseStatus.code !== 0) {
          failed = true;
          call.emit('error', { ...statusError(req.responseStatus), metadata: trailer });
          return;
        }
        for (const p of req.responseParameters) {
          call.write({ payload: { body: Buffer.alloc(p.size) } }, p.compressed?.value ? 0 : NO_COMPRESS);
        }
      });
      call.on('end', () => {
        if (!failed) call.end(trailer);
      });
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}
