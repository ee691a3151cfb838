// The node:http server a user would otherwise write, serving the same GET /items/:id as the
// catalogue demo of `wirestack http`, for side-by-side wrk runs (see docs/http1.md):
//   node dist/test/http1/node-http-baseline.js [port]
import http from 'node:http';

const items = new Map([
  [1, { id: 1, name: 'kettle', price: 24.9 }],
  [2, { id: 2, name: 'teapot', price: 18.5 }],
  [3, { id: 3, name: 'mug', price: 6 }],
]);

const server = http.createServer((req, res) => {
  const m = /^\/items\/(\d+)$/.exec(req.url ?? '');
  const item = m ? items.get(Number(m[1])) : undefined;
  if (!item) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  const body = JSON.stringify(item);
  res
    .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    .end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const a = server.address() as { port: number };
  console.log(`node:http listening on 127.0.0.1:${a.port}`);
});
