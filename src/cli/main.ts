#!/usr/bin/env node
import { SysError } from '../sys/errno.js';
import { UsageError } from './args.js';

const HELP = `Usage: wirestack <command> [options]

wirestack: every layer of backend networking, from raw Linux syscalls up, in TypeScript.

Commands:
  serve     start every wirestack server on its default port (the main job)
  echo      raw TCP echo server (connection limit, backlog queue, drain, keep-alive)
  resp      in-memory key-value server for Redis clients (RESP2/3, pub/sub)
  http      HTTP/1.1 REST+JSON demo service for curl and wrk
  h2        HTTP/2 demo server (h2c) for curl, nghttp and h2load
  grpc      gRPC: serve (interop TestService, health, reflection), call, interop
  bench     benchmark wirestack against Node's own stack, side by side
  codec     MessagePack encode/decode (stdin to stdout), codec bench, compression analyze
  proto     Protocol Buffers: encode/decode JSON <-> binary with a .proto, gen TypeScript, bench

Run \`wirestack <command> --help\` for a command's options.
`;

// Commands load on demand: `wirestack echo` should not parse the HTTP/2, protobuf and benchmark
// modules (startup time, and the fds the module loader opens under a small `ulimit -n`).
const commands: Record<string, () => Promise<(argv: string[]) => Promise<void>>> = {
  serve: async () => (await import('./serve.js')).runServe,
  echo: async () => (await import('./echo.js')).runEcho,
  resp: async () => (await import('./resp.js')).runResp,
  http: async () => (await import('./http.js')).runHttp,
  h2: async () => (await import('./h2.js')).runH2,
  grpc: async () => (await import('./grpc.js')).runGrpc,
  bench: async () => (await import('./bench.js')).runBench,
  codec: async () => (await import('./codec.js')).runCodec,
  proto: async () => (await import('./proto.js')).runProto,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  await (await load())(rest);
}
main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    const [name] = process.argv.slice(2);
    const hint = name && commands[name] ? `wirestack ${name} --help` : 'wirestack --help';
    console.error(`wirestack: ${err.message}\nSee \`${hint}\`.`);
    process.exit(2);
  }
  if (err instanceof SysError && err.code === 'EADDRINUSE') {
    console.error(`wirestack: ${err.message}: another process is using that port; pick another with --port`);
    process.exit(1);
  }
  console.error(`wirestack: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
