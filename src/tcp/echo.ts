import { TcpServer, type TcpServerOptions } from './server.js';

/**
 * The echo protocol: every byte read is written back, and the peer's EOF ends our side once its
 * echo is flushed. Backpressure comes from TcpConnection: reading pauses while the echo queue is
 * above the high-water mark.
 *
 * @example
 * const server = createEchoServer({ maxConnections: 2, backlog: 1 });
 * const { port } = await server.listen({ port: 0 });
 */
export function createEchoServer(options: TcpServerOptions = {}): TcpServer {
  const server = new TcpServer(options);
  server.onConnection = (conn) => {
    conn.onData = (bytes) => {
      conn.write(bytes);
    };
  };
  return server;
}
