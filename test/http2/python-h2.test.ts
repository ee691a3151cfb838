// Cross-checks with python3-h2 (Debian's package, for /usr/bin/python3), sans-IO: bytes go back and
// forth through the peer script's stdin/stdout as base64 lines, no sockets. Both directions: their
// client against our server, our client against their server. Covers multi-megabyte bodies under
// flow control both ways, trailers both ways, RST_STREAM both ways, and GOAWAY.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { Http2Connection } from '../../src/http2/connection.js';
import { ErrorCode } from '../../src/http2/error-code.js';
import type { Http2Event } from '../../src/http2/events.js';
import { concat } from './harness.js';

const PYTHON = '/usr/bin/python3';
const PEER = 'test/http2/h2_peer.py';
const BODY_SIZE = 3 * 1024 * 1024 + 123;
const BIG_SIZE = 2 * 1024 * 1024 + 7;

/** The same bytes as h2_peer.py's body_bytes(). */
function bodyBytes(n: number, seed: number): Buffer {
  const block = Buffer.alloc(4096);
  for (let i = 0; i < 4096; i++) block[i] = (i * 31 + seed) & 0xff;
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += 4096) block.copy(out, at, 0, Math.min(4096, n - at));
  return out;
}

/**
 * Runs the peer script in `mode` against `conn`. `onEvent` handles our events (and may issue
 * commands). Returns the JSON result the peer prints at the end.
 */
