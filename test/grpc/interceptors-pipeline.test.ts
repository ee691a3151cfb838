// The server interceptor pipeline against a stock @grpc/grpc-js client: hook order on all four call
// kinds, short-circuits, and errors from every hook turned into the status the client sees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  echoServiceHandlers,
  GrpcError,
  GrpcServer,
  GrpcStatus,
  type InterceptedServerCall,
  type ServerCall,
  type ServerInterceptor,
  type ServiceHandlers,
  statusName,
} from '../../src/grpc/index.js';
import {
  echoSchema,
  grpcJsEchoClient,
  readStream,
  type Stub,
  startEchoServer,
  unary,
  waitFor,
} from './interceptors-support.js';

interface Echo {
  message?: string;
  index?: number;
}

/** Records every hook as `name:hook`, and tags messages so their path through the chain shows. */
function recorder(name: string, events: string[]): ServerInterceptor {
  return {
    name,
    before() {
      events.push(`${name}:before`);
    },
    onRequest(m: Echo) {
      events.push(`${name}:request`);
      return { ...m, message: `${m.message}+${name}` };
    },
    onResponse(m: Echo) {
      events.push(`${name}:response`);
      return { ...m, message: `${m.message}<${name}` };
    },
    after(call) {
      events.push(`${name}:after:${statusName(call.status ?? -1)}`);
    },
  };
}

/** Echo handlers that also note when they run. */
function recordingHandlers(events: string[]): ServiceHandlers {
  const h = echoServiceHandlers();
  // biome-ignore lint/suspicious/noExplicitAny: wraps handlers of every kind alike
  const wrap = (fn: any) => (a: any, b: any) => {
    events.push('handler');
    return fn(a, b);
  };
  return { Say: wrap(h.Say), Repeat: wrap(h.Repeat), Join: wrap(h.Join), Chat: wrap(h.Chat) };
}

test('without interceptors a call has no pipeline (the fast path)', async (t) => {
  let seen: unknown = 'not called';
  const { address } = await startEchoServer(
    t,
    {},
    {
      ...echoServiceHandlers(),
      Say: (req: Echo, call: ServerCall) => {
        seen = call.interception;
        return { message: req.message ?? '', index: 0 };
      },
    },
  );
  const { err } = await unary(grpcJsEchoClient(t, address), 'say', { message: 'x' });
  assert.equal(err, null);
  assert.equal(seen, undefined);
});

test('unary: befores outermost first, requests inward, responses outward, afters innermost first', async (t) => {
  const events: string[] = [];
  const { address } = await startEchoServer(
    t,
    { interceptors: [recorder('A', events), recorder('B', events)] },
    recordingHandlers(events),
  );
  const { err, res } = await unary(grpcJsEchoClient(t, address), 'say', { message: 'hi' });
  assert.equal(err, null);
  assert.equal(res.message, 'hi+A+B<B<A');
  await waitFor(() => events.length === 9, 2000, 'every hook');
  assert.deepEqual(events, [
    'A:before',
    'B:before',
    'A:request',
    'B:request',
    'handler',
    'B:response',
    'A:response',
    'B:after:OK',
    'A:after:OK',
  ]);
});

test('server streaming: every response message passes the chain', async (t) => {
  const events: string[] = [];
  const { address } = await startEchoServer(
    t,
    { interceptors: [recorder('A', events), recorder('B', events)] },
    recordingHandlers(events),
  );
  const { messages, err } = await readStream(
    grpcJsEchoClient(t, address).repeat({ message: 'r', repeat: 2 }),
  );
  assert.equal(err, null);
  assert.deepEqual(
    messages.map((m: Echo) => m.message),
    ['r+A+B<B<A', 'r+A+B<B<A'],
  );
  await waitFor(() => events.includes('A:after:OK'));
  assert.deepEqual(events, [
    'A:before',
    'B:before',
    'A:request',
    'B:request',
    'handler',
    'B:response',
    'A:response',
    'B:response',
    'A:response',
    'B:after:OK',
    'A:after:OK',
  ]);
});

