// The logging interceptor: one JSON line per call, on every call kind, refused calls included, with
// credentials redacted; driven by a stock @grpc/grpc-js client.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  authInterceptor,
  loggingInterceptor,
  staticTokenVerifier,
  writableLogSink,
} from '../../src/grpc/index.js';
import {
  bearer,
  grpcJsEchoClient,
  readStream,
  type Stub,
  startEchoServer,
  unary,
  waitFor,
} from './interceptors-support.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed log lines
type Line = Record<string, any>;

async function loggedServer(
  t: Parameters<typeof startEchoServer>[0],
  extra: Parameters<typeof loggingInterceptor>[0] | object = {},
) {
  const lines: string[] = [];
  const logging = loggingInterceptor({ sink: (l) => lines.push(l), ...extra });
  const auth = authInterceptor({
    verifier: staticTokenVerifier({ 'token-123': { subject: 'alice', scopes: [] } }),
  });
  const { address } = await startEchoServer(t, { interceptors: [logging, auth] });
  const client = grpcJsEchoClient(t, address);
  const next = async (): Promise<Line> => {
    await waitFor(() => lines.length > 0, 2000, 'a log line');
    const line = lines.shift() as string;
    assert.ok(!line.includes('\n'), 'one line');
    return JSON.parse(line);
  };
  return { client, lines, next, logging };
}

test('a unary call: one line with method, peer, identity, status, duration, counts; authorization redacted', async (t) => {
  const { client, next } = await loggedServer(t);
  const md = bearer('token-123');
  md.set('x-request-id', 'req-1');
  md.set('trace-bin', Buffer.from([1, 2, 3]));
  const { err } = await unary(client, 'say', { message: 'hello' }, md);
  assert.equal(err, null);
  const line = await next();
  assert.equal(line.side, 'server');
  assert.equal(line.method, '/wirestack.demo.Echo/Say');
  assert.equal(line.kind, 'unary');
  assert.match(line.peer, /^127\.0\.0\.1:\d+$/);
  assert.equal(line.identity, 'alice');
  assert.equal(line.status, 'OK');
  assert.equal(line.code, 0);
  assert.equal(typeof line.durationMs, 'number');
  assert.ok(line.durationMs >= 0);
  assert.equal(line.messagesIn, 1);
  assert.equal(line.messagesOut, 1);
  assert.equal(line.bytesIn, 7); // field 1, length 5, "hello"
  assert.equal(line.bytesOut, 7);
  assert.ok(!Number.isNaN(Date.parse(line.time)));
  assert.equal(line.metadata.authorization, '[REDACTED]');
  assert.equal(line.metadata['x-request-id'], 'req-1');
  assert.equal(line.metadata['trace-bin'], '<3 bytes>');
  assert.ok(!JSON.stringify(line).includes('token-123'));
});

test('refused calls are logged too, with their status and message', async (t) => {
  const { client, next } = await loggedServer(t);
  const bad = bearer('stolen-guess');
  const { err } = await unary(client, 'say', { message: 'x' }, bad);
  assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
  const line = await next();
  assert.equal(line.status, 'UNAUTHENTICATED');
  assert.equal(line.code, 16);
  assert.match(line.message, /unknown bearer token/);
  assert.equal(line.identity, undefined);
  assert.equal(line.messagesOut, 0);
  assert.equal(line.metadata.authorization, '[REDACTED]');
  assert.ok(!JSON.stringify(line).includes('stolen-guess'));
});

