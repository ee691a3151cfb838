import { fileURLToPath } from 'node:url';
import { loadProtoSchema, type ProtoSchema } from '../protobuf/index.js';
import { GrpcError } from './errors.js';
import type { ServiceHandlers } from './server.js';
import type { ServerCall } from './server-call.js';
import { GrpcStatus } from './status.js';

interface EchoRequest {
  message?: string;
  repeat?: number;
}
interface EchoResponse {
  message: string;
  index: number;
}

/** The most copies `Repeat` sends: a peer picks the number. */
export const MAX_ECHO_REPEAT = 1000;

/** protos/wirestack/demo/echo.proto (this file runs from dist/src/grpc/). */
export function loadEchoSchema(): ProtoSchema {
  const protos = fileURLToPath(new URL('../../../protos', import.meta.url));
  return loadProtoSchema(['wirestack/demo/echo.proto'], { includePaths: [protos] });
}

/**
 * Handlers of wirestack.demo.Echo, the demo service of `grpc serve`: one rpc of each kind.
 *
 * @example
 * server.addService(loadEchoSchema(), 'wirestack.demo.Echo', echoServiceHandlers());
 */
export function echoServiceHandlers(): ServiceHandlers {
  return {
    Say: async (req: EchoRequest): Promise<EchoResponse> => ({ message: req.message ?? '', index: 0 }),
    Repeat: async function* (req: EchoRequest, call: ServerCall<EchoRequest, EchoResponse>) {
      const n = req.repeat ?? 0;
      if (n < 0 || n > MAX_ECHO_REPEAT) {
        throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `repeat must be 0..${MAX_ECHO_REPEAT}, got ${n}`);
      }
      for (let i = 0; i < n && !call.isFinished; i++) yield { message: req.message ?? '', index: i };
    },
    Join: async (call: ServerCall<EchoRequest, EchoResponse>): Promise<EchoResponse> => {
      const parts: string[] = [];
      for await (const m of call) parts.push(m.message ?? '');
      return { message: parts.join(' '), index: parts.length };
    },
    Chat: async function* (call: ServerCall<EchoRequest, EchoResponse>) {
      let i = 0;
      for await (const m of call) yield { message: m.message ?? '', index: i++ };
    },
  };
}
