// The deadline interceptor: a default for calls without a deadline, a cap on long ones, per-method
// rules; the client (stock @grpc/grpc-js) sees DEADLINE_EXCEEDED and the handler's signal aborts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { deadlineInterceptor, echoServiceHandlers, type ServerCall } from '../../src/grpc/index.js';
import { grpcJsEchoClient, readStream, startEchoServer, unary, waitFor } from './interceptors-support.js';

interface Echo {
  message?: string;
  repeat?: number;
}

/**
 * Say answers with the milliseconds its deadline leaves ("none" without one), unless asked to
 * "wait": then it answers only when its signal aborts. Repeat streams until its signal aborts.
 */
function deadlineHandlers(aborted: string[]) {
  const left = (call: ServerCall) =>
    call.deadline === undefined ? 'none' : String(call.deadline - performance.now());
  return {
    ...echoServiceHandlers(),
    Say: (req: Echo, call: ServerCall) => {
      if (req.message !== 'wait') return { message: left(call), index: 0 };
      return new Promise((_, reject) =>
        call.signal.addEventListener('abort', () => {
          aborted.push(`Say:${left(call)}`);
          reject(call.signal.reason);
        }),
      );
    },
    Repeat: async function* (_req: Echo, call: ServerCall) {
      for (let i = 0; !call.signal.aborted; i++) {
        yield { message: 'tick', index: i };
        await new Promise((r) => setTimeout(r, 5));
      }
      aborted.push('Repeat');
    },
  };
}

const remaining = (res: { message: string }) => Number(res.message);

test('a call without a deadline gets the default; the handler is told through its signal', async (t) => {
  const aborted: string[] = [];
  const roomy = await startEchoServer(
    t,
    { interceptors: [deadlineInterceptor({ defaultMs: 5000, maxMs: 10_000 })] },
    deadlineHandlers(aborted),
  );
  const quick = await unary(grpcJsEchoClient(t, roomy.address), 'say', { message: 'how long?' });
  assert.equal(quick.err, null);
  assert.ok(remaining(quick.res) > 0 && remaining(quick.res) <= 5000, quick.res.message);

  const tight = await startEchoServer(
    t,
    { interceptors: [deadlineInterceptor({ defaultMs: 100 })] },
    deadlineHandlers(aborted),
  );
  const started = performance.now();
  const slow = await unary(grpcJsEchoClient(t, tight.address), 'say', { message: 'wait' });
  assert.equal(slow.err?.code, grpc.status.DEADLINE_EXCEEDED);
  assert.ok(performance.now() - started >= 90, 'not before the default deadline');
  await waitFor(() => aborted.length === 1);
  assert.match(aborted[0], /^Say:-?\d/);
});

test('a client deadline beyond maxMs is cut to it; a shorter one stands', async (t) => {
  const aborted: string[] = [];
  const { address } = await startEchoServer(
    t,
    { interceptors: [deadlineInterceptor({ maxMs: 2000 })] },
    deadlineHandlers(aborted),
  );
  const client = grpcJsEchoClient(t, address);
  const hour = Date.now() + 3_600_000;
  const capped = await unary(client, 'say', { message: 'how long?' }, new grpc.Metadata(), {
    deadline: hour,
  });
  assert.ok(remaining(capped.res) > 0 && remaining(capped.res) <= 2000, capped.res.message);

  const short = await unary(client, 'say', { message: 'how long?' }, new grpc.Metadata(), {
    deadline: Date.now() + 500,
  });
  assert.ok(remaining(short.res) > 0 && remaining(short.res) <= 500, short.res.message);

  // Without a default, a call without a deadline gets maxMs.
  const none = await unary(client, 'say', { message: 'how long?' });
  assert.ok(remaining(none.res) > 500 && remaining(none.res) <= 2000, none.res.message);
});

test('a server stream is cut at the cap: some messages, then DEADLINE_EXCEEDED', async (t) => {
  const aborted: string[] = [];
  const { address } = await startEchoServer(
    t,
    { interceptors: [deadlineInterceptor({ maxMs: 100 })] },
    deadlineHandlers(aborted),
  );
  const call = grpcJsEchoClient(t, address).repeat(
    { message: 'x', repeat: 1 },
    { deadline: Date.now() + 60_000 },
  );
  const { messages, err } = await readStream(call);
  assert.equal(err?.code, grpc.status.DEADLINE_EXCEEDED);
  assert.ok(messages.length >= 1);
  await waitFor(() => aborted.includes('Repeat'));
});

test('per-method rules replace the top-level ones', async (t) => {
  const { address } = await startEchoServer(
    t,
    {
      interceptors: [
        deadlineInterceptor({ defaultMs: 1000, methods: { '/wirestack.demo.Echo/Say': { maxMs: 300 } } }),
      ],
    },
    deadlineHandlers([]),
  );
  const client = grpcJsEchoClient(t, address);
  const say = await unary(client, 'say', { message: 'how long?' }, new grpc.Metadata(), {
    deadline: Date.now() + 60_000,
  });
  assert.ok(remaining(say.res) <= 300, say.res.message);
  // Repeat falls back to the top-level default; it streams until that passes.
  const started = performance.now();
  const { err } = await readStream(client.repeat({ message: 'x', repeat: 1 }));
  assert.equal(err?.code, grpc.status.DEADLINE_EXCEEDED);
  assert.ok(performance.now() - started >= 900);
});

test('deadlineInterceptor checks its configuration', () => {
  assert.throws(
    () => deadlineInterceptor({ defaultMs: 5000, maxMs: 1000 }),
    /defaultMs 5000 is above maxMs 1000/,
  );
  assert.throws(() => deadlineInterceptor({ maxMs: 0 }), /positive/);
  assert.throws(() => deadlineInterceptor({ methods: { Say: { maxMs: 1 } } }), /method key/);
});
