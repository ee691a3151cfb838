import { echoServiceHandlers, loadEchoSchema } from '../grpc/demo-echo-service.js';
import { HealthService, ServingStatus } from '../grpc/health-service.js';
import { addReflectionService, GrpcServer } from '../grpc/index.js';
import { loadTestServiceSchema, testServiceHandlers } from '../grpc/interop/test-service.js';
import { shutdownOnSignals } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, secondsOption, stringOption } from './args.js';

export const GRPC_SERVE_HELP = `Usage: wirestack grpc serve [options]

Serve gRPC over wirestack's HTTP/2 (cleartext h2c): the interop service grpc.testing.TestService
(gRPC's interop-test-descriptions.md: EmptyCall, UnaryCall, StreamingOutputCall,
StreamingInputCall, FullDuplexCall, HalfDuplexCall; UnimplementedCall answers UNIMPLEMENTED), the
demo service wirestack.demo.Echo (protos/wirestack/demo/echo.proto: Say, Repeat, Join, Chat, one rpc
of each kind), the standard health service grpc.health.v1.Health (Check, Watch) and server
reflection (grpc.reflection.v1alpha), so tools need no .proto files.

Options:
  --port N            port to listen on; 0 picks a free one (default 50051)
  --host ADDR         IPv4/IPv6 literal or localhost; "::" is dual-stack (default 127.0.0.1)
  --max-conns N       connections served at once (default 10000)
  --backlog M         connections that wait for a free slot beyond --max-conns (default 128)
  --drain-timeout S   on SIGTERM/SIGINT, health turns NOT_SERVING, every connection gets GOAWAY,
                      in-flight calls get at most S seconds to finish, then are cut (default 30)
  -h, --help          show this help

Try it (any gRPC client; grpcurl uses reflection: grpcurl -plaintext 127.0.0.1:50051 list):
  grpcurl -plaintext -import-path protos -proto grpc/testing/test.proto \\
    -d '{"response_size": 3}' 127.0.0.1:50051 grpc.testing.TestService/UnaryCall
  grpcurl -plaintext -import-path protos -proto wirestack/demo/echo.proto \\
    -d '{"message": "hi", "repeat": 3}' 127.0.0.1:50051 wirestack.demo.Echo/Repeat
`;

const SPEC: OptionSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'drain-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/**
 * `wirestack grpc serve`: the interop TestService and grpc.health.v1 on one port, drained on
 * SIGTERM/SIGINT.
 *
 * @example
 * await runGrpcServe(['--port', '50051']);
 */
export async function runGrpcServe(argv: string[]): Promise<void> {
  const values = parse(argv, SPEC);
  if (values.help) {
    process.stdout.write(GRPC_SERVE_HELP);
    return;
  }
  const host = stringOption(values, 'host', '127.0.0.1');
  const port = intOption(values, 'port', 50051, 0, 65535);
  const drainTimeoutMs = secondsOption(values, 'drain-timeout', 30_000);
  const server = new GrpcServer({
    tcp: {
      maxConnections: intOption(values, 'max-conns', 10_000, 1),
      backlog: intOption(values, 'backlog', 128, 0),
      drainTimeoutMs,
      log: (line) => console.error(`grpc: ${line}`),
    },
  });
  server.addService(loadTestServiceSchema(), 'grpc.testing.TestService', testServiceHandlers());
  server.addService(loadEchoSchema(), 'wirestack.demo.Echo', echoServiceHandlers());
  const health = new HealthService().addTo(server);
  health.setStatus('grpc.testing.TestService', ServingStatus.SERVING);
  health.setStatus('wirestack.demo.Echo', ServingStatus.SERVING);
  addReflectionService(server);
  const addr = await server.listen({ host, port });
  const shown = addr.family === 6 ? `[${addr.host}]` : addr.host;
  console.log(
    `grpc listening on ${shown}:${addr.port} (try: grpcurl -plaintext -import-path protos ` +
      `-proto grpc/health/v1/health.proto ${shown}:${addr.port} grpc.health.v1.Health/Check)`,
  );
  shutdownOnSignals(
    [
      {
        name: `grpc ${shown}:${addr.port}`,
        close: () => {
          health.shutdown();
          return server.close({ drainTimeoutMs });
        },
      },
    ],
    { log: (line) => console.log(line) },
  );
}
