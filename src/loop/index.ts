/**
 * loop: an epoll reactor inside Node's event loop.
 *
 * @example
 * import { Reactor } from 'wirestack/loop';
 * Reactor.shared().add(fd, EPOLLIN, (events) => { ... });
 */
export * from './reactor.js';
