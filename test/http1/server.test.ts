// End to end on the in-process Http1Server, with node:http and raw node:net sockets as peers.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { test } from 'node:test';
import { Http1Server, HttpError } from '../../src/drivers/http1-server.js';
import { connectNode, readBytes, readUntilClose, sleep } from '../support/processes.js';

async function startServer(options: ConstructorParameters<typeof Http1Server>[0] = {}) {
  const server = new Http1Server({ idleTimeoutMs: 5000, drainTimeoutMs: 2000, ...options });
  server.get('/hello/:name', (req, res) => res.send(`hello ${req.params.name} ${req.query.get('x') ?? ''}`));
  server.post('/json', async (req, res) => res.status(201).json({ got: await req.json() }));
  server.post('/echo', async (req, res) => {
    for await (const chunk of req) res.write(chunk);
    res.end(undefined, [['x-done', 'yes']]);
  });
  server.get('/teapot', () => {
    throw new HttpError(418, 'short and stout');
  });
  server.get('/crash', () => {
    throw new Error('bug');
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, port };
}

function request(
  port: number,
  options: http.RequestOptions & { body?: string | Buffer[] },
): Promise<{
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  trailers: NodeJS.Dict<string>;
}> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, ...options }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts).toString(),
          trailers: res.trailers,
        }),
      );
    });
    req.on('error', reject);
    const body = options.body;
    if (Array.isArray(body)) for (const b of body) req.write(b);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Read from a raw socket until `count` complete responses (by Content-Length) have arrived. */
async function readResponses(sock: net.Socket, count: number, timeoutMs = 5000): Promise<string[]> {
  let buf = '';
  const out: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const m = /content-length: (\d+)/i.exec(buf.slice(0, end));
      const total = end + 4 + (m ? Number(m[1]) : 0);
      if (buf.length < total) break;
      out.push(buf.slice(0, total));
      buf = buf.slice(total);
    }
    if (out.length >= count) return out;
    if (Date.now() > deadline)
      throw new Error(`only ${out.length} of ${count} responses: ${JSON.stringify(buf)}`);
    buf += (await readBytes(sock, 1, deadline - Date.now())).toString('latin1');
  }
}

test('node:http keep-alive agent: many requests reuse one connection; JSON, params, query, 404, 405', async () => {
  const { server, port } = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 20; i++) {
      const r = await request(port, { agent, path: `/hello/w%20${i}?x=${i}` });
      assert.equal(r.status, 200);
      assert.equal(r.body, `hello w ${i} ${i}`);
    }
    const posted = await request(port, {
      agent,
      method: 'POST',
      path: '/json',
      headers: { 'content-type': 'application/json' },
      body: '{"a":[1,2]}',
    });
    assert.deepEqual([posted.status, JSON.parse(posted.body)], [201, { got: { a: [1, 2] } }]);
    const bad = await request(port, { agent, method: 'POST', path: '/json', body: '{nope' });
    assert.equal(bad.status, 400);
    assert.equal((await request(port, { agent, path: '/nowhere' })).status, 404);
    const wrong = await request(port, { agent, method: 'DELETE', path: '/json' });
    assert.deepEqual([wrong.status, wrong.headers.allow], [405, 'POST']);
    const tea = await request(port, { agent, path: '/teapot' });
    assert.deepEqual([tea.status, JSON.parse(tea.body)], [418, { error: 'short and stout' }]);
    const head = await request(port, { agent, method: 'HEAD', path: '/hello/x' });
    assert.deepEqual([head.status, head.headers['content-length'], head.body], [200, '8', '']);
    assert.equal(server.tcp.counters.accepted, 1, 'every request went over one kept-alive connection');
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('node:http chunked upload is streamed back chunked, with trailers', async () => {
  const { server, port } = await startServer();
  try {
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.from(`part ${i};`));
    const r = await request(port, { method: 'POST', path: '/echo', body: parts });
    assert.equal(r.status, 200);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal(r.body, Buffer.concat(parts).toString());
    assert.equal(r.trailers['x-done'], 'yes');
    const big = Buffer.alloc(600_000, 7);
    const r2 = await request(port, {
      method: 'POST',
      path: '/echo',
      body: [big],
      headers: { 'content-length': big.length },
    });
    assert.equal(r2.body.length, big.length);
  } finally {
    await server.close();
  }
});

test('pipelined raw requests over one socket are answered in order', async () => {
  const { server, port } = await startServer();
  const sock = await connectNode(port);
  try {
    let batch = '';
    for (let i = 0; i < 10; i++) batch += `GET /hello/${i} HTTP/1.1\r\nHost: t\r\n\r\n`;
    batch += 'POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n[]';
    sock.write(batch);
    const responses = await readResponses(sock, 11);
    for (let i = 0; i < 10; i++) assert.match(responses[i], new RegExp(`\r\n\r\nhello ${i} $`));
    assert.match(responses[10], /^HTTP\/1.1 201 Created\r\n[\s\S]*\{"got":\[\]\}$/);
  } finally {
    sock.destroy();
    await server.close();
  }
});

