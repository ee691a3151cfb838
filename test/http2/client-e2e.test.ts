// Our HTTP/2 client driver (src/drivers/http2-client.ts) against our server driver, over our TCP core.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Http2Client } from '../../src/drivers/http2-client.js';
import { demoHandler } from '../../src/drivers/http2-demo.js';
import { createHttp2Server, type Http2Server } from '../../src/drivers/http2-server.js';

let server: Http2Server;
let port: number;

before(async () => {
  server = createHttp2Server((s) => {
    if (s.path === '/trailers') {
      s.respond([[':status', '200']]);
      s.onEnd = () => {
        s.write(Buffer.from('body'));
        s.sendTrailers([['grpc-status', '0']]);
      };
      return;
    }
    demoHandler(s);
  });
  ({ port } = await server.listen({ host: '127.0.0.1', port: 0 }));
});

after(async () => {
  await server.close({ drainTimeoutMs: 1000 });
});

test('client driver: GET, a 5 MiB echo, trailers, 404, and 50 concurrent requests on one connection', async () => {
  const client = await Http2Client.connect({ port });
  try {
    const root = await client.fetch({ path: '/' });
    assert.equal(root.status, 200);
    assert.equal(root.body.toString(), 'hello from wirestack over HTTP/2\n');
    const body = Buffer.alloc(5 << 20);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const echo = await client.fetch({ path: '/echo', body });
    assert.ok(echo.body.equals(body));
    const t = await client.fetch({ method: 'POST', path: '/trailers', body: Buffer.from('x') });
    assert.equal(t.body.toString(), 'body');
    assert.deepEqual(
      t.trailers.map((h) => [h.name, h.value]),
      [['grpc-status', '0']],
    );
    assert.equal((await client.fetch({ path: '/missing' })).status, 404);
    const many = await Promise.all(Array.from({ length: 50 }, () => client.fetch({ path: '/stream' })));
    for (const r of many) assert.equal(r.body.toString().split('\n').length, 11);
  } finally {
    await client.close();
  }
});

test('graceful server close: an in-flight response completes, the client sees GOAWAY, then the connection ends', async () => {
  const own = createHttp2Server(demoHandler);
  const { port: p } = await own.listen({ host: '127.0.0.1', port: 0 });
  const client = await Http2Client.connect({ port: p });
  const goaways: number[] = [];
  const inFlight = client.fetch({ path: '/stream' });
  await new Promise((r) => setTimeout(r, 15));
  const closing = own.close({ drainTimeoutMs: 5000 });
  const res = await inFlight;
  assert.equal(res.body.toString(), Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`).join(''));
  await closing;
  assert.throws(() => client.request([[':path', '/']]));
  for (const [k, v] of Object.entries(client.h2.stats()))
    if (k.startsWith('connection_error')) goaways.push(v);
  assert.deepEqual(goaways, []);
  await client.close();
});

test('close() against a server that never closes its side ends at finTimeoutMs instead of hanging', async (t) => {
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer({ allowHalfOpen: true }, (sock) => {
    sockets.push(sock);
    sock.on('data', () => {}); // reads everything, answers nothing, never ends
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const { port: silentPort } = silent.address() as import('node:net').AddressInfo;
  const client = await Http2Client.connect({ port: silentPort, finTimeoutMs: 200 });
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    client.close().then(() => 'closed'),
    new Promise((r) => {
      timer = setTimeout(r, 5000, 'close() still waiting after 5 s');
    }),
  ]);
  clearTimeout(timer);
  assert.equal(outcome, 'closed');
  assert.ok(performance.now() - t0 >= 150, 'it waited for the server first');
});
