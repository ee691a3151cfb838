import { constants } from 'node:os';

/** errno numbers of this platform, by name (EAGAIN, ECONNRESET, ...). */
export const Errno: Readonly<Record<string, number>> = constants.errno;

const names: string[] = [];
for (const [name, value] of Object.entries(constants.errno)) {
  // EWOULDBLOCK aliases EAGAIN and EDEADLOCK aliases EDEADLK on Linux: keep the common name.
  if (names[value] === undefined) names[value] = name;
}

export const EAGAIN = constants.errno.EAGAIN;
export const EINTR = constants.errno.EINTR;
export const EINPROGRESS = constants.errno.EINPROGRESS;
export const EMFILE = constants.errno.EMFILE;
export const ENFILE = constants.errno.ENFILE;
export const ENOBUFS = constants.errno.ENOBUFS;
export const ENOMEM = constants.errno.ENOMEM;
export const ECONNABORTED = constants.errno.ECONNABORTED;
export const ECONNRESET = constants.errno.ECONNRESET;
export const EPIPE = constants.errno.EPIPE;

/** The symbolic name of an errno value (`errnoName(11) === 'EAGAIN'`). */
export function errnoName(errno: number): string {
  return names[errno] ?? `E${errno}`;
}

/**
 * A failed system call, with the errno as a name a user can search for.
 *
 * @example
 * try { sys.bind(fd, addr) } catch (e) { if (e instanceof SysError && e.code === 'EADDRINUSE') ... }
 */
export class SysError extends Error {
  /** Symbolic errno name, e.g. `ECONNRESET`. */
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;

  constructor(syscall: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${syscall} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'SysError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}
