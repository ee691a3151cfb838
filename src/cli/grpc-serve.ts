import { readFileSync } from 'node:fs';
import {
  CATALOGUE_SERVICE,
  catalogueServiceHandlers,
  loadCatalogueSchema,
} from '../bench/rest-vs-grpc/catalogue-grpc-service.js';
import { CatalogueStore } from '../bench/rest-vs-grpc/catalogue-store.js';
import { echoServiceHandlers, loadEchoSchema } from '../grpc/demo-echo-service.js';
import { HealthService, ServingStatus } from '../grpc/health-service.js';
import {
  addReflectionService,
  authInterceptor,
  GrpcServer,
  loggingInterceptor,
  type ServerInterceptor,
  staticTokenVerifier,
  writableLogSink,
} from '../grpc/index.js';
import { loadTestServiceSchema, testServiceHandlers } from '../grpc/interop/test-service.js';
import type { SocketAddress } from '../sys/sockaddr.js';
import type { DrainSummary, TcpServerOptions } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, secondsOption, stringOption, UsageError } from './args.js';
import { announceAndServe, formatAddress } from './served-server.js';

export const GRPC_SERVE_HELP = `Usage: wirestack grpc serve [options]

Serve gRPC over wirestack's HTTP/2 (cleartext h2c): the interop service grpc.testing.TestService
(gRPC's interop-test-descriptions.md: EmptyCall, UnaryCall, StreamingOutputCall,
StreamingInputCall, FullDuplexCall, HalfDuplexCall; UnimplementedCall answers UNIMPLEMENTED), the
demo service wirestack.demo.Echo (protos/wirestack/demo/echo.proto: Say, Repeat, Join, Chat, one rpc
of each kind), the catalogue of the REST-vs-gRPC comparison wirestack.demo.Catalogue
(protos/wirestack/demo/catalogue.proto: GetItem, ListItems, CreateItem, WatchItems; \`wirestack
http\` serves the same catalogue as REST+JSON), the standard health service grpc.health.v1.Health
(Check, Watch) and server reflection (grpc.reflection.v1 and v1alpha), so tools need no .proto files.

Options:
  --port N            port to listen on; 0 picks a free one (default 50051)
  --host ADDR         IPv4/IPv6 literal or localhost; "::" is dual-stack (default 127.0.0.1)
  --max-conns N       connections served at once (default 10000)
  --backlog M         connections that wait for a free slot beyond --max-conns (default 128)
  --drain-timeout S   on SIGTERM/SIGINT, health turns NOT_SERVING, every connection gets GOAWAY,
                      in-flight calls get at most S seconds to finish, then are cut (default 30)
  --items N           catalogue items at start: kettle, teapot, mug, then "item 4", ... (default 3)
  --auth-token-file F calls need "authorization: Bearer <the token in file F>" (UNAUTHENTICATED
                      otherwise); health and reflection stay open. A file, so the token is not
                      visible in the process list
  --log               one JSON line per call on stderr (method, peer, status, duration, sizes;
                      authorization redacted)
  -h, --help          show this help

Try it (any gRPC client; grpcurl uses reflection: grpcurl -plaintext 127.0.0.1:50051 list):
  grpcurl -plaintext -import-path protos -proto grpc/testing/test.proto \\
    -d '{"response_size": 3}' 127.0.0.1:50051 grpc.testing.TestService/UnaryCall
  grpcurl -plaintext -import-path protos -proto wirestack/demo/echo.proto \\
    -d '{"message": "hi", "repeat": 3}' 127.0.0.1:50051 wirestack.demo.Echo/Repeat
  wirestack grpc call 127.0.0.1:50051 wirestack.demo.Catalogue/GetItem -d '{"id": 1}' \\
    -I protos --proto wirestack/demo/catalogue.proto
`;

const SPEC: OptionSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'drain-timeout': { type: 'string' },
  items: { type: 'string' },
  'auth-token-file': { type: 'string' },
  log: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** A running `grpc serve`: the server, and a close that first reports NOT_SERVING through health. */
export interface RunningGrpc {
  server: GrpcServer;
  address: SocketAddress;
  close(): Promise<DrainSummary>;
}

