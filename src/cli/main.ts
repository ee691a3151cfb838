#!/usr/bin/env node
import { SysError } from '../sys/errno.js';
import { UsageError } from './args.js';
import { runBench } from './bench.js';
import { runEcho } from './echo.js';
import { runHttp } from './http.js';
import { runServe } from './serve.js';

const HELP = `Usage: wirestack <command> [options]

wirestack: every layer of backend networking, from raw Linux syscalls up, in TypeScript.

Commands:
  serve     start every wirestack server on its default port (the main job)
  echo      raw TCP echo server (connection limit, backlog queue, drain, keep-alive)
  http      HTTP/1.1 REST+JSON demo service on wirestack's own parser
  bench     benchmark wirestack against Node's own stack, side by side

Run \`wirestack <command> --help\` for a command's options.
`;

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  serve: runServe,
  echo: runEcho,
  http: runHttp,
  bench: runBench,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  await command(rest);
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