test('streaming calls: messages and bytes each way', async (t) => {
  const { client, next } = await loggedServer(t);
  const rep = await readStream(client.repeat({ message: 'ab', repeat: 3 }, bearer('token-123')));
  assert.equal(rep.err, null);
  const r = await next();
  assert.equal(r.kind, 'server-streaming');
  assert.deepEqual([r.messagesIn, r.messagesOut], [1, 3]);
  assert.equal(r.bytesOut, 4 + 6 + 6); // "ab" (4 bytes), plus the index field (2 bytes) when not 0

  const joined = await new Promise<Stub>((resolve, reject) => {
    const call = client.join(bearer('token-123'), (err: Error | null, res: Stub) =>
      err ? reject(err) : resolve(res),
    );
    for (const m of ['a', 'b', 'c', 'd']) call.write({ message: m });
    call.end();
  });
  assert.equal(joined.message, 'a b c d');
  const j = await next();
  assert.equal(j.kind, 'client-streaming');
  assert.deepEqual([j.messagesIn, j.messagesOut, j.bytesIn], [4, 1, 12]);

  const chat = client.chat(bearer('token-123'));
  chat.write({ message: 'x' });
  chat.write({ message: 'y' });
  chat.end();
  assert.equal((await readStream(chat)).messages.length, 2);
  const c = await next();
  assert.equal(c.kind, 'bidi-streaming');
  assert.deepEqual([c.messagesIn, c.messagesOut, c.status], [2, 2, 'OK']);
});

test('configurable: extra redacted keys, metadata left out, long values cut', async (t) => {
  const { client, next } = await loggedServer(t, {
    redactKeys: ['authorization', 'x-session'],
    maxValueLength: 8,
  });
  const md = bearer('token-123');
  md.set('x-session', 'abc');
  md.set('x-long', 'x'.repeat(50));
  md.add('x-tag', 'a"b');
  md.add('x-tag', 'c\\d');
  await unary(client, 'say', {}, md);
  const line = await next();
  assert.equal(line.metadata['x-session'], '[REDACTED]');
  assert.equal(line.metadata['x-long'], 'xxxxxxxx...(50 chars)');
  // Several values of a key are an array; quotes and backslashes are escaped.
  assert.deepEqual(line.metadata['x-tag'], ['a"b', 'c\\d']);

  const quiet = await loggedServer(t, { includeMetadata: false });
  await unary(quiet.client, 'say', {}, bearer('token-123'));
  assert.equal((await quiet.next()).metadata, undefined);
});

test('a sink that throws changes nothing about the call; the failure is counted', async (t) => {
  const logging = loggingInterceptor({
    sink: () => {
      throw new Error('disk full');
    },
  });
  const { address } = await startEchoServer(t, { interceptors: [logging] });
  const { err, res } = await unary(grpcJsEchoClient(t, address), 'say', { message: 'still fine' });
  assert.equal(err, null);
  assert.equal(res.message, 'still fine');
  await waitFor(() => logging.sinkErrors === 1);
});

test('writableLogSink: one write per event-loop turn, newline-terminated', async () => {
  const chunks: string[] = [];
  const sink = writableLogSink({ write: (c: string) => chunks.push(c) > 0 });
  sink('{"a":1}');
  sink('{"a":2}');
  assert.deepEqual(chunks, []);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(chunks, ['{"a":1}\n{"a":2}\n']);
  sink('{"a":3}');
  sink.flush();
  assert.deepEqual(chunks.at(-1), '{"a":3}\n');
});

test('writableLogSink: a backed-up stream holds at most maxBufferedBytes, then lines are dropped and counted', async () => {
  const chunks: string[] = [];
  let drain: (() => void) | undefined;
  const stream = {
    write: (c: string) => {
      chunks.push(c);
      return false; // always "backed up"
    },
    once: (_event: 'drain', fn: () => void) => {
      drain = fn;
    },
  };
  const sink = writableLogSink(stream, { maxBufferedBytes: 100 });
  sink('x'.repeat(10));
  await new Promise((r) => setImmediate(r));
  assert.equal(chunks.length, 1);
  for (let i = 0; i < 20; i++) sink('y'.repeat(9)); // 10 bytes each with the newline
  await new Promise((r) => setImmediate(r));
  assert.equal(chunks.length, 1, 'nothing more is written until drain');
  assert.equal(sink.dropped, 10);
  drain?.();
  assert.equal(chunks.length, 2);
  assert.equal(chunks[1].length, 100);
});
