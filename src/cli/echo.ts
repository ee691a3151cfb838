import { FramedEchoServer } from '../drivers/index.js';
import { createEchoServer, type TcpServer, type TcpServerOptions } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, secondsOption, stringOption, UsageError } from './args.js';
import { announceAndServe } from './served-server.js';

export const ECHO_HELP = `Usage: wirestack echo [options]

Serve the echo protocol (every byte back, EOF ends the connection) on wirestack's raw-syscall TCP server.

Options:
  --port N            port to listen on; 0 picks a free one (default 7000)
  --host ADDR         IPv4/IPv6 literal or localhost; "::" is dual-stack (default 127.0.0.1)
  --max-conns N       connections served at once (default 10000)
  --backlog M         connections that wait FIFO for a free slot beyond --max-conns; past
                      N+M a client gets one error line and is closed (default 128)
  --idle-timeout S    close a connection silent for S seconds; 0 disables (default 30)
  --heartbeat S       after S seconds of silence send "PING\\r\\n"; a peer that sends nothing
                      within another S seconds is closed; 0 disables (default 0)
  --drain-timeout S   on SIGTERM/SIGINT, wait at most S seconds for in-flight connections
                      before cutting them (default 30)
  --framing MODE      raw: echo bytes as they come (default); length: echo each frame with a
                      4-byte big-endian length prefix as a frame (16 MiB max; a longer length
                      closes the connection)
  -h, --help          show this help

On SIGTERM/SIGINT the server stops accepting at once, serves in-flight connections to their end,
prints what it drained and cut, and exits 0 (1 if the drain timeout cut anything).

Try it: nc 127.0.0.1 7000
`;

const SPEC: OptionSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'idle-timeout': { type: 'string' },
  heartbeat: { type: 'string' },
  'drain-timeout': { type: 'string' },
  framing: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function echoOptions(values: Record<string, string | boolean | undefined>): TcpServerOptions {
  return {
    maxConnections: intOption(values, 'max-conns', 10_000, 1),
    backlog: intOption(values, 'backlog', 128, 0),
    idleTimeoutMs: secondsOption(values, 'idle-timeout', 30_000),
    heartbeatIntervalMs: secondsOption(values, 'heartbeat', 0),
    drainTimeoutMs: secondsOption(values, 'drain-timeout', 30_000),
    log: (line) => console.error(`echo: ${line}`),
  };
}

export async function startEcho(
  host: string,
  port: number,
  options: TcpServerOptions,
  framing: 'raw' | 'length' = 'raw',
): Promise<TcpServer> {
  const server = framing === 'length' ? new FramedEchoServer(options) : createEchoServer(options);
  await server.listen({ host, port });
  return server;
}

export async function runEcho(argv: string[]): Promise<void> {
  const values = parse(argv, SPEC);
  if (values.help) {
    process.stdout.write(ECHO_HELP);
    return;
  }
  const host = stringOption(values, 'host', '127.0.0.1');
  const port = intOption(values, 'port', 7000, 0, 65535);
  const framing = stringOption(values, 'framing', 'raw');
  if (framing !== 'raw' && framing !== 'length') {
    throw new UsageError(`--framing must be raw or length, got ${JSON.stringify(framing)}`);
  }
  const server = await startEcho(host, port, echoOptions(values), framing);
  const addr = server.listening!;
  announceAndServe(framing === 'length' ? 'framed echo' : 'echo', addr, `nc ${addr.host} ${addr.port}`, () =>
    server.close(),
  );
}
