// Token buckets and the rate-limit interceptor. The clock is injected, so "how many pass" is exact:
// a burst against a fixed clock, then the clock moved by a known amount. Calls come from a stock
// @grpc/grpc-js client, which must see RESOURCE_EXHAUSTED and the pushback trailer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_RETRY_HINT_KEY,
  type RateLimitOptions,
  rateLimitInterceptor,
  type ServerInterceptor,
  TokenBucketMap,
} from '../../src/grpc/index.js';
import { grpcJsEchoClient, readStream, type Stub, startEchoServer, unary } from './interceptors-support.js';

/** A clock the test moves by hand. */
function manualClock(start = 1000) {
  const clock = { ms: start, now: () => clock.ms };
  return clock;
}

test('TokenBucketMap: a burst, then exactly the refill', () => {
  const clock = manualClock();
  const b = new TokenBucketMap({ ratePerSecond: 4, burst: 10, now: clock.now });
  let passed = 0;
  for (let i = 0; i < 25; i++) if (b.take('k') === 0) passed++;
  assert.equal(passed, 10);
  assert.equal(b.take('k'), 250); // one token every 250 ms
  clock.ms += 1000;
  passed = 0;
  for (let i = 0; i < 25; i++) if (b.take('k') === 0) passed++;
  assert.equal(passed, 4);
  clock.ms += 60_000;
  assert.equal(b.available('k'), 10); // capped at burst
  assert.equal(b.take('k', 11), Number.POSITIVE_INFINITY);
  assert.equal(b.take('k', 3), 0);
  b.refund('k', 3);
  assert.equal(b.available('k'), 10);
  assert.equal(b.take('other', 1), 0); // keys are independent
  assert.equal(b.available('k'), 10);
});

test('TokenBucketMap: memory is bounded and idle buckets are evicted', () => {
  const clock = manualClock();
  const b = new TokenBucketMap({
    ratePerSecond: 10,
    burst: 10,
    maxBuckets: 50,
    idleMs: 1000,
    now: clock.now,
  });
  for (let i = 0; i < 1000; i++) b.take(`key-${i}`);
  assert.equal(b.size, 50);
  clock.ms += 5000;
  // New keys sweep idle ones as they come: after 50 new keys every old bucket is gone.
  for (let i = 0; i < 50; i++) b.take(`fresh-${i}`);
  assert.equal(b.size, 50);
  b.sweep();
  assert.equal(b.size, 50); // the fresh ones are not idle yet
  clock.ms += 1000;
  b.sweep();
  assert.equal(b.size, 0);
});

test('TokenBucketMap: a bucket is never dropped before it could have refilled', () => {
  const clock = manualClock();
  // burst 100 at 1/s refills in 100 s: dropping it after a 1 s idleMs would hand out a free burst.
  const b = new TokenBucketMap({ ratePerSecond: 1, burst: 100, idleMs: 1000, now: clock.now });
  assert.equal(b.idleMs, 100_000);
  for (let i = 0; i < 100; i++) assert.equal(b.take('k'), 0);
  clock.ms += 50_000;
  b.sweep();
  assert.equal(b.size, 1);
  assert.equal(Math.floor(b.available('k')), 50);
  assert.throws(() => new TokenBucketMap({ ratePerSecond: 0 }), /ratePerSecond/);
  assert.throws(() => new TokenBucketMap({ ratePerSecond: 1, burst: 0.5 }), /burst/);
  assert.throws(() => new TokenBucketMap({ ratePerSecond: 1, maxBuckets: 0 }), /maxBuckets/);
});

/** Sets the identity from `x-user` metadata, standing in for an auth interceptor. */
const userFromMetadata: ServerInterceptor = {
  name: 'user',
  before(call) {
    const user = call.metadata.get('x-user');
    if (typeof user === 'string') call.identity = { subject: user, scopes: [] };
  },
};

function as(user: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-user', user);
  return md;
}

