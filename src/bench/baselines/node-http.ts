// The baseline for HTTP/1.1 benchmarks: node:http serving the same routes with the same work as
// `wirestack http`: `GET /` (a line of text) and `GET /items/:id` (one item of the same
// CatalogueStore, as JSON), keep-alive on. Prints the same "listening on HOST:PORT" line.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { CatalogueError, CatalogueStore } from '../rest-vs-grpc/catalogue-store.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8081' },
    host: { type: 'string', default: '127.0.0.1' },
    items: { type: 'string', default: '3' },
  },
});

const store = new CatalogueStore({ items: Number(values.items) });
const hello = Buffer.from('wirestack http: try GET /items, GET /items/1, POST /items, POST /echo\n');

function json(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'GET only' });
  if (url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': hello.length });
    res.end(hello);
    return;
  }
  const m = /^\/items\/([0-9]{1,9})$/.exec(url);
  if (!m) return json(res, 404, { error: `no route for ${req.method} ${url}` });
  try {
    json(res, 200, store.get(Number(m[1])));
  } catch (err) {
    if (err instanceof CatalogueError) json(res, 404, { error: err.message });
    else throw err;
  }
});
server.keepAliveTimeout = 30_000;
server.listen(Number(values.port), values.host, () => {
  const addr = server.address() as AddressInfo;
  console.log(`http-node listening on ${addr.address}:${addr.port}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
