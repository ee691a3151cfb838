// The baseline for HTTP/2 benchmarks: node:http2 (nghttp2 inside) with its 'stream' API, the fastest
// way a Node user serves HTTP/2. Same routes as wirestack's h2 demo: `/` (a short text) and
// `/large` (1 MiB). Prints the same "listening on HOST:PORT" line as `wirestack h2`.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8444' }, host: { type: 'string', default: '127.0.0.1' } },
});

const hello = Buffer.from('hello from wirestack over HTTP/2\n');
const large = Buffer.alloc(1024 * 1024, 0x61);
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  if (headers[':path'] === '/large') {
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
    stream.end(large);
  } else {
    stream.respond({ ':status': 200, 'content-type': 'text/plain; charset=utf-8' });
    stream.end(hello);
  }
});
server.listen(Number(values.port), values.host, () => {
  const addr = server.address() as AddressInfo;
  console.log(`h2-node listening on ${addr.address}:${addr.port}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
