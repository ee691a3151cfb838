import { GrpcServer, type GrpcServerOptions } from '../../src/grpc/index.js';
import { loadTestServiceSchema, testServiceHandlers } from '../../src/grpc/interop/test-service.js';

/** A GrpcServer on 127.0.0.1:0 serving the interop TestService. */
export async function startTestServer(
  options: GrpcServerOptions = {},
): Promise<{ server: GrpcServer; port: number; address: string }> {
  const server = new GrpcServer(options);
  server.addService(loadTestServiceSchema(), 'grpc.testing.TestService', testServiceHandlers());
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, port, address: `127.0.0.1:${port}` };
}
