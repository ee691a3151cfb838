import type { SocketAddress } from '../sys/sockaddr.js';
import { shutdownOnSignals } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, stringOption } from './args.js';
import { echoOptions, startEcho } from './echo.js';
import { startH2 } from './h2.js';

export const SERVE_HELP = `Usage: wirestack serve [options]

Start every wirestack server on its default port, print how to reach each one with a real client,
and drain them all on Ctrl-C (SIGINT) or SIGTERM.

Servers today:
  echo   raw TCP echo on the raw-syscall server (port 7000)
  h2     HTTP/2 (h2c) demo on our own HTTP/2 stack (port 8443)

Options:
  --host ADDR         address for every server (default 127.0.0.1; "::" for dual-stack)
  --echo-port N       port of the echo server (default 7000; 0 picks a free one)
  --h2-port N         port of the HTTP/2 demo (default 8443)
  --max-conns N, --backlog M, --idle-timeout S, --heartbeat S, --drain-timeout S
                      as for \`wirestack echo\`, applied to every server
  -h, --help          show this help
`;

const SPEC: OptionSpec = {
  host: { type: 'string' },
  'echo-port': { type: 'string' },
  'h2-port': { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'idle-timeout': { type: 'string' },
  heartbeat: { type: 'string' },
  'drain-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export async function runServe(argv: string[]): Promise<void> {
  const values = parse(argv, SPEC);
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return;
  }
  const host = stringOption(values, 'host', '127.0.0.1');
  const options = echoOptions(values);
  const echo = await startEcho(host, intOption(values, 'echo-port', 7000, 0, 65535), options);
  const h2 = await startH2(host, intOption(values, 'h2-port', 8443, 0, 65535), options);
  const shown = (a: SocketAddress) => `${a.family === 6 ? `[${a.host}]` : a.host}:${a.port}`;
  const e = echo.listening!;
  const h = h2.tcp.listening!;
  console.log('wirestack is serving:');
  console.log(`  echo  ${shown(e)}   try: echo hello | nc -N ${e.host} ${e.port}`);
  console.log(`  h2    ${shown(h)}   try: curl --http2-prior-knowledge http://${shown(h)}/`);
  console.log('Press Ctrl-C to drain and stop.');
  shutdownOnSignals(
    [
      { name: `echo ${shown(e)}`, close: () => echo.close() },
      { name: `h2 ${shown(h)}`, close: () => h2.close() },
    ],
    { log: (line) => console.log(line) },
  );
}