async function converse(
  mode: 'client' | 'server' | 'client-many',
  conn: Http2Connection,
  onEvent: (ev: Http2Event) => void,
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the peer script
): Promise<any> {
  const child = spawn(PYTHON, [PEER, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const spawned = await new Promise<Error | null>((resolve) => {
    child.on('spawn', () => resolve(null));
    child.on('error', resolve);
  });
  if (spawned) assert.fail(`cannot run ${PYTHON} (${spawned.message}); install python3 and python3-h2`);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const sendOurs = () => {
    child.stdin.write(`${concat(conn.takeOutput()).toString('base64')}\n`);
  };
  if (mode === 'server') sendOurs(); // our client speaks first
  try {
    for (let round = 0; round < 20_000; round++) {
      const next = await lines.next();
      if (next.done) {
        const code = await exited;
        if (code === 3) assert.fail(stderr.trim());
        assert.fail(`peer exited (${code}) without a result:\n${stderr}`);
      }
      const line = next.value;
      if (line.startsWith('DONE ')) return JSON.parse(line.slice(5));
      for (const ev of conn.receive(Buffer.from(line, 'base64'), round)) onEvent(ev);
      sendOurs();
    }
    assert.fail('no result after 20000 rounds');
  } finally {
    child.stdin.end();
    await exited;
  }
}

test('python3-h2 client against our server: 3 MB echo with trailers both ways, 2 MB download, RST_STREAM both ways, GOAWAY', async () => {
  const server = new Http2Connection('server', { initialWindowSize: 65535, connectionWindowSize: 65535 });
  const paths = new Map<number, string>();
  const requestTrailers = new Map<number, string>();
  const resets: Array<[number, number]> = [];
  let goaway: number | undefined;
  const big = bodyBytes(BIG_SIZE, 2);
  const result = await converse('client', server, (ev) => {
    switch (ev.type) {
      case 'requestReceived': {
        const path = ev.headers.find((h) => h.name === ':path')?.value ?? '';
        paths.set(ev.streamId, path);
        if (path === '/echo') server.sendHeaders(ev.streamId, [[':status', '200']]);
        else if (path === '/big') {
          server.sendHeaders(ev.streamId, [
            [':status', '200'],
            ['content-length', String(BIG_SIZE)],
          ]);
          server.sendData(ev.streamId, big, { endStream: true });
        } else if (path === '/reset') server.resetStream(ev.streamId, ErrorCode.REFUSED_STREAM);
        break;
      }
      case 'dataReceived':
        server.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
        server.sendData(ev.streamId, ev.data);
        break;
      case 'trailersReceived':
        requestTrailers.set(ev.streamId, ev.headers.map((h) => `${h.name}=${h.value}`).join(','));
        break;
      case 'streamEnded':
        if (paths.get(ev.streamId) === '/echo')
          server.sendTrailers(ev.streamId, [['x-server-trailer', 'done']]);
        break;
      case 'streamReset':
        resets.push([ev.streamId, ev.errorCode]);
        break;
      case 'goAwayReceived':
        goaway = ev.errorCode;
        break;
      default:
        break;
    }
  });
  // What python3-h2 saw, checked on its side and reported back:
  assert.equal(result.echo_ok, true, `echo of ${result.echo_len} octets, expected ${BODY_SIZE}`);
  assert.equal(result.echo_status, '200');
  assert.deepEqual(result.echo_trailers, { 'x-server-trailer': 'done' });
  assert.equal(result.big_len, BIG_SIZE);
  assert.equal(result.big_sha, createHash('sha256').update(big).digest('hex'));
  assert.deepEqual(result.resets, { 7: ErrorCode.REFUSED_STREAM });
  // What our server saw:
  assert.deepEqual(resets, [[5, ErrorCode.CANCEL]]);
  assert.equal(requestTrailers.get(1), 'x-client-trailer=yes');
  assert.equal(goaway, ErrorCode.NO_ERROR);
  assert.equal(server.isClosed, false);
});

test('our client against a python3-h2 server: 3 MB upload with trailers echoed, 2 MB download, RST_STREAM from the server, GOAWAY', async () => {
  const client = new Http2Connection('client', { initialWindowSize: 65535, connectionWindowSize: 65535 });
  const upload = bodyBytes(BODY_SIZE, 1);
  const req = (path: string, method: string): Array<[string, string]> => [
    [':method', method],
    [':scheme', 'http'],
    [':authority', 'wirestack.test'],
    [':path', path],
  ];
  const echo = client.request(req('/echo', 'POST'));
  client.sendData(echo, upload);
  client.sendTrailers(echo, [['x-client-trailer', 'yes']]);
  const bigId = client.request(req('/big', 'GET'), { endStream: true });
  const resetId = client.request(req('/reset', 'GET'), { endStream: true });
  const bodies = new Map<number, Buffer[]>();
  const trailers = new Map<number, Record<string, string>>();
  const status = new Map<number, string>();
  const ended = new Set<number>();
  const resets: Array<[number, number]> = [];
  let lastId = 0;
  let goaway: { lastStreamId: number; errorCode: number } | undefined;
  const result = await converse('server', client, (ev) => {
    switch (ev.type) {
      case 'responseReceived':
        status.set(ev.streamId, ev.headers.find((h) => h.name === ':status')?.value ?? '');
        break;
      case 'dataReceived':
        bodies.set(ev.streamId, [...(bodies.get(ev.streamId) ?? []), Buffer.from(ev.data)]);
        client.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
        break;
      case 'trailersReceived':
        trailers.set(ev.streamId, Object.fromEntries(ev.headers.map((h) => [h.name, h.value])));
        break;
      case 'streamEnded':
        ended.add(ev.streamId);
        break;
      case 'streamReset':
        resets.push([ev.streamId, ev.errorCode]);
        break;
      case 'goAwayReceived':
        goaway = { lastStreamId: ev.lastStreamId, errorCode: ev.errorCode };
        break;
      default:
        break;
    }
    if (lastId === 0 && ended.has(echo) && ended.has(bigId) && resets.length > 0) {
      lastId = client.request(req('/last', 'GET'), { endStream: true });
    }
  });
  const echoed = Buffer.concat(bodies.get(echo) ?? []);
  assert.equal(echoed.length, BODY_SIZE);
  assert.ok(echoed.equals(upload));
  assert.equal(status.get(echo), '200');
  assert.deepEqual(trailers.get(echo), {
    'x-server-trailer': createHash('sha256').update(upload).digest('hex'),
  });
  assert.ok(Buffer.concat(bodies.get(bigId) ?? []).equals(bodyBytes(BIG_SIZE, 2)));
  assert.deepEqual(resets, [[resetId, ErrorCode.REFUSED_STREAM]]);
  assert.equal(status.get(lastId), '204');
  assert.deepEqual(goaway, { lastStreamId: lastId, errorCode: ErrorCode.NO_ERROR });
  assert.throws(() => client.request(req('/', 'GET')), /GOAWAY/);
  // What python3-h2 saw:
  assert.deepEqual(result.upload_lens, { [echo]: BODY_SIZE });
  assert.deepEqual(result.request_trailers, { [echo]: { 'x-client-trailer': 'yes' } });
  assert.deepEqual(result.resets, {});
});

test('python3-h2 client: 60 concurrent streams with padded DATA, a 40 KB header over CONTINUATION, HEADER_TABLE_SIZE 0', async () => {
  const server = new Http2Connection('server');
  const echoHeaders = new Map<number, string>();
  const result = await converse('client-many', server, (ev) => {
    if (ev.type === 'requestReceived') {
      const index = ev.headers.find((h) => h.name === 'x-index')?.value ?? '';
      echoHeaders.set(ev.streamId, index);
      const large = ev.headers.find((h) => h.name === 'x-large')?.value;
      const fields: Array<[string, string]> = [
        [':status', '200'],
        ['x-index', index],
      ];
      if (large !== undefined) fields.push(['x-large', large]);
      server.sendHeaders(ev.streamId, fields);
    } else if (ev.type === 'dataReceived') {
      server.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
      server.sendData(ev.streamId, ev.data);
    } else if (ev.type === 'streamEnded') server.endStream(ev.streamId);
  });
  assert.equal(result.streams, 60);
  assert.equal(result.bodies_ok, true);
  assert.deepEqual(
    result.x_index,
    Array.from({ length: 60 }, (_, i) => String(i)),
  );
  assert.equal(result.large_len, 40000);
  assert.equal(result.table_size, 0);
  assert.equal(echoHeaders.size, 60);
});