test('client streaming: every request message passes the chain before the handler reads it', async (t) => {
  const events: string[] = [];
  const { address } = await startEchoServer(
    t,
    { interceptors: [recorder('A', events), recorder('B', events)] },
    recordingHandlers(events),
  );
  const client = grpcJsEchoClient(t, address);
  const res = await new Promise<Stub>((resolve, reject) => {
    const call = client.join((err: Error | null, r: Stub) => (err ? reject(err) : resolve(r)));
    call.write({ message: 'x' });
    call.write({ message: 'y' });
    call.end();
  });
  assert.equal(res.message, 'x+A+B y+A+B<B<A');
  assert.equal(res.index, 2);
  await waitFor(() => events.includes('A:after:OK'));
  assert.deepEqual(events, [
    'A:before',
    'B:before',
    'handler',
    'A:request',
    'B:request',
    'A:request',
    'B:request',
    'B:response',
    'A:response',
    'B:after:OK',
    'A:after:OK',
  ]);
});

test('bidi: requests and responses interleave through the chain', async (t) => {
  const events: string[] = [];
  const { address } = await startEchoServer(
    t,
    { interceptors: [recorder('A', events), recorder('B', events)] },
    recordingHandlers(events),
  );
  const call = grpcJsEchoClient(t, address).chat();
  const got: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    call.on('data', (m: Echo) => {
      got.push(m.message ?? '');
      if (got.length === 1) call.write({ message: 'two' });
      if (got.length === 2) call.end();
    });
    call.on('end', resolve);
    call.on('error', reject);
  });
  call.write({ message: 'one' });
  await done;
  assert.deepEqual(got, ['one+A+B<B<A', 'two+A+B<B<A']);
  await waitFor(() => events.includes('A:after:OK'));
  assert.deepEqual(events, [
    'A:before',
    'B:before',
    'handler',
    'A:request',
    'B:request',
    'B:response',
    'A:response',
    'A:request',
    'B:request',
    'B:response',
    'A:response',
    'B:after:OK',
    'A:after:OK',
  ]);
});

test('a service’s own interceptors run inside the server-wide ones', async (t) => {
  const events: string[] = [];
  const server = new GrpcServer({ interceptors: [recorder('server', events)] });
  server.addService(echoSchema, 'wirestack.demo.Echo', recordingHandlers(events), {
    interceptors: [recorder('service', events)],
  });
  t.after(() => server.close({ drainTimeoutMs: 200 }));
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const { res } = await unary(grpcJsEchoClient(t, `127.0.0.1:${port}`), 'say', { message: 'm' });
  assert.equal(res.message, 'm+server+service<service<server');
  await waitFor(() => events.includes('server:after:OK'));
  assert.deepEqual(events.slice(0, 2), ['server:before', 'service:before']);
  assert.deepEqual(events.slice(-2), ['service:after:OK', 'server:after:OK']);
});

test('short-circuit with a response: the handler and inner interceptors never run; outer ones see the answer', async (t) => {
  const events: string[] = [];
  const cache: ServerInterceptor = {
    name: 'cache',
    before() {
      events.push('cache:before');
      return { response: { message: 'cached', index: 7 } };
    },
    onResponse(m: Echo) {
      events.push('cache:response');
      return m;
    },
    after() {
      events.push('cache:after');
    },
  };
  const { address } = await startEchoServer(
    t,
    { interceptors: [recorder('A', events), cache, recorder('C', events)] },
    recordingHandlers(events),
  );
  const { err, res } = await unary(grpcJsEchoClient(t, address), 'say', { message: 'hi' });
  assert.equal(err, null);
  assert.equal(res.message, 'cached<A');
  assert.equal(res.index, 7);
  await waitFor(() => events.includes('A:after:OK'));
  assert.deepEqual(events, ['A:before', 'cache:before', 'A:response', 'cache:after', 'A:after:OK']);
});

test('short-circuit a server stream with responses, from an async before', async (t) => {
  const events: string[] = [];
  const canned: ServerInterceptor = {
    name: 'canned',
    async before() {
      await new Promise((r) => setTimeout(r, 1));
      return { responses: [{ message: 'a' }, { message: 'b' }] };
    },
  };
  const { address } = await startEchoServer(t, { interceptors: [canned] }, recordingHandlers(events));
  const { messages, err } = await readStream(
    grpcJsEchoClient(t, address).repeat({ message: 'x', repeat: 5 }),
  );
  assert.equal(err, null);
  assert.deepEqual(
    messages.map((m: Echo) => m.message),
    ['a', 'b'],
  );
  assert.deepEqual(events, []);
});

test('a short-circuit of the wrong shape for the method is INTERNAL, naming the interceptor', async (t) => {
  const wrong: ServerInterceptor = { name: 'wrong', before: () => ({ response: { message: 'x' } }) };
  const { address } = await startEchoServer(t, { interceptors: [wrong] });
  const { err } = await readStream(grpcJsEchoClient(t, address).repeat({ message: 'x', repeat: 1 }));
  assert.equal(err?.code, grpc.status.INTERNAL);
  assert.match(err?.details ?? '', /interceptor wrong short-circuited \/wirestack\.demo\.Echo\/Repeat/);
});

