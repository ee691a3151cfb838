import koffi from 'koffi';

/**
 * Raw libc entry points through koffi. Every pointer parameter is declared `void *` so that a
 * Buffer/Uint8Array is passed in place (no copy) for the duration of the synchronous call.
 * Return values are the raw C results: -1 means "read errno() now", before any other FFI call.
 */
const lib = koffi.load('libc.so.6');

type Ptr = Uint8Array | null;

export const libc = {
  socket: lib.func('int socket(int domain, int type, int protocol)') as (
    d: number,
    t: number,
    p: number,
  ) => number,
  setsockopt: lib.func('int setsockopt(int fd, int level, int name, void *val, uint32_t len)') as (
    fd: number,
    level: number,
    name: number,
    val: Ptr,
    len: number,
  ) => number,
  getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *val, void *len)') as (
    fd: number,
    level: number,
    name: number,
    val: Ptr,
    len: Ptr,
  ) => number,
  bind: lib.func('int bind(int fd, void *addr, uint32_t len)') as (
    fd: number,
    addr: Ptr,
    len: number,
  ) => number,
  listen: lib.func('int listen(int fd, int backlog)') as (fd: number, backlog: number) => number,
  accept4: lib.func('int accept4(int fd, void *addr, void *len, int flags)') as (
    fd: number,
    addr: Ptr,
    len: Ptr,
    flags: number,
  ) => number,
  connect: lib.func('int connect(int fd, void *addr, uint32_t len)') as (
    fd: number,
    addr: Ptr,
    len: number,
  ) => number,
  getsockname: lib.func('int getsockname(int fd, void *addr, void *len)') as (
    fd: number,
    addr: Ptr,
    len: Ptr,
  ) => number,
  getpeername: lib.func('int getpeername(int fd, void *addr, void *len)') as (
    fd: number,
    addr: Ptr,
    len: Ptr,
  ) => number,
  read: lib.func('intptr_t read(int fd, void *buf, size_t n)') as (fd: number, buf: Ptr, n: number) => number,
  recv: lib.func('intptr_t recv(int fd, void *buf, size_t n, int flags)') as (
    fd: number,
    buf: Ptr,
    n: number,
    flags: number,
  ) => number,
  write: lib.func('intptr_t write(int fd, void *buf, size_t n)') as (
    fd: number,
    buf: Ptr,
    n: number,
  ) => number,
  send: lib.func('intptr_t send(int fd, void *buf, size_t n, int flags)') as (
    fd: number,
    buf: Ptr,
    n: number,
    flags: number,
  ) => number,
  writev: lib.func('intptr_t writev(int fd, void *iov, int count)') as (
    fd: number,
    iov: Ptr,
    count: number,
  ) => number,
  shutdown: lib.func('int shutdown(int fd, int how)') as (fd: number, how: number) => number,
  close: lib.func('int close(int fd)') as (fd: number) => number,
  open: lib.func('int open(const char *path, int flags)') as (path: string, flags: number) => number,
  epoll_create1: lib.func('int epoll_create1(int flags)') as (flags: number) => number,
  epoll_ctl: lib.func('int epoll_ctl(int epfd, int op, int fd, void *event)') as (
    epfd: number,
    op: number,
    fd: number,
    event: Ptr,
  ) => number,
  epoll_wait: lib.func('int epoll_wait(int epfd, void *events, int max, int timeout)') as (
    epfd: number,
    events: Ptr,
    max: number,
    timeout: number,
  ) => number,
  pipe2: lib.func('int pipe2(void *fds, int flags)') as (fds: Int32Array, flags: number) => number,
  eventfd: lib.func('int eventfd(unsigned int initval, int flags)') as (
    initval: number,
    flags: number,
  ) => number,
};

/** errno of the last failed libc call on this thread. Read it immediately after the call. */
export const errno: () => number = koffi.errno as () => number;

/** The address of a buffer's first byte, for building iovec arrays. */
export const addressOf: (buf: Uint8Array) => bigint = koffi.address as unknown as (buf: Uint8Array) => bigint;

export interface PollEvents {
  readable: boolean;
  writable: boolean;
  disconnect: boolean;
}

export interface PollHandle {
  start(opts: { readable?: boolean; writable?: boolean }, cb: (status: number, ev: PollEvents) => void): void;
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

/**
 * Watch an fd with a libuv poll handle (uv_poll_t), so that readiness wakes Node's own event loop
 * without a thread hop. koffi passes (status, events) to the callback, and the callback runs inside
 * a libuv callback, so promise jobs queued in it run right after it returns.
 */
export const uvPoll = koffi.node.poll as unknown as (
  fd: number,
  opts: { readable?: boolean; writable?: boolean },
  cb: (status: number, ev: PollEvents) => void,
) => PollHandle;
