/**
 * http1: a sans-IO HTTP/1.1 server core (RFC 9112): request parser, response writer, the
 * connection state machine, and a router. No sockets, no timers: see src/drivers/http1-server.ts
 * for the binding to wirestack's TCP server.
 *
 * @example
 * import { Http1Connection, NEED_DATA, PAUSED } from 'wirestack/http1';
 * const conn = new Http1Connection({ maxBodyBytes: 64 * 1024 });
 * conn.receive(bytes);
 * const ev = conn.nextEvent(); // { type: 'request', method: 'GET', path: '/', ... }
 */
export * from './connection.js';
export * from './connection-states.js';
export * from './errors.js';
export * from './events.js';
export * from './headers.js';
export * from './limits.js';
export * from './parser.js';
export type { Http1HeaderPairs } from './response-head-encoder.js';
export * from './router.js';
export * from './status-text.js';
