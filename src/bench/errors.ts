/** Base class of every benchmark error; `code` is stable and safe to match on. */
export class BenchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}

/** A target that is neither a registered name nor HOST:PORT. */
export class UnknownTargetError extends BenchError {
  constructor(
    readonly target: string,
    known: readonly string[],
  ) {
    super(
      'EUNKNOWNTARGET',
      `unknown bench target ${JSON.stringify(target)}: use one of ${known.join(', ')}, or HOST:PORT of an echo server`,
    );
    this.name = 'UnknownTargetError';
  }
}

/** HOST:PORT that does not parse (port out of range, empty host). */
export class BadTargetError extends BenchError {
  constructor(
    readonly target: string,
    why: string,
  ) {
    super('EBADTARGET', `bad bench target ${JSON.stringify(target)}: ${why}`);
    this.name = 'BadTargetError';
  }
}

/** The generator could not connect to the target (refused, unreachable, timed out). */
export class TargetUnreachableError extends BenchError {
  constructor(
    readonly address: string,
    readonly errnoCode: string | null,
    detail: string,
  ) {
    const hint =
      errnoCode === 'ECONNREFUSED' ? ': connection refused; is a server listening there?' : `: ${detail}`;
    super('EUNREACHABLE', `cannot connect to ${address}${hint}`);
    this.name = 'TargetUnreachableError';
  }
}

/** A server process we started exited or never printed its "listening on" line. */
export class ServerStartError extends BenchError {
  constructor(what: string, output: string) {
    const tail = output.trim().split('\n').slice(-5).join('\n  ');
    super('ESERVERSTART', `${what}${tail ? `; its last output:\n  ${tail}` : ''}`);
    this.name = 'ServerStartError';
  }
}

/** A server we started died while it was being measured. */
export class ServerExitedError extends BenchError {
  constructor(what: string, output: string) {
    const tail = output.trim().split('\n').slice(-5).join('\n  ');
    super('ESERVEREXITED', `${what} exited during the run${tail ? `; its last output:\n  ${tail}` : ''}`);
    this.name = 'ServerExitedError';
  }
}

/** A load generator process failed or died. */
export class GeneratorError extends BenchError {
  constructor(message: string) {
    super('EGENERATOR', `load generator: ${message}`);
    this.name = 'GeneratorError';
  }
}
