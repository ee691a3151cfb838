// The baseline the echo benchmark compares against: the echo protocol on plain node:net, written
// the way a Node user would (pipe the socket into itself, which also handles back-pressure).
// Prints the same "listening on HOST:PORT" line as `wirestack echo`.
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '7001' }, host: { type: 'string', default: '127.0.0.1' } },
});

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});

server.listen(Number(values.port), values.host, () => {
  const addr = server.address() as net.AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  console.log(`echo-node listening on ${host}:${addr.port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
