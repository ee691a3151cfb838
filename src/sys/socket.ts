import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_PEEK,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_NODELAY,
} from './constants.js';
import { EINTR, SysError } from './errno.js';
import { addressOf, errno, libc } from './libc.js';
import { decodeSockaddr, encodeSockaddr, parseHost, SOCKADDR_MAX, type SocketAddress } from './sockaddr.js';

// One scratch area for every setup call: these calls are synchronous, so nothing can interleave.
const scratch = new Uint8Array(64);
const scratchView = new DataView(scratch.buffer);
const addrBuf = new Uint8Array(SOCKADDR_MAX);
const lenBuf = new Uint8Array(4);
const lenView = new DataView(lenBuf.buffer);

function check(syscall: string, ret: number, detail?: string): number {
  if (ret < 0) throw new SysError(syscall, errno(), detail);
  return ret;
}

/** A non-blocking, close-on-exec TCP socket for `family`. */
export function tcpSocket(family: 4 | 6): number {
  return check(
    'socket',
    libc.socket(family === 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP),
  );
}

export function setIntOption(fd: number, level: number, name: number, value: number, label: string): void {
  scratchView.setInt32(0, value, true);
  check('setsockopt', libc.setsockopt(fd, level, name, scratch, 4), label);
}

export function getIntOption(fd: number, level: number, name: number, label: string): number {
  lenView.setUint32(0, 4, true);
  check('getsockopt', libc.getsockopt(fd, level, name, scratch, lenBuf), label);
  return scratchView.getInt32(0, true);
}

export const setReuseAddr = (fd: number, on: boolean) =>
  setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, +on, 'SO_REUSEADDR');
export const setReusePort = (fd: number, on: boolean) =>
  setIntOption(fd, SOL_SOCKET, SO_REUSEPORT, +on, 'SO_REUSEPORT');
export const setNoDelay = (fd: number, on: boolean) =>
  setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, +on, 'TCP_NODELAY');
export const setKeepAlive = (fd: number, on: boolean) =>
  setIntOption(fd, SOL_SOCKET, SO_KEEPALIVE, +on, 'SO_KEEPALIVE');
export const setV6Only = (fd: number, on: boolean) =>
  setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, +on, 'IPV6_V6ONLY');
export const setSendBuffer = (fd: number, bytes: number) =>
  setIntOption(fd, SOL_SOCKET, SO_SNDBUF, bytes, 'SO_SNDBUF');
export const setRecvBuffer = (fd: number, bytes: number) =>
  setIntOption(fd, SOL_SOCKET, SO_RCVBUF, bytes, 'SO_RCVBUF');

/** SO_LINGER {on, 0}: close() then sends RST instead of FIN (used to abort and in fault tests). */
export function setLingerZero(fd: number): void {
  scratchView.setInt32(0, 1, true);
  scratchView.setInt32(4, 0, true);
  check('setsockopt', libc.setsockopt(fd, SOL_SOCKET, SO_LINGER, scratch, 8), 'SO_LINGER');
}

/** The pending socket error (SO_ERROR) as an errno; 0 when none. Reading it clears it. */
export function socketError(fd: number): number {
  return getIntOption(fd, SOL_SOCKET, SO_ERROR, 'SO_ERROR');
}

export function bind(fd: number, host: string, port: number): void {
  const len = encodeSockaddr(host, port, addrBuf);
  check('bind', libc.bind(fd, addrBuf, len), `${host}:${port}`);
}

export function listen(fd: number, backlog: number): void {
  check('listen', libc.listen(fd, backlog));
}

export function localAddress(fd: number): SocketAddress {
  lenView.setUint32(0, SOCKADDR_MAX, true);
  check('getsockname', libc.getsockname(fd, addrBuf, lenBuf));
  return decodeSockaddr(addrBuf);
}

export function peerAddress(fd: number): SocketAddress | null {
  lenView.setUint32(0, SOCKADDR_MAX, true);
  if (libc.getpeername(fd, addrBuf, lenBuf) < 0) return null;
  return decodeSockaddr(addrBuf);
}

