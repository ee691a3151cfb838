import { fileURLToPath } from 'node:url';
import { BadTargetError, UnknownTargetError } from './errors.js';
import { type ServerLaunchOptions, ServerProcess } from './server-process.js';

/** A target that is up and reachable. `server` is null for an external HOST:PORT we did not start. */
export interface RunningTarget {
  host: string;
  port: number;
  server: ServerProcess | null;
  stop(): Promise<void>;
}

/**
 * Something to benchmark: how to start it and which load protocol speaks to it. Protocol issues
 * register theirs (resp, h2, grpc, http) next to echo.
 */
export interface BenchTarget {
  /** Name on the command line (`echo`, `echo-node`) or HOST:PORT. */
  readonly name: string;
  readonly description: string;
  /** Name of the LoadProtocol that drives it (see load-protocol.ts). */
  readonly protocol: string;
  start(options: ServerLaunchOptions): Promise<RunningTarget>;
}

const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const NODE_ECHO = fileURLToPath(new URL('./baselines/node-echo.js', import.meta.url));

/** A target served by a Node script we start on a free port. */
export function spawnedTarget(
  name: string,
  description: string,
  protocol: string,
  script: string,
  args: string[],
): BenchTarget {
  return {
    name,
    description,
    protocol,
    async start(options) {
      const server = await ServerProcess.start(name, script, args, options);
      return { host: server.host, port: server.port, server, stop: () => server.stop() };
    },
  };
}

/** A server somebody else runs: we only connect, so there are no server-side figures. */
export function externalTarget(host: string, port: number, protocol = 'echo'): BenchTarget {
  const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    name: shown,
    description: `external ${protocol} server at ${shown}`,
    protocol,
    async start() {
      return { host, port, server: null, stop: async () => {} };
    },
  };
}

/**
 * Named benchmark targets, plus HOST:PORT for external echo servers.
 *
 * @example
 * const targets = defaultTargetRegistry();
 * const echo = targets.resolve('echo');            // our raw-syscall echo server
 * const other = targets.resolve('10.0.0.5:7000');  // somebody's echo server
 */
export class TargetRegistry {
  private readonly targets = new Map<string, BenchTarget>();

  register(target: BenchTarget): this {
    this.targets.set(target.name, target);
    return this;
  }

  names(): string[] {
    return [...this.targets.keys()];
  }

  list(): BenchTarget[] {
    return [...this.targets.values()];
  }

  /** A registered target by name, or an external one for HOST:PORT / [IPv6]:PORT. */
  resolve(spec: string): BenchTarget {
    const named = this.targets.get(spec);
    if (named) return named;
    const m = spec.match(/^\[([0-9a-fA-F:.]+)\]:(\w+)$/) ?? spec.match(/^([^:[\]]*):(\w+)$/);
    if (!m) throw new UnknownTargetError(spec, this.names());
    const [, host, portText] = m;
    if (host === '') throw new BadTargetError(spec, 'the host is empty');
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw new BadTargetError(
        spec,
        `the port must be a number from 1 to 65535, got ${JSON.stringify(portText)}`,
      );
    }
    if (!/^(localhost|[0-9.]+|[0-9a-fA-F:.]+)$/.test(host)) {
      throw new BadTargetError(spec, 'the host must be an IP address or localhost (no DNS lookups)');
    }
    return externalTarget(host, port);
  }
}

/** The targets wirestack ships: `echo` and `echo-framed` (ours) and `echo-node` (node:net baseline). */
export function defaultTargetRegistry(): TargetRegistry {
  return new TargetRegistry()
    .register(
      spawnedTarget('echo', "wirestack's raw-syscall echo server", 'echo', CLI_MAIN, [
        'echo',
        '--port',
        '0',
        '--idle-timeout',
        '0',
      ]),
    )
    .register(
      spawnedTarget(
        'echo-framed',
        "wirestack's length-prefixed echo (echo --framing length)",
        'framed-echo',
        CLI_MAIN,
        ['echo', '--framing', 'length', '--port', '0', '--idle-timeout', '0'],
      ),
    )
    .register(
      spawnedTarget('echo-node', 'a plain node:net echo server (the baseline)', 'echo', NODE_ECHO, [
        '--port',
        '0',
      ]),
    );
}