test('a before that rejects: later befores and the handler never run; afters of the reached ones do', async (t) => {
  const events: string[] = [];
  const gate: ServerInterceptor = {
    name: 'gate',
    before() {
      events.push('gate:before');
      throw new GrpcError(GrpcStatus.PERMISSION_DENIED, 'not today');
    },
    after(call) {
      events.push(`gate:after:${statusName(call.status ?? -1)}`);
    },
  };
  const { address } = await startEchoServer(
    t,
    { interceptors: [recorder('A', events), gate, recorder('C', events)] },
    recordingHandlers(events),
  );
  const client = grpcJsEchoClient(t, address);
  for (const kind of ['say', 'join'] as const) {
    events.length = 0;
    const outcome =
      kind === 'say'
        ? (await unary(client, 'say', { message: 'hi' })).err
        : await new Promise<grpc.ServiceError | null>((resolve) => {
            const call = client.join((err: grpc.ServiceError | null) => resolve(err));
            call.write({ message: 'x' });
            call.end();
          });
    assert.equal(outcome?.code, grpc.status.PERMISSION_DENIED, kind);
    assert.equal(outcome?.details, 'not today');
    await waitFor(() => events.includes('A:after:PERMISSION_DENIED'));
    assert.deepEqual(events, [
      'A:before',
      'gate:before',
      'gate:after:PERMISSION_DENIED',
      'A:after:PERMISSION_DENIED',
    ]);
  }
});

test('errors thrown in any hook become the call’s status', async (t) => {
  const cases: [string, ServerInterceptor, string, number, RegExp][] = [
    [
      'before throws a plain Error',
      {
        name: 'x',
        before: () => {
          throw new Error('boom');
        },
      },
      'say',
      grpc.status.UNKNOWN,
      /^boom$/,
    ],
    [
      'onRequest throws',
      {
        name: 'x',
        onRequest: () => {
          throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'bad request message');
        },
      },
      'say',
      grpc.status.INVALID_ARGUMENT,
      /bad request message/,
    ],
    [
      'onResponse throws',
      {
        name: 'x',
        onResponse: () => {
          throw new GrpcError(GrpcStatus.DATA_LOSS, 'bad response message');
        },
      },
      'say',
      grpc.status.DATA_LOSS,
      /bad response message/,
    ],
    [
      'after throws on an OK call',
      {
        name: 'x',
        after: () => {
          throw new GrpcError(GrpcStatus.ABORTED, 'changed my mind');
        },
      },
      'say',
      grpc.status.ABORTED,
      /changed my mind/,
    ],
    [
      'async before rejects',
      {
        name: 'x',
        before: async () => {
          throw new GrpcError(GrpcStatus.UNAVAILABLE, 'backend down');
        },
      },
      'say',
      grpc.status.UNAVAILABLE,
      /backend down/,
    ],
  ];
  for (const [what, interceptor, method, code, details] of cases) {
    const seen: (number | undefined)[] = [];
    const outer: ServerInterceptor = { name: 'outer', after: (c) => void seen.push(c.status) };
    const { address } = await startEchoServer(t, { interceptors: [outer, interceptor] });
    const { err } = await unary(grpcJsEchoClient(t, address), method, { message: 'hi' });
    assert.equal(err?.code, code, what);
    assert.match(err?.details ?? '', details, what);
    // The outer interceptor's after sees the same status as the client.
    await waitFor(() => seen.length === 1, 2000, `${what}: outer after`);
    assert.deepEqual(seen, [code], what);
  }
});

test('a request hook that throws mid-stream ends a bidi call with its status', async (t) => {
  let handlerSaw = 0;
  const picky: ServerInterceptor = {
    name: 'picky',
    onRequest(m: Echo) {
      if (m.message === 'bad') throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'no bad words');
      return m;
    },
  };
  const { address } = await startEchoServer(
    t,
    { interceptors: [picky] },
    {
      ...echoServiceHandlers(),
      // A handler that swallows iteration errors still cannot turn the interceptor's status into OK.
      Chat: async (call: ServerCall<Echo, Echo>) => {
        try {
          for await (const _ of call) handlerSaw++;
        } catch {}
      },
    },
  );
  const call = grpcJsEchoClient(t, address).chat();
  call.write({ message: 'ok' });
  call.write({ message: 'bad' });
  call.write({ message: 'after' });
  call.end();
  const { err } = await readStream(call);
  assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(err?.details, 'no bad words');
  assert.equal(handlerSaw, 1);
});

