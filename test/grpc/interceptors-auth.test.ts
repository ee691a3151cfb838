// The auth interceptor and the HS256 JWT verifier, against a stock @grpc/grpc-js client: missing,
// malformed, tampered and expired tokens are UNAUTHENTICATED, a missing scope PERMISSION_DENIED,
// and the verified identity reaches the handler, on unary and streaming calls.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  authInterceptor,
  type CallIdentity,
  echoServiceHandlers,
  GrpcChannel,
  GrpcError,
  GrpcStatus,
  InvalidTokenError,
  JwtError,
  jwtHs256Verifier,
  Metadata,
  makeClient,
  type ServerCall,
  signJwtHs256,
  staticTokenVerifier,
  verifyJwtHs256,
} from '../../src/grpc/index.js';
import {
  bearer,
  echoSchema,
  grpcJsEchoClient,
  readStream,
  startEchoServer,
  unary,
} from './interceptors-support.js';

const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
const NOW_MS = Date.UTC(2030, 0, 1);
const nowS = NOW_MS / 1000;

interface Echo {
  message?: string;
}

/** Echo handlers whose answers say who called (call.identity). */
function whoAmIHandlers() {
  const who = (call: ServerCall) =>
    call.identity ? `${call.identity.subject}[${call.identity.scopes.join(',')}]` : 'anonymous';
  return {
    ...echoServiceHandlers(),
    Say: (_req: Echo, call: ServerCall) => ({ message: who(call), index: 0 }),
    Repeat: async function* (_req: Echo, call: ServerCall) {
      yield { message: who(call), index: 0 };
    },
    Chat: async function* (call: ServerCall<Echo, Echo>) {
      for await (const _ of call) yield { message: who(call), index: 0 };
    },
  };
}

const tokens: Record<string, CallIdentity> = {
  'reader-token': { subject: 'reader', scopes: ['echo:read'] },
  'writer-token': { subject: 'writer', scopes: ['echo:read', 'echo:write'] },
};

const rules = {
  '/wirestack.demo.Echo/*': { scopes: ['echo:read'] },
  '/wirestack.demo.Echo/Chat': { scopes: ['echo:read', 'echo:write'] },
  '/wirestack.demo.Echo/Join': { public: true },
};