/** Start a non-blocking connect. Returns 0 when connected at once, or -errno (EINPROGRESS is usual). */
export function connect(fd: number, host: string, port: number): number {
  const len = encodeSockaddr(host, port, addrBuf);
  for (;;) {
    if (libc.connect(fd, addrBuf, len) === 0) return 0;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

/** The address family a host literal needs. */
export function familyOf(host: string): 4 | 6 {
  return parseHost(host).family;
}

/**
 * accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC. Returns the new fd, or -errno (-EAGAIN when the accept
 * queue is empty). No address is asked for: it costs a copy that most accepts never read.
 */
export function accept(listenFd: number): number {
  for (;;) {
    const fd = libc.accept4(listenFd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

/** read(2) into `buf[0..len)`: bytes read, 0 at EOF, or -errno (-EAGAIN when nothing is ready). */
export function read(fd: number, buf: Uint8Array, len: number = buf.byteLength): number {
  for (;;) {
    const n = libc.read(fd, buf, len);
    if (n >= 0) return n;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

/** recv(2) with MSG_PEEK|MSG_DONTWAIT: look at pending bytes without consuming them. Returns count or -errno. */
export function peek(fd: number, buf: Uint8Array, len: number = buf.byteLength): number {
  const n = libc.recv(fd, buf, len, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 ? n : -errno();
}

/**
 * send(2) with MSG_NOSIGNAL: a peer that went away gives -EPIPE instead of killing the process with
 * SIGPIPE. Returns bytes written (maybe fewer than asked) or -errno.
 */
export function send(fd: number, buf: Uint8Array, len: number = buf.byteLength): number {
  for (;;) {
    const n = libc.send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return n;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

/**
 * Most iovecs one writev call takes from us: Linux's IOV_MAX. A 1 MiB HTTP/2 response is 64 DATA
 * frames, 128 iovecs (header + payload each); a cap of 64 split it into two writes with an epoll
 * round trip between them.
 */
export const WRITEV_MAX = 1024;
const iov = new Uint8Array(16 * WRITEV_MAX);
const iovView = new DataView(iov.buffer);

/**
 * writev(2) of up to WRITEV_MAX chunks, from `chunks[first]` on. The kernel gathers header and
 * payload without a join. Returns bytes written or -errno.
 * Sockets must have SIGPIPE handled: Node ignores SIGPIPE, so EPIPE arrives as -EPIPE here.
 */
export function writev(fd: number, chunks: readonly Uint8Array[], first = 0): number {
  const n = Math.min(chunks.length - first, WRITEV_MAX);
  // Where the last two ArrayBuffers seen start: a gather write alternates between two of them (frame
  // headers and one body), and asking koffi for every view's address, as a bigint, was half the user
  // time of a 1 MiB HTTP/2 response. An off-heap backing store never moves (reading `.buffer` first
  // moves a small on-heap array's bytes off the heap for good), and these live only for this call.
  let lastBuffer: ArrayBufferLike | undefined;
  let lastBase = 0;
  let otherBuffer: ArrayBufferLike | undefined;
  let otherBase = 0;
  for (let i = 0; i < n; i++) {
    const c = chunks[first + i];
    const buffer = c.buffer;
    let base: number;
    if (buffer === lastBuffer) base = lastBase;
    else if (buffer === otherBuffer) base = otherBase;
    else {
      base = Number(addressOf(c)) - c.byteOffset;
      otherBuffer = lastBuffer;
      otherBase = lastBase;
      lastBuffer = buffer;
      lastBase = base;
    }
    const a = base + c.byteOffset;
    const low = a >>> 0;
    iovView.setUint32(16 * i, low, true);
    iovView.setUint32(16 * i + 4, (a - low) / 0x100000000, true);
    iovView.setUint32(16 * i + 8, c.byteLength, true);
    iovView.setUint32(16 * i + 12, 0, true);
  }
  for (;;) {
    const w = libc.writev(fd, iov, n);
    if (w >= 0) return w;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

/**
 * writev(2) over raw addresses (from `addressOf`, kept as numbers: user-space addresses fit in 53
 * bits). For buffers whose address is known and stable, e.g. pooled blocks: no BigInt work per call.
 */
export function writevAddresses(
  fd: number,
  addresses: Float64Array,
  lengths: Int32Array,
  count: number,
): number {
  const n = Math.min(count, WRITEV_MAX);
  for (let i = 0; i < n; i++) {
    const a = addresses[i];
    iovView.setUint32(16 * i, a % 0x100000000, true);
    iovView.setUint32(16 * i + 4, Math.floor(a / 0x100000000), true);
    iovView.setUint32(16 * i + 8, lengths[i], true);
    iovView.setUint32(16 * i + 12, 0, true);
  }
  for (;;) {
    const w = libc.writev(fd, iov, n);
    if (w >= 0) return w;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

export function shutdown(fd: number, how: number): number {
  return libc.shutdown(fd, how) < 0 ? -errno() : 0;
}

/** close(2). EINTR is not retried: on Linux the fd is released even then. */
export function close(fd: number): number {
  return libc.close(fd) < 0 ? -errno() : 0;
}
