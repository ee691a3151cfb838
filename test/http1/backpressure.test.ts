// What a client can make us buffer: pipelined requests while a handler is busy, and a request
// body the handler has not read yet. Both are bounded; reading resumes once they drain.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Http1Server } from '../../src/drivers/http1-server.js';
import { connectNode, sleep, waitFor } from '../support/processes.js';

const READ_CHUNK = 64 * 1024; // one read(2) of TcpConnection may land before reading pauses

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

test('attack: pipelining flood against a busy handler: buffered bytes stay under maxPipelinedBytes', async () => {
  const server = new Http1Server({ maxPipelinedBytes: 16 * 1024 });
  const g = gate();
  let first = true;
  server.get('/r', async (_req, res) => {
    if (first) {
      first = false;
      await g.opened;
    }
    res.send('ok');
  });
  const { port } = await server.listen({ port: 0 });
  const sock = await connectNode(port);
  try {
    const count = 6000;
    const one = 'GET /r HTTP/1.1\r\nHost: t\r\n\r\n';
    let got = '';
    let responses = 0;
    sock.on('data', (d) => {
      got += d.toString('latin1');
      const parts = got.split('HTTP/1.1 200 OK');
      responses += parts.length - 1;
      got = parts[parts.length - 1];
    });
    sock.write(one.repeat(count)); // 168 KB of requests
    await sleep(300);
    const [conn] = server.connections;
    assert.ok(conn.core.buffered <= 16 * 1024 + READ_CHUNK, `buffered ${conn.core.buffered} bytes`);
    g.open();
    await waitFor(() => responses >= count, 20_000, `${count} responses (got ${responses})`);
    assert.equal(responses, count);
  } finally {
    sock.destroy();
    await server.close();
  }
});

test('attack: a body sent to a handler that does not read it yet: queued bytes stay under bodyHighWaterMark', async () => {
  const server = new Http1Server({ bodyHighWaterMark: 32 * 1024, limits: { maxBodyBytes: 4 * 1024 * 1024 } });
  const g = gate();
  server.post('/upload', async (req, res) => {
    await g.opened;
    // Read late, after many reads have reused the parser's buffer: the queued chunks must be copies.
    let n = 0;
    const hash = createHash('sha256');
    for await (const chunk of req) {
      n += chunk.byteLength;
      hash.update(chunk);
    }
    res.json({ n, sha256: hash.digest('hex') });
  });
  const { port } = await server.listen({ port: 0 });
  const sock = await connectNode(port);
  try {
    const size = 2 * 1024 * 1024;
    let reply = '';
    sock.on('data', (d) => {
      reply += d.toString();
    });
    sock.write(`POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: ${size}\r\n\r\n`);
    const body = randomBytes(size);
    sock.write(body);
    await sleep(400);
    const [conn] = server.connections;
    const queued = conn.currentRequest?.queuedBytes ?? -1;
    assert.ok(queued > 0 && queued <= 32 * 1024 + READ_CHUNK, `queued ${queued} bytes`);
    assert.ok(conn.core.buffered <= READ_CHUNK, `core buffered ${conn.core.buffered}`);
    g.open();
    const digest = createHash('sha256').update(body).digest('hex');
    await waitFor(
      () => reply.includes(`{"n":${size},"sha256":"${digest}"}`),
      10_000,
      `the upload reply: ${reply}`,
    );
  } finally {
    sock.destroy();
    await server.close();
  }
});

test('a handler that answers without reading a large body: the rest is drained and the connection serves on', async () => {
  const server = new Http1Server({ bodyHighWaterMark: 16 * 1024, limits: { maxBodyBytes: 4 * 1024 * 1024 } });
  const g = gate();
  server.post('/reject', async (_req, res) => {
    await g.opened;
    res.status(422).json({ error: 'not reading that' });
  });
  server.get('/next', (_req, res) => res.send('next'));
  const { port } = await server.listen({ port: 0 });
  const sock = await connectNode(port);
  try {
    let reply = '';
    sock.on('data', (d) => {
      reply += d.toString();
    });
    const size = 1024 * 1024;
    sock.write(`POST /reject HTTP/1.1\r\nHost: t\r\nContent-Length: ${size}\r\n\r\n`);
    sock.write(Buffer.alloc(size, 2));
    sock.write('GET /next HTTP/1.1\r\nHost: t\r\n\r\n');
    await sleep(200);
    g.open();
    await waitFor(
      () => reply.endsWith('next'),
      10_000,
      `the second response (got ${JSON.stringify(reply.slice(0, 200))})`,
    );
    assert.match(reply, /^HTTP\/1.1 422 /);
    assert.equal(server.tcp.counters.accepted, 1);
  } finally {
    sock.destroy();
    await server.close();
  }
});