test('HTTP/1.0 keep-alive over a raw socket: two requests on one connection, then close when not asked', async () => {
  const { server, port } = await startServer();
  const sock = await connectNode(port);
  try {
    sock.write('GET /hello/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const [first] = await readResponses(sock, 1);
    assert.match(first, /connection: keep-alive\r\n/);
    const rest = readUntilClose(sock);
    sock.write('GET /hello/b HTTP/1.0\r\n\r\n');
    const second = (await rest).toString();
    assert.match(second, /connection: close\r\n[\s\S]*hello b $/);
  } finally {
    sock.destroy();
    await server.close();
  }
});

test('Expect: 100-continue: the 100 comes when the handler reads the body', async () => {
  const { server, port } = await startServer();
  const sock = await connectNode(port);
  try {
    sock.write('POST /json HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    const cont = (await readBytes(sock, 25)).toString();
    assert.equal(cont, 'HTTP/1.1 100 Continue\r\n\r\n');
    sock.write('true');
    const [res] = await readResponses(sock, 1);
    assert.match(res, /^HTTP\/1.1 201 Created[\s\S]*\{"got":true\}$/);
  } finally {
    sock.destroy();
    await server.close();
  }
});

test('smuggling over the wire: CL+TE gets 400 with Connection: close, and the socket closes', async () => {
  const { server, port } = await startServer();
  try {
    const sock = await connectNode(port);
    const all = readUntilClose(sock);
    sock.write(
      'POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello/smuggled HTTP/1.1\r\nHost: t\r\n\r\n',
    );
    const text = (await all).toString();
    assert.match(text, /^HTTP\/1.1 400 Bad Request\r\n/);
    assert.match(text, /connection: close\r\n/);
    assert.doesNotMatch(text, /smuggled/);
    assert.equal(text.split('HTTP/1.1').length - 1, 1, 'exactly one response');
    assert.equal(server.counters.protocolErrors, 1);
  } finally {
    await server.close();
  }
});

test('limits over the wire: 431 for a header flood, 413 for a large body, 414 for a long URI, each closed', async () => {
  const { server, port } = await startServer({ limits: { maxBodyBytes: 1000 } });
  try {
    const cases: [string, number][] = [
      [`GET / HTTP/1.1\r\nHost: t\r\n${'X: 1\r\n'.repeat(200)}\r\n`, 431],
      ['POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n', 413],
      [`GET /${'a'.repeat(10_000)} HTTP/1.1\r\nHost: t\r\n\r\n`, 414],
      ['GET / HTTP/3.0\r\nHost: t\r\n\r\n', 505],
    ];
    for (const [raw, status] of cases) {
      const sock = await connectNode(port);
      const all = readUntilClose(sock);
      sock.write(raw);
      const text = (await all).toString();
      assert.match(text, new RegExp(`^HTTP/1.1 ${status} `));
      assert.match(text, /connection: close\r\n/);
    }
  } finally {
    await server.close();
  }
});

test('a handler that throws gets 500 and the connection closes; the server keeps serving', async () => {
  const { server, port } = await startServer();
  try {
    const r = await request(port, { path: '/crash' });
    assert.equal(r.status, 500);
    assert.equal(r.headers.connection, 'close');
    assert.equal(server.counters.handlerErrors, 1);
    assert.equal((await request(port, { path: '/hello/again' })).body, 'hello again ');
  } finally {
    await server.close();
  }
});

test('slowloris: headers sent a byte per 100 ms are cut at the header timeout with 408', async () => {
  const { server, port } = await startServer({ headerTimeoutMs: 800 });
  try {
    const sock = await connectNode(port);
    const started = Date.now();
    const all = readUntilClose(sock).then((b) => ({ text: b.toString(), ms: Date.now() - started }));
    const head = `GET /hello/slow HTTP/1.1\r\nHost: t\r\nX-Padding: ${'p'.repeat(100)}\r\n\r\n`;
    let closed = false;
    sock.on('close', () => {
      closed = true;
    });
    for (let i = 0; i < head.length && !closed && Date.now() - started < 5000; i++) {
      sock.write(head[i]);
      await sleep(100);
    }
    const { text, ms } = await all;
    assert.match(text, /^HTTP\/1.1 408 Request Timeout\r\n/);
    assert.ok(ms >= 750 && ms < 2500, `closed after ${ms} ms (header timeout 800 ms)`);
    assert.equal(server.counters.headerTimeouts, 1);
    // A normal client on the same server is unaffected.
    assert.equal((await request(port, { path: '/hello/ok' })).status, 200);
  } finally {
    await server.close();
  }
});

test('graceful drain mid-request: the in-flight request finishes with Connection: close; idle ones close', async () => {
  const server = new Http1Server({ drainTimeoutMs: 3000 });
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => {
    entered = r;
  });
  server.get('/slow', async (_req, res) => {
    entered();
    await gate;
    res.send('finished');
  });
  server.get('/fast', (_req, res) => res.send('fast'));
  const { port } = await server.listen({ port: 0 });
  const agent = new http.Agent({ keepAlive: true });
  // An idle keep-alive connection: served once, now waiting.
  const idle = await connectNode(port);
  idle.write('GET /fast HTTP/1.1\r\nHost: t\r\n\r\n');
  await readResponses(idle, 1);
  // TcpServer counts a connection that read within drainQuietMs (250) as in flight: let it go quiet.
  await sleep(300);
  const idleClosed = readUntilClose(idle);
  const slow = request(port, { agent, path: '/slow' });
  await inHandler;
  const drained = server.close();
  await idleClosed;
  await sleep(100);
  release();
  const r = await slow;
  assert.equal(r.status, 200);
  assert.equal(r.body, 'finished');
  assert.equal(r.headers.connection, 'close');
  const summary = await drained;
  assert.equal(summary.drained, 1);
  assert.equal(summary.idleClosed, 1);
  assert.equal(summary.cut, 0);
  agent.destroy();
});

test('header timeout on a virtual clock: 408 at 10 s and not at 9 s; an idle keep-alive connection is left to the idle timeout', async () => {
  const server = new Http1Server({ headerTimeoutMs: 10_000 });
  server.get('/x', (_req, res) => res.send('x'));
  const { port } = await server.listen({ port: 0 });
  try {
    const slow = await connectNode(port);
    const slowClosed = readUntilClose(slow);
    slow.write('GET /x HTTP/1.1\r\nHost: t\r\n');
    const idle = await connectNode(port);
    idle.write('GET /x HTTP/1.1\r\nHost: t\r\n\r\n');
    await readResponses(idle, 1);
    let idleClosed = false;
    idle.on('close', () => {
      idleClosed = true;
    });
    await sleep(50);
    const t0 = performance.now();
    server.checkHeaderTimeouts(t0 + 9_000);
    await sleep(100);
    assert.equal(server.counters.headerTimeouts, 0, 'nothing is cut at 9 s');
    server.checkHeaderTimeouts(t0 + 10_100);
    const text = (await slowClosed).toString();
    assert.match(text, /^HTTP\/1.1 408 Request Timeout\r\n[\s\S]*connection: close\r\n/);
    assert.equal(server.counters.headerTimeouts, 1);
    server.checkHeaderTimeouts(t0 + 60_000);
    await sleep(100);
    assert.equal(idleClosed, false, 'a connection between requests has no head pending');
    idle.destroy();
  } finally {
    await server.close();
  }
});

test('garbage over the wire: every connection gets answers or a 4xx/5xx and a close; the server keeps serving', async () => {
  const { server, port } = await startServer({ headerTimeoutMs: 2000, limits: { maxBodyBytes: 4096 } });
  const pieces = [
    'GET /hello/a HTTP/1.1\r\n',
    'POST /echo HTTP/1.1\r\n',
    'Host: t\r\n',
    'Content-Length: 3\r\n',
    'Transfer-Encoding: chunked\r\n',
    'Expect: 100-continue\r\n',
    'Connection: close\r\n',
    '\r\n',
    '3\r\nabc\r\n',
    '0\r\n\r\n',
    'ffffff\r\n',
    ' ',
    '\r',
    '\n',
    '\0',
    'HTTP/1.0',
  ];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const deadline = Date.now() + 20_000;
  try {
    for (let batch = 0; batch < 20 && Date.now() < deadline; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          let payload = '';
          for (let i = rand(12) + 1; i > 0; i--) payload += pieces[rand(pieces.length)];
          const sock = await connectNode(port);
          const all = readUntilClose(sock);
          sock.end(payload);
          const text = (await all).toString('latin1');
          if (text !== '') assert.match(text, /^HTTP\/1.1 \d{3} /, JSON.stringify(payload));
          for (const m of text.matchAll(/HTTP\/1.1 (\d{3}) /g)) assert.ok(Number(m[1]) < 600);
        }),
      );
    }
    assert.equal(server.counters.handlerErrors, 0);
    assert.equal((await request(port, { path: '/hello/still' })).body, 'hello still ');
  } finally {
    await server.close();
  }
});

test('attack: slow POST (a body trickled in) is cut at the body timeout with 408 (virtual clock)', async () => {
  const server = new Http1Server({ bodyTimeoutMs: 5_000 });
  let failed: unknown = null;
  server.post('/upload', async (req, res) => {
    try {
      res.send(await req.text());
    } catch (err) {
      failed = err;
    }
  });
  const { port } = await server.listen({ port: 0 });
  try {
    const sock = await connectNode(port);
    const closed = readUntilClose(sock);
    sock.write('POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc');
    await sleep(100);
    const t0 = performance.now();
    server.checkHeaderTimeouts(t0 + 4_000);
    await sleep(50);
    assert.equal(server.counters.bodyTimeouts, 0, 'nothing is cut before the body timeout');
    server.checkHeaderTimeouts(t0 + 5_100);
    const text = (await closed).toString();
    assert.match(text, /^HTTP\/1.1 408 Request Timeout\r\n[\s\S]*connection: close\r\n/);
    assert.equal(server.counters.bodyTimeouts, 1);
    await sleep(20);
    assert.ok(failed instanceof Error, 'the handler reading the body saw it fail');
  } finally {
    await server.close();
  }
});
