import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/PID/stat times (USER_HZ; 100 on every Linux we target). */
const USER_HZ = 100;

export interface ProcessSample {
  /** User + system CPU time in milliseconds (10 ms resolution). */
  cpuMs: number;
  /** User-mode part of cpuMs: our JavaScript, V8 and libc outside the kernel. */
  userMs: number;
  /** Kernel part of cpuMs: system calls and the network stack work they do. */
  systemMs: number;
  /**
   * Time the main thread was runnable but waiting for a CPU (schedstat), in ms: other load on the
   * machine taking our core. 0 when the kernel does not keep schedstats.
   */
  runQueueWaitMs: number;
  /** Resident set size in bytes. */
  rssBytes: number;
  /** Peak resident set size in bytes (VmHWM). */
  peakRssBytes: number;
}

/**
 * CPU time and memory of a process from /proc, readable for any process we started. Used to charge
 * a server the CPU it spent per request, which stays comparable even when the load generator caps
 * the request rate.
 *
 * @example
 * const before = sampleProcess(child.pid); ...; const after = sampleProcess(child.pid);
 * const cpuPerRequestUs = ((after.cpuMs - before.cpuMs) * 1000) / requests;
 */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => {
    const m = status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : 0;
  };
  return {
    cpuMs: ((utime + stime) * 1000) / USER_HZ,
    userMs: (utime * 1000) / USER_HZ,
    systemMs: (stime * 1000) / USER_HZ,
    runQueueWaitMs: runQueueWaitMs(pid),
    rssBytes: kb('VmRSS'),
    peakRssBytes: kb('VmHWM'),
  };
}

function runQueueWaitMs(pid: number): number {
  try {
    // "<ns on CPU> <ns waiting on a run queue> <timeslices>"
    const waitNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waitNs) ? waitNs / 1e6 : 0;
  } catch {
    return 0;
  }
}

/** Open file descriptors of a process. */
export function countFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}
