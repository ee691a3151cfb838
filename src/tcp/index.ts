/**
 * tcp: a TCP server and client on wirestack's own syscalls and reactor.
 *
 * @example
 * import { createEchoServer } from 'wirestack/tcp';
 * const server = createEchoServer({ maxConnections: 1000, idleTimeoutMs: 30_000 });
 * const { port } = await server.listen({ host: '127.0.0.1', port: 7000 });
 */
export * from './client.js';
export * from './connection.js';
export * from './echo.js';
export * from './errors.js';
export * from './server.js';
export * from './shutdown.js';
