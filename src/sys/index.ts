/**
 * sys: Linux system calls from TypeScript through koffi (socket, bind, listen, accept4, connect,
 * read, send, writev, shutdown, close, epoll_*, eventfd), errno as typed errors, and sockaddr codecs.
 *
 * @example
 * import { tcpSocket, bind, listen, localAddress } from 'wirestack/sys';
 * const fd = tcpSocket(4); bind(fd, '127.0.0.1', 0); listen(fd, 511);
 * console.log(localAddress(fd).port);
 */
export * from './constants.js';
export * from './epoll.js';
export * from './errno.js';
export { errno } from './libc.js';
export * from './sockaddr.js';
export * from './socket.js';
