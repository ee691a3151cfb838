// Client interceptors on our GrpcChannel against a stock @grpc/grpc-js server (so the metadata and
// statuses are what another stack sends and sees): token and metadata injection, hook order,
// retries with backoff on UNAVAILABLE, logging; and our client and server both intercepted.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  authInterceptor,
  bearerTokenInterceptor,
  type ClientCall,
  type ClientInterceptor,
  clientLoggingInterceptor,
  GrpcChannel,
  GrpcError,
  GrpcServer,
  GrpcStatus,
  type InterceptedClientCall,
  jwtHs256Verifier,
  Metadata,
  makeClient,
  metadataInterceptor,
  methodDefinition,
  RETRY_PUSHBACK_KEY,
  retryInterceptor,
  type ServerCall,
  type ServiceClient,
  signJwtHs256,
  statusName,
} from '../../src/grpc/index.js';
import { ProtoSchema } from '../../src/protobuf/index.js';
import { echoSchema, echoServiceDefinition, startEchoServer, waitFor } from './interceptors-support.js';

interface Echo {
  message?: string;
  index?: number;
  repeat?: number;
}

/** What the grpc-js server saw: one entry per call it received. */
interface Seen {
  method: string;
  message: string;
  metadata: grpc.Metadata;
}

/**
 * A grpc-js Echo server. Say and Join fail with UNAVAILABLE while `failuresLeft` (per message
 * text) says so, with an optional pushback trailer; otherwise they echo.
 */