/** How `grpc serve` is set up: the catalogue it starts with, and the interceptors in front of its services. */
export interface GrpcServeOptions {
  /** Catalogue items at start. Default 3. */
  items?: number;
  /** The one bearer token calls must present (health and reflection excepted). */
  authToken?: string;
  /** Log each call as a JSON line on stderr. */
  log?: boolean;
}

/**
 * Start the interop TestService, the demo Echo and Catalogue services, health and reflection on one
 * server, behind the interceptors `options` asks for.
 */
export async function startGrpc(
  host: string,
  port: number,
  tcp: TcpServerOptions,
  options: GrpcServeOptions = {},
): Promise<RunningGrpc> {
  const interceptors: ServerInterceptor[] = [];
  const logSink = options.log ? writableLogSink(process.stderr) : undefined;
  if (logSink) interceptors.push(loggingInterceptor({ sink: logSink }));
  if (options.authToken !== undefined) {
    interceptors.push(
      authInterceptor({
        verifier: staticTokenVerifier({ [options.authToken]: { subject: 'token-file', scopes: [] } }),
        rules: {
          '/grpc.health.v1.Health/*': { public: true },
          '/grpc.reflection.v1.ServerReflection/*': { public: true },
          '/grpc.reflection.v1alpha.ServerReflection/*': { public: true },
        },
      }),
    );
  }
  const server = new GrpcServer({
    tcp: { ...tcp, log: (line) => console.error(`grpc: ${line}`) },
    interceptors,
  });
  server.addService(loadTestServiceSchema(), 'grpc.testing.TestService', testServiceHandlers());
  server.addService(loadEchoSchema(), 'wirestack.demo.Echo', echoServiceHandlers());
  server.addService(
    loadCatalogueSchema(),
    CATALOGUE_SERVICE,
    catalogueServiceHandlers(new CatalogueStore({ items: options.items ?? 3 })),
  );
  const health = new HealthService().addTo(server);
  health.setStatus('grpc.testing.TestService', ServingStatus.SERVING);
  health.setStatus('wirestack.demo.Echo', ServingStatus.SERVING);
  health.setStatus(CATALOGUE_SERVICE, ServingStatus.SERVING);
  addReflectionService(server);
  const address = await server.listen({ host, port });
  return {
    server,
    address,
    close: async () => {
      health.shutdown();
      const summary = await server.close({ drainTimeoutMs: tcp.drainTimeoutMs });
      logSink?.flush();
      return summary;
    },
  };
}

/** How to try a running gRPC server with our own client. */
export function grpcTryHint(address: SocketAddress): string {
  return (
    `npx wirestack grpc call ${formatAddress(address)} grpc.health.v1.Health/Check -d '{}' ` +
    '-I protos --proto grpc/health/v1/health.proto'
  );
}

/**
 * `wirestack grpc serve`: the interop TestService, a demo Echo service, grpc.health.v1 and
 * reflection, drained on SIGTERM/SIGINT (health turns NOT_SERVING first).
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
  const running = await startGrpc(
    host,
    port,
    {
      maxConnections: intOption(values, 'max-conns', 10_000, 1),
      backlog: intOption(values, 'backlog', 128, 0),
      drainTimeoutMs: secondsOption(values, 'drain-timeout', 30_000),
    },
    {
      items: intOption(values, 'items', 3, 0, 1_000_000),
      authToken: readAuthToken(values['auth-token-file']),
      log: values.log === true,
    },
  );
  announceAndServe('grpc', running.address, grpcTryHint(running.address), running.close);
}

/** The token in --auth-token-file: its first line, trimmed; an empty or unreadable file is a usage error. */
function readAuthToken(file: string | boolean | undefined): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(String(file), 'utf8');
  } catch (e) {
    throw new UsageError(`--auth-token-file: cannot read ${file}: ${(e as Error).message}`);
  }
  const token = text.split('\n')[0].trim();
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError(
      `--auth-token-file: ${file} must hold a token (printable ASCII, no spaces) on its first line`,
    );
  }
  return token;
}
