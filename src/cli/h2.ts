import { demoHandler } from '../drivers/http2-demo.js';
import { createHttp2Server, type Http2Server } from '../drivers/http2-server.js';
import type { TcpServerOptions } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, stringOption } from './args.js';
import { echoOptions } from './echo.js';
import { announceAndServe, formatAddress } from './served-server.js';

export const H2_HELP = `Usage: wirestack h2 [options]

Serve a small HTTP/2 demo (cleartext h2c, prior knowledge) on wirestack's own HTTP/2 and TCP stack:
  /         a text greeting
  /echo     streams the request body back (with backpressure)
  /stream   ten chunks sent over time

Options:
  --port N            port to listen on; 0 picks a free one (default 8443)
  --host ADDR         IPv4/IPv6 literal or localhost (default 127.0.0.1)
  --max-conns N, --backlog M, --idle-timeout S, --drain-timeout S
                      as for \`wirestack echo\`
  -h, --help          show this help

On SIGTERM/SIGINT every connection gets a graceful GOAWAY, in-flight streams finish, and the
server exits 0 (1 if the drain timeout cut anything).

Try it:
  curl --http2-prior-knowledge http://127.0.0.1:8443/
  nghttp -v http://127.0.0.1:8443/stream
  h2load -n 10000 -c 10 -m 10 http://127.0.0.1:8443/
`;

const SPEC: OptionSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'idle-timeout': { type: 'string' },
  heartbeat: { type: 'string' },
  'drain-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export async function startH2(host: string, port: number, tcp: TcpServerOptions): Promise<Http2Server> {
  const server = createHttp2Server(demoHandler, {
    tcp: { ...tcp, log: (line) => console.error(`h2: ${line}`) },
  });
  await server.listen({ host, port });
  return server;
}

export async function runH2(argv: string[]): Promise<void> {
  const values = parse(argv, SPEC);
  if (values.help) {
    process.stdout.write(H2_HELP);
    return;
  }
  const host = stringOption(values, 'host', '127.0.0.1');
  const server = await startH2(host, intOption(values, 'port', 8443, 0, 65535), echoOptions(values));
  const a = server.tcp.listening!;
  announceAndServe('h2', a, `curl --http2-prior-knowledge http://${formatAddress(a)}/`, () => server.close());
}
