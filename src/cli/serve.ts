import { shutdownOnSignals } from '../tcp/index.js';
import { intOption, type OptionSpec, parse, stringOption } from './args.js';
import { echoOptions, startEcho } from './echo.js';
import { startResp } from './resp.js';

export const SERVE_HELP = `Usage: wirestack serve [options]

Start every wirestack server on its default port, print how to reach each one with a real client,
and drain them all on Ctrl-C (SIGINT) or SIGTERM.

Servers today:
  echo   raw TCP echo on the raw-syscall server (port 7000)
  resp   key-value server for Redis clients (port 6380)

Options:
  --host ADDR         address for every server (default 127.0.0.1; "::" for dual-stack)
  --echo-port N       port of the echo server (default 7000; 0 picks a free one)
  --resp-port N       port of the resp server (default 6380; 0 picks a free one)
  --max-conns N, --backlog M, --idle-timeout S, --heartbeat S, --drain-timeout S
                      as for \`wirestack echo\`, applied to every server (resp: no heartbeat,
                      idle timeout 0 unless given)
  -h, --help          show this help
`;

const SPEC: OptionSpec = {
  host: { type: 'string' },
  'echo-port': { type: 'string' },
  'resp-port': { type: 'string' },
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
  const shared = echoOptions(values);
  const resp = await startResp(host, intOption(values, 'resp-port', 6380, 0, 65535), {
    ...shared,
    // Redis's "timeout 0" unless asked for; no heartbeat: a PING line would look like a reply to a Redis client.
    idleTimeoutMs: values['idle-timeout'] === undefined ? 0 : shared.idleTimeoutMs,
    heartbeatIntervalMs: 0,
    log: (line) => console.error(`resp: ${line}`),
  });
  const r = resp.listening!;
  console.log('wirestack is serving:');
  console.log(`  echo  ${shown}:${a.port}   try: echo hello | nc -q 1 ${a.host} ${a.port}`);
  console.log(`  resp  ${shown}:${r.port}   try: redis-cli -p ${r.port} ping`);
  console.log('Press Ctrl-C to drain and stop.');
  const targets = [
    { name: `echo ${shown}:${a.port}`, close: () => echo.close() },
    { name: `resp ${shown}:${r.port}`, close: () => resp.close() },
  ];
  shutdownOnSignals(targets, {
    log: (line) => console.log(line),
  });
}
