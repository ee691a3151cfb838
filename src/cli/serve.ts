import type { SocketAddress } from '../sys/sockaddr.js';
import type { DrainSummary } from '../tcp/index.js';
import { shutdownOnSignals } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, stringOption } from './args.js';
import { echoOptions, startEcho } from './echo.js';
import { grpcTryHint, startGrpc } from './grpc-serve.js';
import { startH2 } from './h2.js';
import { httpOptions, startHttp } from './http.js';
import { startResp } from './resp.js';
import { formatAddress } from './served-server.js';

export const SERVE_HELP = `Usage: wirestack serve [options]

Start every wirestack server on its default port, print how to reach each one with a real client,
and drain them all on Ctrl-C (SIGINT) or SIGTERM.

Servers today:
  echo   raw TCP echo on the raw-syscall server (port 7000)
  resp   key-value server for Redis clients (port 6380)
  http   HTTP/1.1 REST+JSON demo service (port 8080)
  h2     HTTP/2 (h2c) demo on our own HTTP/2 stack (port 8443)
  grpc   gRPC interop TestService, demo Echo, health and reflection (port 50051)

Options:
  --host ADDR         address for every server (default 127.0.0.1; "::" for dual-stack)
  --echo-port N       port of the echo server (default 7000; 0 picks a free one)
  --resp-port N       port of the resp server (default 6380)
  --http-port N       port of the HTTP/1.1 service (default 8080)
  --h2-port N         port of the HTTP/2 demo (default 8443)
  --grpc-port N       port of the gRPC server (default 50051)
  --max-conns N, --backlog M, --idle-timeout S, --heartbeat S, --drain-timeout S
                      as for \`wirestack echo\`, applied to every server (resp: no heartbeat,
                      idle timeout 0 unless given, as Redis's "timeout 0")
  -h, --help          show this help
`;

const SPEC: OptionSpec = {
  host: { type: 'string' },
  'echo-port': { type: 'string' },
  'resp-port': { type: 'string' },
  'http-port': { type: 'string' },
  'h2-port': { type: 'string' },
  'grpc-port': { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'idle-timeout': { type: 'string' },
  heartbeat: { type: 'string' },
  'drain-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** One running server as `serve` shows it: where it listens, how to try it, how to drain it. */
interface RunningService {
  name: string;
  address: SocketAddress;
  tryIt: (address: SocketAddress) => string;
  close: () => Promise<DrainSummary>;
}

const shown = formatAddress;

export async function runServe(argv: string[]): Promise<void> {
  const values = parse(argv, SPEC);
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return;
  }
  const host = stringOption(values, 'host', '127.0.0.1');
  const shared = echoOptions(values);
  const services: RunningService[] = [];

  const echo = await startEcho(host, intOption(values, 'echo-port', 7000, 0, 65535), shared);
  services.push({
    name: 'echo',
    address: echo.listening!,
    tryIt: (a) => `echo hello | nc -N ${a.host} ${a.port}`,
    close: () => echo.close(),
  });

  const resp = await startResp(host, intOption(values, 'resp-port', 6380, 0, 65535), {
    ...shared,
    // Redis's "timeout 0" unless asked for; no heartbeat: a PING line would look like a reply to a Redis client.
    idleTimeoutMs: values['idle-timeout'] === undefined ? 0 : shared.idleTimeoutMs,
    heartbeatIntervalMs: 0,
    log: (line) => console.error(`resp: ${line}`),
  });
  services.push({
    name: 'resp',
    address: resp.listening!,
    tryIt: (a) => `redis-cli -h ${a.host} -p ${a.port} ping`,
    close: () => resp.close(),
  });

  const http = await startHttp(host, intOption(values, 'http-port', 8080, 0, 65535), {
    ...httpOptions(values),
    heartbeatIntervalMs: 0,
  });
  services.push({
    name: 'http',
    address: http.listening!,
    tryIt: (a) => `curl http://${shown(a)}/items`,
    close: () => http.close(),
  });

  const h2 = await startH2(host, intOption(values, 'h2-port', 8443, 0, 65535), shared);
  services.push({
    name: 'h2',
    address: h2.tcp.listening!,
    tryIt: (a) => `curl --http2-prior-knowledge http://${shown(a)}/`,
    close: () => h2.close(),
  });

  const grpc = await startGrpc(host, intOption(values, 'grpc-port', 50051, 0, 65535), {
    ...shared,
    // Calls may be quiet for long (health Watch, slow handlers): idle connections get a GOAWAY from
    // gRPC's own keepalive rules instead of the TCP idle timeout.
    idleTimeoutMs: 0,
    heartbeatIntervalMs: 0,
  });
  services.push({ name: 'grpc', address: grpc.address, tryIt: grpcTryHint, close: grpc.close });

  console.log('wirestack is serving:');
  for (const s of services)
    console.log(`  ${s.name.padEnd(5)} ${shown(s.address).padEnd(22)} try: ${s.tryIt(s.address)}`);
  console.log('Press Ctrl-C to drain and stop.');
  shutdownOnSignals(
    services.map((s) => ({ name: `${s.name} ${shown(s.address)}`, close: s.close })),
    { log: (line) => console.log(line) },
  );
}
