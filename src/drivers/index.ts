/**
 * drivers: sans-IO protocol cores bound to wirestack's TCP transport (a RESP key-value server, a
 * length-prefixed echo).
 *
 * @example
 * import { RespServer } from 'wirestack/drivers';
 * await new RespServer().listen({ port: 6380 });
 */
export { CommandNameTable } from './command-name-table.js';
export { type FramedEchoOptions, FramedEchoServer } from './framed-echo.js';
export { matchesGlob } from './glob-pattern.js';
export { KeyValueStore, type KeyValueStoreOptions, keyBytes, keyOf } from './key-value-store.js';
export { PubSubHub, type Subscriber } from './pubsub-hub.js';
export { COMMANDS, type RespCommand } from './resp-commands.js';
export { RespServer, type RespServerOptions } from './resp-server.js';
export {
  DEFAULT_PUBSUB_OUTPUT_LIMIT,
  type PubSubOutputLimit,
  PubSubOutputLimitExceeded,
  RespSession,
} from './resp-session.js';
