import { RespServer, type RespServerOptions } from '../drivers/index.js';
import { intOption, type OptionSpec, parse, secondsOption, stringOption, UsageError } from './args.js';
import { announceAndServe } from './served-server.js';

export const RESP_HELP = `Usage: wirestack resp [options]

An in-memory key-value server that speaks RESP2/RESP3, the Redis protocol: redis-cli,
redis-benchmark and Redis client libraries work with it. Strings with expiry (SET EX/PX/NX/XX, GET,
DEL, EXISTS, INCR/DECR/INCRBY/DECRBY, MGET, MSET, EXPIRE/PEXPIRE/TTL/PTTL, KEYS, DBSIZE, FLUSHALL),
publish/subscribe (PUBLISH, (P)SUBSCRIBE, (P)UNSUBSCRIBE), HELLO 2/3, CLIENT, COMMAND, CONFIG GET, INFO.

Options:
  --port N              port to listen on; 0 picks a free one (default 6380)
  --host ADDR           IPv4/IPv6 literal or localhost; "::" is dual-stack (default 127.0.0.1)
  --max-conns N         clients served at once (default 10000)
  --backlog M           clients that wait FIFO for a free slot beyond --max-conns (default 128)
  --idle-timeout S      close a client idle for S seconds; 0 never does, like Redis's
                        "timeout 0" (default 0)
  --drain-timeout S     on SIGTERM/SIGINT, wait at most S seconds for commands in flight (default 30)
  --pubsub-limit H,S,T  subscriber output limits in bytes, bytes, seconds, like Redis's
                        "client-output-buffer-limit pubsub": past H a subscriber that does not read is
                        disconnected at once, above S for T seconds too (default 33554432,8388608,60)
  -h, --help            show this help

Try it: redis-cli -p 6380 set greeting hello; redis-cli -p 6380 get greeting
`;

const SPEC: OptionSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'idle-timeout': { type: 'string' },
  'drain-timeout': { type: 'string' },
  'pubsub-limit': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function respOptions(values: Record<string, string | boolean | undefined>): RespServerOptions {
  const options: RespServerOptions = {
    maxConnections: intOption(values, 'max-conns', 10_000, 1),
    backlog: intOption(values, 'backlog', 128, 0),
    idleTimeoutMs: secondsOption(values, 'idle-timeout', 0),
    drainTimeoutMs: secondsOption(values, 'drain-timeout', 30_000),
    log: (line) => console.error(`resp: ${line}`),
  };
  const limit = values['pubsub-limit'];
  if (typeof limit === 'string') {
    const parts = limit.split(',').map(Number);
    if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new UsageError(
        `--pubsub-limit takes HARD,SOFT,SECONDS (whole numbers), got ${JSON.stringify(limit)}`,
      );
    }
    options.pubsubOutputLimit = { hardBytes: parts[0], softBytes: parts[1], softSeconds: parts[2] };
  }
  return options;
}

export async function startResp(host: string, port: number, options: RespServerOptions): Promise<RespServer> {
  const server = new RespServer(options);
  await server.listen({ host, port });
  return server;
}

export async function runResp(argv: string[]): Promise<void> {
  const values = parse(argv, SPEC);
  if (values.help) {
    process.stdout.write(RESP_HELP);
    return;
  }
  const host = stringOption(values, 'host', '127.0.0.1');
  const port = intOption(values, 'port', 6380, 0, 65535);
  const server = await startResp(host, port, respOptions(values));
  const addr = server.listening!;
  announceAndServe('resp', addr, `redis-cli -p ${addr.port} ping`, () => server.close());
}
