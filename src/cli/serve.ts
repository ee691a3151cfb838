import { shutdownOnSignals } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, stringOption } from './args.js';
import { echoOptions, startEcho } from './echo.js';
import { httpOptions, startHttp } from './http.js';

export const SERVE_HELP = `Usage: wirestack serve [options]

Start every wirestack server on its default port, print how to reach each one with a real client,
and drain them all on Ctrl-C (SIGINT) or SIGTERM.

Servers today:
  echo   raw TCP echo on the raw-syscall server (port 7000)
  http   HTTP/1.1 REST+JSON demo service (port 8080)

Options:
  --host ADDR         address for every server (default 127.0.0.1; "::" for dual-stack)
  --echo-port N       port of the echo server (default 7000; 0 picks a free one)
  --http-port N       port of the HTTP/1.1 server (default 8080; 0 picks a free one)
  --max-conns N, --backlog M, --idle-timeout S, --heartbeat S, --drain-timeout S
                      as for \`wirestack echo\`, applied to every server
  -h, --help          show this help
`;

const SPEC: OptionSpec = {
  host: { type: 'string' },
  'echo-port': { type: 'string' },
  'http-port': { type: 'string' },
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
  const echo = await startEcho(host, intOption(values, 'echo-port', 7000, 0, 65535), echoOptions(values));
  const a = echo.listening!;
  const shown = a.family === 6 ? `[${a.host}]` : a.host;
  console.log('wirestack is serving:');
  console.log(`  echo  ${shown}:${a.port}   try: echo hello | nc -q 1 ${a.host} ${a.port}`);
  const http = await startHttp(host, intOption(values, 'http-port', 8080, 0, 65535), {
    ...httpOptions(values),
    heartbeatIntervalMs: 0,
  });
  const h = http.listening!;
  const hShown = h.family === 6 ? `[${h.host}]` : h.host;
  console.log(`  http  ${hShown}:${h.port}   try: curl http://${hShown}:${h.port}/items`);
  console.log('Press Ctrl-C to drain and stop.');
  const servers = [
    { name: `echo ${shown}:${a.port}`, close: () => echo.close() },
    { name: `http ${hShown}:${h.port}`, close: () => http.close() },
  ];
  shutdownOnSignals(servers, {
    log: (line) => console.log(line),
  });
}