test('static tokens: missing → UNAUTHENTICATED, unknown → UNAUTHENTICATED, scope missing → PERMISSION_DENIED', async (t) => {
  const { address } = await startEchoServer(
    t,
    { interceptors: [authInterceptor({ verifier: staticTokenVerifier(tokens), rules })] },
    whoAmIHandlers(),
  );
  const client = grpcJsEchoClient(t, address);

  const missing = await unary(client, 'say', { message: 'x' });
  assert.equal(missing.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(missing.err?.details ?? '', /missing bearer token/);

  const unknown = await unary(client, 'say', { message: 'x' }, bearer('nope'));
  assert.equal(unknown.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(unknown.err?.details ?? '', /unknown bearer token/);

  const basic = new grpc.Metadata();
  basic.set('authorization', 'Basic cmVhZGVyOnB3');
  const notBearer = await unary(client, 'say', { message: 'x' }, basic);
  assert.equal(notBearer.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(notBearer.err?.details ?? '', /not "Bearer <token>"/);

  const ok = await unary(client, 'say', { message: 'x' }, bearer('reader-token'));
  assert.equal(ok.err, null);
  assert.equal(ok.res.message, 'reader[echo:read]');

  // Chat needs echo:write: the reader is known but not allowed, on a bidi stream.
  const chat = client.chat(bearer('reader-token'));
  chat.write({ message: 'hi' });
  chat.end();
  const denied = await readStream(chat);
  assert.equal(denied.err?.code, grpc.status.PERMISSION_DENIED);
  assert.match(denied.err?.details ?? '', /needs scope echo:read echo:write; reader has echo:read/);
  assert.deepEqual(denied.messages, []);

  const chat2 = client.chat(bearer('writer-token'));
  chat2.write({ message: 'hi' });
  chat2.end();
  const allowed = await readStream(chat2);
  assert.equal(allowed.err, null);
  assert.deepEqual(
    allowed.messages.map((m: Echo) => m.message),
    ['writer[echo:read,echo:write]'],
  );

  // Join is public: no token needed, no identity.
  const joined = await new Promise<Echo>((resolve, reject) => {
    const call = client.join((err: Error | null, r: Echo) => (err ? reject(err) : resolve(r)));
    call.write({ message: 'a' });
    call.end();
  });
  assert.equal(joined.message, 'a');

  // Server streaming with a token.
  const rep = await readStream(client.repeat({ message: 'x', repeat: 1 }, bearer('writer-token')));
  assert.equal(rep.err, null);
  assert.equal(rep.messages[0].message, 'writer[echo:read,echo:write]');
});

test('the Bearer scheme is case-insensitive; a token is one run of visible characters', async (t) => {
  const { address } = await startEchoServer(
    t,
    { interceptors: [authInterceptor({ verifier: staticTokenVerifier(tokens) })] },
    whoAmIHandlers(),
  );
  const client = grpcJsEchoClient(t, address);
  const withHeader = (value: string) => {
    const md = new grpc.Metadata();
    md.set('authorization', value);
    return unary(client, 'say', { message: 'x' }, md);
  };
  assert.equal((await withHeader('bearer   reader-token')).res?.message, 'reader[echo:read]');
  assert.equal((await withHeader('BEARER reader-token')).res?.message, 'reader[echo:read]');
  // ('Bearer ' with a trailing space is not here: HTTP/2 forbids a field value ending in whitespace,
  // RFC 9113 §8.2.1, so our HTTP/2 layer resets that stream before gRPC sees it.)
  for (const bad of ['Bearer', 'Bearerreader-token', 'Bearer reader token', 'Token reader-token']) {
    assert.equal((await withHeader(bad)).err?.code, grpc.status.UNAUTHENTICATED, bad);
  }
});

test('two authorization values are refused rather than guessed between', async (t) => {
  const { address } = await startEchoServer(t, {
    interceptors: [authInterceptor({ verifier: staticTokenVerifier(tokens) })],
  });
  // grpc-js refuses to send two values itself; our client sends both header fields.
  const channel = new GrpcChannel(address);
  t.after(() => channel.close());
  const client = makeClient(echoSchema.service('wirestack.demo.Echo'), channel, { schema: echoSchema });
  const md = new Metadata()
    .add('authorization', 'Bearer reader-token')
    .add('authorization', 'Bearer writer-token');
  await assert.rejects(client.say({ message: 'x' }, { metadata: md }), (e: GrpcError) => {
    assert.equal(e.status, GrpcStatus.UNAUTHENTICATED);
    assert.match(e.details, /more than one authorization/);
    return true;
  });
});

test('JWT HS256: valid, tampered, expired, not yet valid, wrong alg, missing header', async (t) => {
  const verifier = jwtHs256Verifier({
    secret: SECRET,
    issuer: 'https://auth.test',
    now: () => NOW_MS,
    clockSkewMs: 5000,
  });
  const { address } = await startEchoServer(
    t,
    { interceptors: [authInterceptor({ verifier, rules })] },
    whoAmIHandlers(),
  );
  const client = grpcJsEchoClient(t, address);
  const claims = { iss: 'https://auth.test', sub: 'alice', scope: 'echo:read', exp: nowS + 60 };
  const say = (token?: string) =>
    unary(client, 'say', { message: 'x' }, token === undefined ? undefined : bearer(token));

  const good = await say(signJwtHs256(claims, SECRET));
  assert.equal(good.err, null);
  assert.equal(good.res.message, 'alice[echo:read]');

  // Tampered: the payload says admin, the signature is still the one for the original payload.
  const [h, , s] = signJwtHs256(claims, SECRET).split('.');
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...claims, sub: 'admin', scope: 'echo:read echo:write' }),
  ).toString('base64url');
  const tampered = await say(`${h}.${forgedPayload}.${s}`);
  assert.equal(tampered.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(tampered.err?.details ?? '', /signature does not match/);

  // Signed with another key.
  const otherKey = await say(signJwtHs256(claims, 'another-secret-that-is-32-bytes-long!!'));
  assert.equal(otherKey.err?.code, grpc.status.UNAUTHENTICATED);

  const expired = await say(signJwtHs256({ ...claims, exp: nowS - 10 }, SECRET));
  assert.equal(expired.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(expired.err?.details ?? '', /expired/);

  // Within the 5 s skew an expired-by-2 s token still passes.
  const skewed = await say(signJwtHs256({ ...claims, exp: nowS - 2 }, SECRET));
  assert.equal(skewed.err, null);

  const early = await say(signJwtHs256({ ...claims, nbf: nowS + 60 }, SECRET));
  assert.equal(early.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(early.err?.details ?? '', /not valid yet/);

  const noneAlg = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  const none = await say(noneAlg);
  assert.equal(none.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(none.err?.details ?? '', /alg "none" is not HS256/);

  const wrongIssuer = await say(signJwtHs256({ ...claims, iss: 'https://evil.test' }, SECRET));
  assert.equal(wrongIssuer.err?.code, grpc.status.UNAUTHENTICATED);

  const missing = await say();
  assert.equal(missing.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(missing.err?.details ?? '', /missing bearer token/);

  const garbage = await say('not.a.jwt');
  assert.equal(garbage.err?.code, grpc.status.UNAUTHENTICATED);

  // A valid token without the scope Chat needs: PERMISSION_DENIED, not UNAUTHENTICATED.
  const chat = client.chat(bearer(signJwtHs256(claims, SECRET)));
  chat.write({ message: 'x' });
  chat.end();
  assert.equal((await readStream(chat)).err?.code, grpc.status.PERMISSION_DENIED);
});

test('an async verifier, and verifier errors: GrpcError passes through, a bug is INTERNAL', async (t) => {
  const { address } = await startEchoServer(
    t,
    {
      interceptors: [
        authInterceptor({
          verifier: async (token) => {
            await new Promise((r) => setTimeout(r, 1));
            if (token === 'down') throw new GrpcError(GrpcStatus.UNAVAILABLE, 'introspection endpoint down');
            if (token === 'bug') throw new TypeError('cannot read properties of undefined');
            if (token === 'bad') throw new InvalidTokenError('revoked', 'token revoked');
            return { subject: 'async-user', scopes: [] };
          },
        }),
      ],
    },
    whoAmIHandlers(),
  );
  const client = grpcJsEchoClient(t, address);
  assert.equal((await unary(client, 'say', {}, bearer('good'))).res.message, 'async-user[]');
  assert.equal((await unary(client, 'say', {}, bearer('down'))).err?.code, grpc.status.UNAVAILABLE);
  const bug = await unary(client, 'say', {}, bearer('bug'));
  assert.equal(bug.err?.code, grpc.status.INTERNAL);
  assert.match(bug.err?.details ?? '', /token verifier failed/);
  const bad = await unary(client, 'say', {}, bearer('bad'));
  assert.equal(bad.err?.code, grpc.status.UNAUTHENTICATED);
  assert.match(bad.err?.details ?? '', /token revoked/);
});

test('verifyJwtHs256: each check has its own typed reason', () => {
  const opts = { secret: SECRET, now: () => NOW_MS, clockSkewMs: 0 };
  const reason = (token: string, extra = {}) => {
    try {
      verifyJwtHs256(token, { ...opts, ...extra });
      return 'valid';
    } catch (e) {
      assert.ok(e instanceof JwtError);
      return e.reason;
    }
  };
  const claims = { sub: 's', exp: nowS + 10 };
  const good = signJwtHs256(claims, SECRET);
  assert.equal(reason(good), 'valid');
  assert.deepEqual(verifyJwtHs256(good, opts), claims);
  assert.equal(reason(good.slice(0, -1)), 'bad-signature');
  assert.equal(reason(`${good}x`), 'bad-signature');
  assert.equal(reason(good.replace(/\.[^.]*$/, '.!!!')), 'malformed');
  assert.equal(reason('a.b'), 'malformed');
  assert.equal(reason('a.b.c.d'), 'malformed');
  assert.equal(reason(`${good}.`), 'malformed');
  assert.equal(reason(signJwtHs256({ sub: 's' }, SECRET)), 'missing-exp');
  assert.equal(reason(signJwtHs256({ sub: 's' }, SECRET), { requireExpiry: false }), 'valid');
  assert.equal(reason(signJwtHs256({ sub: 's', exp: nowS }, SECRET)), 'expired');
  assert.equal(reason(signJwtHs256({ sub: 's', exp: nowS + 1, nbf: nowS + 1 }, SECRET)), 'not-yet-valid');
  assert.equal(reason(good, { audience: 'api' }), 'wrong-audience');
  assert.equal(reason(signJwtHs256({ ...claims, aud: ['x', 'api'] }, SECRET), { audience: 'api' }), 'valid');
  assert.equal(reason(signJwtHs256({ ...claims, exp: 'tomorrow' } as never, SECRET)), 'malformed');

  // An HS512 header with a valid HS256 signature over it: refused on alg before any signature check.
  const hs512 = Buffer.from('{"alg":"HS512"}').toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', SECRET).update(`${hs512}.${body}`).digest('base64url');
  assert.equal(reason(`${hs512}.${body}.${sig}`), 'unsupported-alg');

  // The unused low bits of the last base64url character must not give a second valid spelling.
  const last = good.at(-1) as string;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const twin = alphabet[alphabet.indexOf(last) ^ 1];
  assert.equal(reason(`${good.slice(0, -1)}${twin}`), 'bad-signature');

  assert.throws(() => signJwtHs256(claims, 'short'), /at least 32 bytes/);
  assert.throws(() => jwtHs256Verifier({ secret: 'short' }), /at least 32 bytes/);
});

test('jwtHs256Verifier: scopes from a space-separated scope claim or an array claim', () => {
  const call = {} as never;
  const fromString = jwtHs256Verifier({ secret: SECRET, now: () => NOW_MS });
  const a = fromString(
    signJwtHs256({ sub: 'a', scope: 'x  y', exp: nowS + 9 }, SECRET),
    call,
  ) as CallIdentity;
  assert.deepEqual(a.scopes, ['x', 'y']);
  assert.equal(a.claims?.sub, 'a');
  const fromArray = jwtHs256Verifier({ secret: SECRET, now: () => NOW_MS, scopeClaim: 'scp' });
  const b = fromArray(
    signJwtHs256({ sub: 'b', scp: ['p', 7, 'q'], exp: nowS + 9 }, SECRET),
    call,
  ) as CallIdentity;
  assert.deepEqual(b.scopes, ['p', 'q']);
  assert.throws(() => fromString(signJwtHs256({ exp: nowS + 9 }, SECRET), call), {
    reason: 'missing-subject',
  });
});

test('authInterceptor refuses rule keys that are not method patterns', () => {
  assert.throws(
    () => authInterceptor({ verifier: staticTokenVerifier({}), rules: { 'Echo/Say': {} } }),
    /method key/,
  );
});