async function burst(client: Stub, n: number, md?: grpc.Metadata) {
  const outcomes = await Promise.all(
    Array.from({ length: n }, () => unary(client, 'say', { message: 'x' }, md)),
  );
  const passed = outcomes.filter((o) => o.err === null).length;
  const refused = outcomes.filter((o) => o.err?.code === grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(passed + refused.length, n, 'every call either passes or is RESOURCE_EXHAUSTED');
  return { passed, refused };
}

async function limitedServer(t: Parameters<typeof startEchoServer>[0], options: RateLimitOptions) {
  const limit = rateLimitInterceptor(options);
  const { address } = await startEchoServer(t, { interceptors: [userFromMetadata, limit] });
  return { limit, client: grpcJsEchoClient(t, address) };
}

test('a burst of 12 against burst 5, rate 2/s: exactly 5 pass, then exactly 2 per second', async (t) => {
  const clock = manualClock();
  const { client } = await limitedServer(t, {
    limits: [{ name: 'per-caller', by: ['identity'], ratePerSecond: 2, burst: 5 }],
    now: clock.now,
  });
  const first = await burst(client, 12, as('alice'));
  assert.equal(first.passed, 5);
  const err = first.refused[0].err;
  assert.match(
    err?.details ?? '',
    /rate limit per-caller \(2\/s, burst 5\) exceeded by a call on \/wirestack\.demo\.Echo\/Say; retry in 500 ms/,
  );
  // grpc-js hands the pushback trailer to the application.
  assert.deepEqual(err?.metadata.get(DEFAULT_RETRY_HINT_KEY), ['500']);

  clock.ms += 1000;
  assert.equal((await burst(client, 12, as('alice'))).passed, 2);
  clock.ms += 250;
  assert.equal((await burst(client, 12, as('alice'))).passed, 0);
  clock.ms += 250;
  assert.equal((await burst(client, 12, as('alice'))).passed, 1);
  clock.ms += 60_000;
  assert.equal((await burst(client, 12, as('alice'))).passed, 5);
  // Another caller has a bucket of its own.
  assert.equal((await burst(client, 12, as('bob'))).passed, 5);
});

test('callers without an identity share a bucket per IP address; by peer is per address too', async (t) => {
  const clock = manualClock();
  const { client, limit } = await limitedServer(t, {
    limits: [
      { name: 'per-caller', by: ['identity'], ratePerSecond: 1, burst: 3 },
      { name: 'per-address', by: ['peer'], ratePerSecond: 1, burst: 8 },
    ],
    now: clock.now,
  });
  assert.equal((await burst(client, 6)).passed, 3);
  // Carol has her own per-caller bucket, but the address bucket has 5 left.
  const carol = await burst(client, 10, as('carol'));
  assert.equal(carol.passed, 3);
  const dave = await burst(client, 10, as('dave'));
  assert.equal(dave.passed, 2);
  assert.match(dave.refused[0].err?.details ?? '', /rate limit per-address/);
  assert.equal(limit.limiter.buckets('per-address').size, 1);
  // Refused calls gave back what the other limit took: dave's own bucket still has 1 token.
  assert.equal(limit.limiter.buckets('per-caller').available('id:dave'), 1);
});

test('per-method limits apply only to their methods', async (t) => {
  const clock = manualClock();
  const { client } = await limitedServer(t, {
    limits: [
      {
        name: 'say-global',
        by: ['method'],
        ratePerSecond: 1,
        burst: 3,
        methods: ['/wirestack.demo.Echo/Say'],
      },
    ],
    now: clock.now,
  });
  assert.equal((await burst(client, 10, as('a'))).passed, 3);
  assert.equal((await burst(client, 10, as('b'))).passed, 0); // one bucket for the method, whoever calls
  const streams = await Promise.all(
    Array.from({ length: 10 }, () => readStream(client.repeat({ message: 'r', repeat: 1 }))),
  );
  assert.ok(streams.every((s) => s.err === null && s.messages.length === 1));
});

test('streams count messages: a bidi call is cut at the message that finds the bucket empty', async (t) => {
  const clock = manualClock();
  const { client } = await limitedServer(t, {
    limits: [{ name: 'per-caller', by: ['identity'], ratePerSecond: 1, burst: 4 }],
    now: clock.now,
  });
  // The call takes 1 token, messages 1..3 take the rest, message 4 is refused.
  const chat = client.chat(as('erin'));
  for (let i = 0; i < 6; i++) chat.write({ message: `m${i}` });
  chat.end();
  const { messages, err } = await readStream(chat);
  assert.deepEqual(
    messages.map((m: { message: string }) => m.message),
    ['m0', 'm1', 'm2'],
  );
  assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(err?.details ?? '', /exceeded by a request message/);
  assert.deepEqual(err?.metadata.get(DEFAULT_RETRY_HINT_KEY), ['1000']);
});

test('response messages count when responseMessageCost is set', async (t) => {
  const clock = manualClock();
  const { client } = await limitedServer(t, {
    limits: [{ name: 'per-caller', by: ['identity'], ratePerSecond: 1, burst: 4 }],
    responseMessageCost: 1,
    now: clock.now,
  });
  const { messages, err } = await readStream(client.repeat({ message: 'r', repeat: 10 }, as('fay')));
  assert.equal(messages.length, 3);
  assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(err?.details ?? '', /exceeded by a response message/);
});

test('the limiter keeps at most maxBucketsPerLimit buckets however many callers come', async (t) => {
  const clock = manualClock();
  const { client, limit } = await limitedServer(t, {
    limits: [{ name: 'per-caller', by: ['identity'], ratePerSecond: 1, burst: 1 }],
    maxBucketsPerLimit: 10,
    now: clock.now,
  });
  const outcomes = await Promise.all(
    Array.from({ length: 60 }, (_, i) => unary(client, 'say', {}, as(`user-${i}`))),
  );
  assert.ok(outcomes.every((o) => o.err === null));
  assert.equal(limit.limiter.buckets('per-caller').size, 10);
});

test('a cost above the burst can never pass: pushback -1 tells clients not to retry', async (t) => {
  const { client } = await limitedServer(t, {
    limits: [{ name: 'tiny', by: ['method'], ratePerSecond: 1, burst: 1 }],
    callCost: 2,
  });
  const { err } = await unary(client, 'say', {});
  assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(err?.details ?? '', /it can never pass/);
  assert.deepEqual(err?.metadata.get(DEFAULT_RETRY_HINT_KEY), ['-1']);
});

test('rateLimitInterceptor checks its configuration', () => {
  const limit = { name: 'a', by: ['peer'] as const, ratePerSecond: 1 };
  assert.throws(() => rateLimitInterceptor({ limits: [limit, limit] }), /two rate limits are named "a"/);
  assert.throws(() => rateLimitInterceptor({ limits: [{ ...limit, by: [] }] }), /at least one key part/);
  assert.throws(() => rateLimitInterceptor({ limits: [{ ...limit, methods: ['Say'] }] }), /method pattern/);
  assert.throws(() => rateLimitInterceptor({ limits: [limit], callCost: -1 }), /callCost/);
  assert.throws(
    () => rateLimitInterceptor({ limits: [limit], retryHintKey: 'Bad Key' }),
    /invalid metadata key/,
  );
});
