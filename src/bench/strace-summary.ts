/** One syscall row of `strace -c`. */
export interface SyscallCount {
  name: string;
  calls: number;
  errors: number;
  seconds: number;
}

export interface StraceSummary {
  totalCalls: number;
  syscalls: SyscallCount[];
}

/**
 * Parse the table `strace -c` prints (`% time  seconds  usecs/call  calls  errors  syscall`),
 * sorted by calls, most first. The errors column is blank for syscalls that never failed.
 *
 * @example
 * parseStraceSummary(readFileSync('strace.txt', 'utf8')).syscalls[0]; // { name: 'epoll_wait', calls: ... }
 */
export function parseStraceSummary(text: string): StraceSummary {
  const syscalls: SyscallCount[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length < 5 || t.length > 6 || !/^[\d.]+$/.test(t[0])) continue;
    const name = t[t.length - 1];
    if (name === 'total' || !/^[a-z_0-9]+$/.test(name)) continue;
    syscalls.push({
      name,
      seconds: Number(t[1]),
      calls: Number(t[3]),
      errors: t.length === 6 ? Number(t[4]) : 0,
    });
  }
  syscalls.sort((x, y) => y.calls - x.calls);
  return { totalCalls: syscalls.reduce((n, s) => n + s.calls, 0), syscalls };
}
