import { UsageError } from './args.js';

export const GRPC_HELP = `Usage: wirestack grpc <subcommand> [options]

gRPC over wirestack's own HTTP/2 and TCP stack.

Subcommands:
  serve     serve the interop TestService, a demo Echo service, health and reflection (port 50051)
  call      call any gRPC server like grpcurl: JSON in, one JSON line per response out
  interop   run gRPC's interop test cases against a server (--server HOST:PORT)

Run \`wirestack grpc <subcommand> --help\` for its options.
`;

const subcommands: Record<string, () => Promise<(argv: string[]) => Promise<void>>> = {
  serve: async () => (await import('./grpc-serve.js')).runGrpcServe,
  call: async () => (await import('./grpc-call.js')).runGrpcCall,
  interop: async () => (await import('./grpc-call.js')).runGrpcInterop,
};

/** `wirestack grpc <subcommand>`: each subcommand loads on demand. */
export async function runGrpc(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(GRPC_HELP);
    return;
  }
  const load = subcommands[name];
  if (!load)
    throw new UsageError(
      `unknown grpc subcommand ${JSON.stringify(name)} (try: ${Object.keys(subcommands).join(', ')})`,
    );
  await (await load())(rest);
}