test('after hooks add trailers and see duration, counters and the handler’s error', async (t) => {
  let seen: InterceptedServerCall | undefined;
  const audit: ServerInterceptor = {
    name: 'audit',
    after(call) {
      seen = call;
      call.trailers.set('x-audit', `${call.messagesIn}/${call.messagesOut}`);
    },
  };
  const { address } = await startEchoServer(t, { interceptors: [audit] });
  const client = grpcJsEchoClient(t, address);
  const ok = await readStream(client.repeat({ message: 'abc', repeat: 3 }));
  assert.equal(ok.err, null);
  await waitFor(() => seen !== undefined);
  assert.equal(seen?.status, GrpcStatus.OK);
  assert.equal(seen?.messagesIn, 1);
  assert.equal(seen?.messagesOut, 3);
  assert.ok((seen?.bytesOut ?? 0) > 0);
  assert.ok((seen?.durationMs ?? -1) >= 0);
  assert.match(seen?.peer ?? '', /^127\.0\.0\.1:\d+$/);
  seen = undefined;
  // Repeat refuses more than 1000 copies: the handler's own error is what after sees, trailer included.
  const said = await unary(client, 'say', { message: 'x' });
  assert.deepEqual(said.trailers?.get('x-audit'), ['1/1']);
  const { err } = await readStream(client.repeat({ message: 'x', repeat: 5000 }));
  assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
  assert.deepEqual(err?.metadata.get('x-audit'), ['1/0']);
  await waitFor(() => seen?.status === GrpcStatus.INVALID_ARGUMENT);
  // (TypeScript narrowed `seen` to undefined at the reset above; the hook has set it since.)
  assert.match((seen as InterceptedServerCall | undefined)?.error?.details ?? '', /repeat must be/);
});

test('a client cancel and a passed deadline reach after as CANCELLED and DEADLINE_EXCEEDED', async (t) => {
  const ended: string[] = [];
  let started = 0;
  const watcher: ServerInterceptor = {
    name: 'watcher',
    after: (c) => void ended.push(statusName(c.status ?? -1)),
  };
  // The server's own 30 ms deadline, so it (not the client's timer racing it) ends the call.
  const cap: ServerInterceptor = {
    name: 'cap',
    before: (c) => {
      if (c.metadata.get('x-cap') === 'yes') c.call.limitDeadline(30);
    },
  };
  const { address } = await startEchoServer(
    t,
    { interceptors: [watcher, cap] },
    {
      ...echoServiceHandlers(),
      // Never answers: ends only by cancel or deadline.
      Say: (_req: Echo, call: ServerCall) => {
        started++;
        return new Promise((_, reject) =>
          call.signal.addEventListener('abort', () => reject(call.signal.reason)),
        );
      },
    },
  );
  const client = grpcJsEchoClient(t, address);
  const capped = new grpc.Metadata();
  capped.set('x-cap', 'yes');
  const late = await unary(client, 'say', { message: 'x' }, capped, { deadline: Date.now() + 60_000 });
  assert.equal(late.err?.code, grpc.status.DEADLINE_EXCEEDED);
  await waitFor(() => ended.length === 1);
  const call = client.say({ message: 'x' }, () => {});
  await waitFor(() => started === 2, 2000, 'the handler to start');
  call.cancel();
  await waitFor(() => ended.length === 2);
  assert.deepEqual(ended, ['DEADLINE_EXCEEDED', 'CANCELLED']);
});

test('a call cancelled while an async before waits never reaches the handler', async (t) => {
  const events: string[] = [];
  let release: () => void = () => {};
  const slow: ServerInterceptor = {
    name: 'slow',
    before: () =>
      new Promise<void>((resolve) => {
        events.push('slow:before');
        release = resolve;
      }),
    after: (c) => void events.push(`slow:after:${statusName(c.status ?? -1)}`),
  };
  const { address, server } = await startEchoServer(t, { interceptors: [slow] }, recordingHandlers(events));
  const call = grpcJsEchoClient(t, address).say({ message: 'x' }, () => {});
  await waitFor(() => events.includes('slow:before'));
  call.cancel();
  await waitFor(() => events.includes('slow:after:CANCELLED'));
  release();
  await waitFor(() => server.activeCalls === 0);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['slow:before', 'slow:after:CANCELLED']);
});
