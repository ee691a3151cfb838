import {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
} from './constants.js';
import { EINTR, SysError } from './errno.js';
import { errno, libc } from './libc.js';

/**
 * struct epoll_event is `__attribute__((packed))` on x86-64 only: 12 bytes with the data at
 * offset 4. Elsewhere (arm64) it is naturally aligned: 16 bytes with the data at offset 8.
 */
export const EPOLL_EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
export const EPOLL_DATA_OFFSET = process.arch === 'x64' ? 4 : 8;

const ctlEvent = new Uint8Array(16);
const ctlView = new DataView(ctlEvent.buffer);

export function epollCreate(): number {
  const fd = libc.epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw new SysError('epoll_create1', errno());
  return fd;
}

function ctl(epfd: number, op: number, fd: number, events: number, token: number): void {
  ctlView.setUint32(0, events, true);
  // The token goes in the low half of epoll_data; the high half stays 0.
  ctlView.setUint32(EPOLL_DATA_OFFSET, token, true);
  ctlView.setUint32(EPOLL_DATA_OFFSET + 4, 0, true);
  if (libc.epoll_ctl(epfd, op, fd, ctlEvent) < 0) {
    const name = op === EPOLL_CTL_ADD ? 'ADD' : op === EPOLL_CTL_MOD ? 'MOD' : 'DEL';
    throw new SysError('epoll_ctl', errno(), `${name} fd ${fd}`);
  }
}

export const epollAdd = (epfd: number, fd: number, events: number, token: number) =>
  ctl(epfd, EPOLL_CTL_ADD, fd, events, token);
export const epollModify = (epfd: number, fd: number, events: number, token: number) =>
  ctl(epfd, EPOLL_CTL_MOD, fd, events, token);

/** Remove fd from the interest list. Returns -errno instead of throwing: the fd may already be gone. */
export function epollDelete(epfd: number, fd: number): number {
  return libc.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, ctlEvent) < 0 ? -errno() : 0;
}

/** epoll_wait into `events` (EPOLL_EVENT_SIZE bytes each). Returns the count, 0 on EINTR. */
export function epollWait(epfd: number, events: Uint8Array, max: number, timeoutMs: number): number {
  const n = libc.epoll_wait(epfd, events, max, timeoutMs);
  if (n >= 0) return n;
  const e = errno();
  if (e === EINTR) return 0;
  throw new SysError('epoll_wait', e);
}

/** A non-blocking eventfd: a counter other threads or handlers can bump to wake a poller. */
export function eventFd(initial = 0): number {
  const fd = libc.eventfd(initial, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw new SysError('eventfd', errno());
  return fd;
}