async function startGrpcJsEcho(t: TestContext) {
  const seen: Seen[] = [];
  const failuresLeft = new Map<string, number>();
  const pushback = new Map<string, string>();
  const failing = (message: string): grpc.ServerErrorResponse | null => {
    const n = failuresLeft.get(message) ?? 0;
    if (n === 0) return null;
    failuresLeft.set(message, n - 1);
    const metadata = new grpc.Metadata();
    const p = pushback.get(message);
    if (p !== undefined) metadata.set(RETRY_PUSHBACK_KEY, p);
    return Object.assign(new Error('try again'), {
      code: grpc.status.UNAVAILABLE,
      details: 'try again',
      metadata,
    });
  };
  const server = new grpc.Server();
  server.addService(echoServiceDefinition, {
    Say(call: grpc.ServerUnaryCall<Echo, Echo>, cb: grpc.sendUnaryData<Echo>) {
      const message = call.request.message ?? '';
      seen.push({ method: 'Say', message, metadata: call.metadata });
      const err = failing(message);
      if (err) return cb(err);
      if (message === 'internal') return cb({ code: grpc.status.INTERNAL, details: 'broken' });
      cb(null, { message, index: 0 });
    },
    Repeat(call: grpc.ServerWritableStream<Echo, Echo>) {
      const message = call.request.message ?? '';
      seen.push({ method: 'Repeat', message, metadata: call.metadata });
      const err = failing(message);
      if (err) return void call.emit('error', err);
      for (let i = 0; i < (call.request.repeat ?? 0); i++) call.write({ message, index: i });
      call.end();
    },
    Join(call: grpc.ServerReadableStream<Echo, Echo>, cb: grpc.sendUnaryData<Echo>) {
      const parts: string[] = [];
      call.on('data', (m: Echo) => parts.push(m.message ?? ''));
      call.on('end', () => {
        const message = parts.join(' ');
        seen.push({ method: 'Join', message, metadata: call.metadata });
        const err = failing(message);
        if (err) return cb(err);
        cb(null, { message, index: parts.length });
      });
    },
    Chat(call: grpc.ServerDuplexStream<Echo, Echo>) {
      seen.push({ method: 'Chat', message: '', metadata: call.metadata });
      let i = 0;
      call.on('data', (m: Echo) => call.write({ message: m.message, index: i++ }));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  t.after(() => server.forceShutdown());
  return { address: `127.0.0.1:${port}`, seen, failuresLeft, pushback };
}

/** Our channel and an Echo stub, closed when the test ends. */
function ourClient(
  t: TestContext,
  address: string,
  channelInterceptors: ClientInterceptor[],
  stubInterceptors?: ClientInterceptor[],
): { client: ServiceClient; channel: GrpcChannel } {
  const channel = new GrpcChannel(address, { interceptors: channelInterceptors });
  t.after(() => channel.close());
  const client = makeClient(echoSchema.service('wirestack.demo.Echo'), channel, {
    schema: echoSchema,
    interceptors: stubInterceptors,
  });
  return { client, channel };
}

test('bearer token and metadata injection reach a grpc-js server; the call’s own values win', async (t) => {
  const server = await startGrpcJsEcho(t);
  let fetches = 0;
  const { client } = ourClient(t, server.address, [
    bearerTokenInterceptor({
      token: async () => {
        fetches++;
        return 'fresh-token';
      },
    }),
    metadataInterceptor({ metadata: new Metadata().set('x-client', 'batch').set('x-region', 'eu') }),
  ]);
  await client.say({ message: 'a' });
  await client.say(
    { message: 'b' },
    { metadata: new Metadata().set('authorization', 'Bearer mine').set('x-region', 'us') },
  );
  assert.equal(fetches, 2);
  assert.deepEqual(server.seen[0].metadata.get('authorization'), ['Bearer fresh-token']);
  assert.deepEqual(server.seen[0].metadata.get('x-client'), ['batch']);
  assert.deepEqual(server.seen[1].metadata.get('authorization'), ['Bearer mine']);
  assert.deepEqual(server.seen[1].metadata.get('x-region'), ['us']);
  assert.throws(() => bearerTokenInterceptor({ token: 'has space' }), /printable ASCII/);
});

test('metadataInterceptor with overwrite, and from a function per call', async (t) => {
  const server = await startGrpcJsEcho(t);
  let n = 0;
  const { client } = ourClient(t, server.address, [
    metadataInterceptor({ metadata: () => new Metadata().set('x-seq', String(++n)) }),
    metadataInterceptor({ metadata: new Metadata().set('x-region', 'eu'), overwrite: true }),
  ]);
  await client.say({ message: 'a' }, { metadata: new Metadata().set('x-region', 'us') });
  await client.say({ message: 'b' });
  assert.deepEqual(server.seen[0].metadata.get('x-region'), ['eu']);
  assert.deepEqual(
    server.seen.map((s) => s.metadata.get('x-seq')[0]),
    ['1', '2'],
  );
});

/** Records hooks and tags messages, as on the server side. */
function recorder(name: string, events: string[]): ClientInterceptor {
  return {
    name,
    before: () => void events.push(`${name}:before`),
    onRequest: (m: Echo) => {
      events.push(`${name}:request`);
      return { ...m, message: `${m.message}+${name}` };
    },
    onResponse: (m: Echo) => {
      events.push(`${name}:response`);
      return { ...m, message: `${m.message}<${name}` };
    },
    after: (c) => void events.push(`${name}:after:${statusName(c.status?.code ?? -1)}`),
  };
}

test('client hook order: channel interceptors outside the stub’s; requests outward first, responses inward', async (t) => {
  const server = await startGrpcJsEcho(t);
  const events: string[] = [];
  const { client } = ourClient(t, server.address, [recorder('A', events)], [recorder('B', events)]);
  const res = await client.say({ message: 'hi' });
  assert.equal(res.message, 'hi+A+B<B<A');
  assert.equal(server.seen[0].message, 'hi+A+B');
  assert.deepEqual(events, [
    'A:before',
    'B:before',
    'A:request',
    'B:request',
    'B:response',
    'A:response',
    'B:after:OK',
    'A:after:OK',
  ]);

  // A bidi stream: every message both ways.
  events.length = 0;
  const chat = client.chat() as ClientCall<Echo, Echo>;
  chat.write({ message: 'x' });
  chat.write({ message: 'y' });
  chat.end();
  const got: string[] = [];
  for await (const m of chat) got.push(m.message ?? '');
  assert.deepEqual(got, ['x+A+B<B<A', 'y+A+B<B<A']);
  assert.equal(events.filter((e) => e.endsWith(':response')).length, 4);
  assert.deepEqual(events.slice(-2), ['B:after:OK', 'A:after:OK']);
});

test('client hook errors become the call’s status; a refusing before sends nothing', async (t) => {
  const server = await startGrpcJsEcho(t);
  const refuse: ClientInterceptor = {
    name: 'refuse',
    before: () => {
      throw new GrpcError(GrpcStatus.FAILED_PRECONDITION, 'not logged in');
    },
  };
  const seenByOuter: string[] = [];
  const outer: ClientInterceptor = {
    name: 'outer',
    after: (c) => void seenByOuter.push(statusName(c.status?.code ?? -1)),
  };
  const refused = ourClient(t, server.address, [outer, refuse]).client;
  await assert.rejects(refused.say({ message: 'x' }), {
    status: GrpcStatus.FAILED_PRECONDITION,
    details: 'not logged in',
  });
  assert.equal(server.seen.length, 0);
  assert.deepEqual(seenByOuter, ['FAILED_PRECONDITION']);

  const badResponse = ourClient(t, server.address, [
    {
      name: 'validate',
      onResponse: () => {
        throw new Error('response failed validation');
      },
    },
  ]).client;
  await assert.rejects(badResponse.say({ message: 'x' }), {
    status: GrpcStatus.UNKNOWN,
    details: 'response failed validation',
  });

  const badRequest = ourClient(t, server.address, [
    {
      name: 'validate',
      onRequest: () => {
        throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'empty message');
      },
    },
  ]).client;
  await assert.rejects(badRequest.say({ message: '' }), { status: GrpcStatus.INVALID_ARGUMENT });

  const rewrite = ourClient(t, server.address, [
    {
      name: 'rewrite',
      after: () => {
        throw new GrpcError(GrpcStatus.DATA_LOSS, 'audit failed');
      },
    },
  ]).client;
  await assert.rejects(rewrite.say({ message: 'x' }), {
    status: GrpcStatus.DATA_LOSS,
    details: 'audit failed',
  });
});

test('retry: an idempotent call that fails UNAVAILABLE twice succeeds on the third attempt', async (t) => {
  const server = await startGrpcJsEcho(t);
  const attempts: number[] = [];
  const counter: ClientInterceptor = { name: 'count', after: (c) => void attempts.push(c.attempts) };
  const { client } = ourClient(t, server.address, [
    counter,
    retryInterceptor({ initialBackoffMs: 5, maxAttempts: 3, idempotentMethods: ['/wirestack.demo.Echo/*'] }),
  ]);
  server.failuresLeft.set('flaky', 2);
  const res = await client.say({ message: 'flaky' });
  assert.equal(res.message, 'flaky');
  assert.equal(server.seen.length, 3);
  assert.deepEqual(attempts, [3]);

  // Three failures with three attempts allowed: the last failure stands.
  server.failuresLeft.set('worse', 3);
  await assert.rejects(client.say({ message: 'worse' }), { status: GrpcStatus.UNAVAILABLE });
  assert.deepEqual(attempts, [3, 3]);

  // Not a retryable status: one attempt.
  await assert.rejects(client.say({ message: 'internal' }), { status: GrpcStatus.INTERNAL });
  assert.deepEqual(attempts, [3, 3, 1]);

  // A server stream and a client stream are retried too, their requests sent again.
  server.failuresLeft.set('stream', 1);
  const got: Echo[] = [];
  for await (const m of client.repeat({ message: 'stream', repeat: 2 }) as ClientCall<Echo, Echo>)
    got.push(m);
  assert.deepEqual(
    got.map((m) => m.index ?? 0),
    [0, 1],
  );
  server.failuresLeft.set('a b c', 1);
  const join = client.join() as ClientCall<Echo, Echo>;
  for (const m of ['a', 'b', 'c']) join.write({ message: m });
  join.end();
  const joined = await join.response;
  assert.deepEqual([joined.message, joined.index], ['a b c', 3]);
  assert.deepEqual(
    server.seen.filter((s) => s.method === 'Join').map((s) => s.message),
    ['a b c', 'a b c'],
  );
});

test('retry: never for methods not known to be idempotent', async (t) => {
  const server = await startGrpcJsEcho(t);
  const { client } = ourClient(t, server.address, [
    retryInterceptor({ initialBackoffMs: 5, idempotentMethods: ['/wirestack.demo.Echo/Repeat'] }),
  ]);
  server.failuresLeft.set('once', 1);
  await assert.rejects(client.say({ message: 'once' }), { status: GrpcStatus.UNAVAILABLE });
  assert.equal(server.seen.length, 1);
});

test('retry: the server’s pushback replaces the backoff, and a negative one stops retrying', async (t) => {
  const server = await startGrpcJsEcho(t);
  const { client } = ourClient(t, server.address, [
    // A 10 s backoff: only the server's pushback can make these retries quick.
    retryInterceptor({ initialBackoffMs: 10_000, idempotentMethods: ['*'] }),
  ]);
  server.failuresLeft.set('soon', 1);
  server.pushback.set('soon', '20');
  const started = performance.now();
  assert.equal((await client.say({ message: 'soon' })).message, 'soon');
  const took = performance.now() - started;
  assert.ok(took >= 15 && took < 5000, `took ${took} ms`);

  server.failuresLeft.set('never', 1);
  server.pushback.set('never', '-1');
  await assert.rejects(client.say({ message: 'never' }), { status: GrpcStatus.UNAVAILABLE });
  assert.equal(server.seen.filter((s) => s.message === 'never').length, 1);
});

test('retry: not past the deadline, not past the replay buffer', async (t) => {
  const server = await startGrpcJsEcho(t);
  const slow = ourClient(t, server.address, [
    retryInterceptor({ initialBackoffMs: 10_000, jitter: 0, idempotentMethods: ['*'] }),
  ]);
  server.failuresLeft.set('deadline', 1);
  const started = performance.now();
  await assert.rejects(slow.client.say({ message: 'deadline' }, { timeoutMs: 3000 }), {
    status: GrpcStatus.UNAVAILABLE,
  });
  assert.ok(performance.now() - started < 2500, 'failed at once instead of sleeping past the deadline');

  const small = ourClient(t, server.address, [
    retryInterceptor({ initialBackoffMs: 5, retryBufferBytes: 16, idempotentMethods: ['*'] }),
  ]);
  const big = 'x'.repeat(64);
  server.failuresLeft.set(big, 1);
  await assert.rejects(small.client.say({ message: big }), { status: GrpcStatus.UNAVAILABLE });
  assert.equal(server.seen.filter((s) => s.message === big).length, 1);
});

test('retry: a cancel during the backoff ends the call at once as CANCELLED', async (t) => {
  const server = await startGrpcJsEcho(t);
  const { client } = ourClient(t, server.address, [
    retryInterceptor({ initialBackoffMs: 60_000, jitter: 0, idempotentMethods: ['*'] }),
  ]);
  server.failuresLeft.set('x', 5);
  const controller = new AbortController();
  const p = client.say({ message: 'x' }, { signal: controller.signal });
  await waitFor(() => server.seen.length === 1);
  controller.abort();
  await assert.rejects(p, { status: GrpcStatus.CANCELLED });
  assert.equal(server.seen.length, 1);
});

test('retry: methods the .proto marks idempotent are retried without being listed', async (t) => {
  const schema = ProtoSchema.fromSources({
    'kv.proto': `syntax = "proto3"; package kv;
      message Key { string key = 1; }
      message Value { string value = 1; }
      service Store {
        rpc Get(Key) returns (Value) { option idempotency_level = NO_SIDE_EFFECTS; }
        rpc Delete(Key) returns (Value) { option idempotency_level = IDEMPOTENT; }
        rpc Append(Key) returns (Value);
      }`,
  });
  const service = schema.service('kv.Store');
  assert.deepEqual(
    service.methods.map((m) => methodDefinition(service, m, schema).idempotent),
    [true, true, false],
  );
  const calls: string[] = [];
  const flaky = (name: string) => () => {
    calls.push(name);
    // Every method fails once per name: the first call of each is UNAVAILABLE.
    if (calls.filter((c) => c === name).length === 1)
      throw new GrpcError(GrpcStatus.UNAVAILABLE, 'warming up');
    return { value: name };
  };
  const server = new GrpcServer();
  server.addService(schema, 'kv.Store', {
    Get: flaky('Get'),
    Delete: flaky('Delete'),
    Append: flaky('Append'),
  });
  t.after(() => server.close({ drainTimeoutMs: 200 }));
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const channel = new GrpcChannel(`127.0.0.1:${port}`, {
    interceptors: [retryInterceptor({ initialBackoffMs: 5 })],
  });
  t.after(() => channel.close());
  const kv = makeClient(service, channel, { schema });
  assert.equal((await kv.get({ key: 'k' })).value, 'Get');
  assert.equal((await kv.delete({ key: 'k' })).value, 'Delete');
  await assert.rejects(kv.append({ key: 'k' }), { status: GrpcStatus.UNAVAILABLE });
  assert.deepEqual(calls, ['Get', 'Get', 'Delete', 'Delete', 'Append']);
});

test('retryInterceptor checks its configuration', () => {
  assert.throws(() => retryInterceptor({ maxAttempts: 0 }), /maxAttempts/);
  assert.throws(() => retryInterceptor({ maxAttempts: 11 }), /maxAttempts/);
  assert.throws(() => retryInterceptor({ jitter: 1 }), /jitter/);
  assert.throws(() => retryInterceptor({ idempotentMethods: ['Say'] }), /method pattern/);
});

test('client logging: one line per call with target, attempts, status, counts; authorization redacted', async (t) => {
  const server = await startGrpcJsEcho(t);
  const lines: string[] = [];
  const { client } = ourClient(t, server.address, [
    clientLoggingInterceptor({ sink: (l) => lines.push(l) }),
    bearerTokenInterceptor({ token: 'secret-token' }),
    retryInterceptor({ initialBackoffMs: 5, idempotentMethods: ['*'] }),
  ]);
  server.failuresLeft.set('flaky', 1);
  await client.say({ message: 'flaky' });
  await assert.rejects(client.say({ message: 'internal' }));
  assert.equal(lines.length, 2);
  const [ok, failed] = lines.map((l) => JSON.parse(l));
  assert.equal(ok.side, 'client');
  assert.equal(ok.method, '/wirestack.demo.Echo/Say');
  assert.equal(ok.target, server.address);
  assert.equal(ok.status, 'OK');
  assert.equal(ok.attempts, 2);
  // 7 bytes out ("flaky"); 9 back, as protobufjs on the grpc-js side also writes the zero index.
  assert.deepEqual([ok.messagesOut, ok.messagesIn, ok.bytesOut, ok.bytesIn], [1, 1, 7, 9]);
  assert.equal(ok.metadata.authorization, '[REDACTED]');
  assert.ok(!lines.join('').includes('secret-token'));
  assert.equal(failed.status, 'INTERNAL');
  assert.equal(failed.message, 'broken');
  assert.equal(failed.attempts, 1);
});

test('end to end: our client with a JWT interceptor, our server with auth; the identity reaches the handler', async (t) => {
  const secret = 'end-to-end-secret-that-is-long-enough';
  const { address } = await startEchoServer(
    t,
    { interceptors: [authInterceptor({ verifier: jwtHs256Verifier({ secret }) })] },
    {
      Say: (_req: Echo, call: ServerCall) => ({ message: `hello ${call.identity?.subject}`, index: 0 }),
    },
  );
  const token = signJwtHs256({ sub: 'grace', exp: Math.floor(Date.now() / 1000) + 60 }, secret);
  const seen: InterceptedClientCall[] = [];
  const { client } = ourClient(t, address, [
    { name: 'spy', after: (c) => void seen.push(c) },
    bearerTokenInterceptor({ token }),
  ]);
  assert.equal((await client.say({})).message, 'hello grace');
  assert.equal(seen[0].status?.code, GrpcStatus.OK);
  const anonymous = ourClient(t, address, []).client;
  await assert.rejects(anonymous.say({}), { status: GrpcStatus.UNAUTHENTICATED });
});
