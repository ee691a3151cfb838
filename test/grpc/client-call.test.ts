// The client's side of PROTOCOL-HTTP2 against a scripted HTTP/2 server: headers out, deadlines,
// cancellation, status from trailers (or their absence), limits, compression, RST_STREAM mapping.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  createHttp2Server,
  type Http2Server,
  type Http2ServerStream,
} from '../../src/drivers/http2-server.js';
import { GrpcChannel } from '../../src/grpc/channel.js';
import { unaryCall } from '../../src/grpc/client.js';
import { ClientCall, type MethodDefinition } from '../../src/grpc/client-call.js';
import { GrpcError } from '../../src/grpc/errors.js';
import { encodeGrpcMessage } from '../../src/grpc/message-framing.js';
import { Metadata } from '../../src/grpc/metadata.js';
import { GrpcStatus } from '../../src/grpc/status.js';
import { parseGrpcTimeout } from '../../src/grpc/timeout.js';

/** Messages are raw bytes here: what goes on the wire is exactly what the test wrote. */
const raw = { encode: (m: Uint8Array) => m, decode: (b: Uint8Array) => Uint8Array.from(b) };
const strict = {
  encode: (m: Uint8Array) => m,
  decode: (b: Uint8Array) => {
    if (b[0] !== 0x0a) throw new Error('not a message');
    return Uint8Array.from(b);
  },
};
const unary: MethodDefinition<Uint8Array, Uint8Array> = {
  path: '/test.Svc/Unary',
  requestCodec: raw,
  responseCodec: raw,
  clientStreaming: false,
  serverStreaming: false,
};
const bidi: MethodDefinition<Uint8Array, Uint8Array> = {
  ...unary,
  path: '/test.Svc/Bidi',
  clientStreaming: true,
  serverStreaming: true,
};

let behave: (s: Http2ServerStream) => void = () => {};
let server: Http2Server;
let channel: GrpcChannel;
let port: number;

before(async () => {
  server = createHttp2Server((s) => behave(s));
  port = (await server.listen({ host: '127.0.0.1', port: 0 })).port;
  channel = new GrpcChannel(`127.0.0.1:${port}`);
});

after(async () => {
  await channel.close();
  await server.close({ drainTimeoutMs: 100 });
});

const GRPC_OK_HEADERS: [string, string][] = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
];

async function expectError(p: Promise<unknown>, status: GrpcStatus, detail?: RegExp): Promise<GrpcError> {
  const err = await p.then(
    () => assert.fail('call succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GrpcError, `not a GrpcError: ${err}`);
  assert.equal(err.status, status, `${GrpcStatus[err.status]}: ${err.details}`);
  if (detail) assert.match(err.details, detail);
  return err;
}

/** Collects a request, then answers with `answer`. */
function onRequest(answer: (s: Http2ServerStream, body: Buffer) => void): Promise<Http2ServerStream> {
  return new Promise((resolve) => {
    behave = (s) => {
      const chunks: Uint8Array[] = [];
      s.onData = (c) => chunks.push(c);
      s.onEnd = () => answer(s, Buffer.concat(chunks));
      resolve(s);
    };
  });
}

test('request headers: POST to /Service/Method, te: trailers, content-type, metadata, grpc-timeout', async () => {
  const seen = onRequest((s, body) => {
    s.respond(GRPC_OK_HEADERS);
    s.write(body.subarray(0)); // echo the framed request back
    s.sendTrailers([['grpc-status', '0']]);
  });
  const md = new Metadata().set('x-key', 'v').set('x-b-bin', Uint8Array.of(0, 255));
  const res = await unaryCall(channel, unary, Buffer.from('hello'), { metadata: md, timeoutMs: 5000 });
  assert.equal(Buffer.from(res).toString(), 'hello');
  const h = Object.fromEntries((await seen).headers.map((f) => [f.name, f.value]));
  assert.equal(h[':method'], 'POST');
  assert.equal(h[':scheme'], 'http');
  assert.equal(h[':path'], '/test.Svc/Unary');
  assert.equal(h.te, 'trailers');
  assert.equal(h['content-type'], 'application/grpc');
  assert.equal(h['x-key'], 'v');
  assert.equal(h['x-b-bin'], 'AP8');
  assert.ok(h['grpc-accept-encoding'].includes('gzip'));
  const timeout = parseGrpcTimeout(h['grpc-timeout']);
  assert.ok(timeout > 4000 && timeout <= 5000, `grpc-timeout ${h['grpc-timeout']}`);
  assert.equal(h['grpc-encoding'], undefined);
});

test('gzip requests: grpc-encoding header and Compressed-Flag 1; a message may opt out', async () => {
  let body: Buffer = Buffer.alloc(0);
  const seen = onRequest((s, b) => {
    body = b;
    s.respond([...GRPC_OK_HEADERS]);
    s.sendTrailers([['grpc-status', '0']]);
  });
  const call = new ClientCall(channel, bidi, { compression: 'gzip' });
  call.write(Buffer.from('zip me'));
  call.write(Buffer.from('plain'), { compress: false });
  call.end();
  assert.equal((await call.status).code, GrpcStatus.OK);
  const h = Object.fromEntries((await seen).headers.map((f) => [f.name, f.value]));
  assert.equal(h['grpc-encoding'], 'gzip');
  assert.equal(body[0], 1);
  const len = body.readUInt32BE(1);
  assert.equal(gunzipSync(body.subarray(5, 5 + len)).toString(), 'zip me');
  const rest = body.subarray(5 + len);
  assert.equal(rest[0], 0);
  assert.equal(rest.subarray(5).toString(), 'plain');
});

test('gzip responses are decompressed and counted', async () => {
  onRequest((s) => {
    s.respond([...GRPC_OK_HEADERS, ['grpc-encoding', 'gzip']]);
    s.write(encodeGrpcMessage(gzipSync(Buffer.from('squeezed')), true));
    s.sendTrailers([['grpc-status', '0']]);
  });
  const p = unaryCall(channel, unary, Buffer.from('x'));
  assert.equal(Buffer.from(await p).toString(), 'squeezed');
  assert.equal(p.call.compressedMessagesReceived, 1);
});

test('deadline: DEADLINE_EXCEEDED locally and RST_STREAM CANCEL to the server', async () => {
  const reset = new Promise<number>((resolve) => {
    behave = (s) => {
      s.onReset = resolve;
    };
  });
  const t0 = performance.now();
  await expectError(
    unaryCall(channel, unary, Buffer.from('x'), { timeoutMs: 50 }),
    GrpcStatus.DEADLINE_EXCEEDED,
  );
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(await reset, 0x8);
});

test('an absolute deadline in the past fails at once', async () => {
  behave = () => {};
  await expectError(
    unaryCall(channel, unary, Buffer.from('x'), { deadline: Date.now() - 1 }),
    GrpcStatus.DEADLINE_EXCEEDED,
  );
});

test('AbortSignal cancels: CANCELLED here, RST_STREAM CANCEL there', async () => {
  const ac = new AbortController();
  const reset = new Promise<number>((resolve) => {
    behave = (s) => {
      s.onReset = resolve;
      ac.abort();
    };
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x'), { signal: ac.signal }), GrpcStatus.CANCELLED);
  assert.equal(await reset, 0x8);
});

test('an already-aborted signal never sends a request that runs', async () => {
  behave = () => {};
  const ac = new AbortController();
  ac.abort();
  await expectError(unaryCall(channel, unary, Buffer.from('x'), { signal: ac.signal }), GrpcStatus.CANCELLED);
});

test('trailers-only response: status and percent-decoded grpc-message, metadata in the error', async () => {
  onRequest((s) => {
    s.respond(
      [...GRPC_OK_HEADERS, ['grpc-status', '5'], ['grpc-message', 'no %E2%98%BA here%'], ['x-why', 'gone']],
      {
        endStream: true,
      },
    );
  });
  const err = await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.NOT_FOUND);
  assert.equal(err.details, 'no ☺ here%');
  assert.equal(err.metadata?.get('x-why'), 'gone');
});

test('initial metadata and trailers reach the caller', async () => {
  onRequest((s) => {
    s.respond([...GRPC_OK_HEADERS, ['x-initial', 'a']]);
    s.write(encodeGrpcMessage(Buffer.from('r')));
    s.sendTrailers([
      ['grpc-status', '0'],
      ['x-trailing', 'b'],
    ]);
  });
  const p = unaryCall(channel, unary, Buffer.from('x'));
  await p;
  assert.equal((await p.call.metadata).get('x-initial'), 'a');
  assert.equal((await p.call.status).metadata.get('x-trailing'), 'b');
});

for (const [httpStatus, grpcStatus] of [
  ['404', GrpcStatus.UNIMPLEMENTED],
  ['503', GrpcStatus.UNAVAILABLE],
  ['401', GrpcStatus.UNAUTHENTICATED],
  ['500', GrpcStatus.UNKNOWN],
] as const) {
  test(`HTTP ${httpStatus} without grpc-status maps to ${GrpcStatus[grpcStatus]}`, async () => {
    onRequest((s) =>
      s.respond(
        [
          [':status', httpStatus],
          ['content-type', 'text/html'],
        ],
        { endStream: true },
      ),
    );
    await expectError(unaryCall(channel, unary, Buffer.from('x')), grpcStatus, new RegExp(httpStatus));
  });
}

test('a 200 that is not application/grpc is UNKNOWN', async () => {
  onRequest((s) => {
    s.respond([
      [':status', '200'],
      ['content-type', 'text/plain'],
    ]);
    s.end(Buffer.from('hello'));
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.UNKNOWN, /content-type/);
});

test('a stream that ends without trailers is INTERNAL', async () => {
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.end(encodeGrpcMessage(Buffer.from('r')));
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.INTERNAL, /trailers/);
});

test('trailers without grpc-status are UNKNOWN; a malformed grpc-status too', async () => {
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.sendTrailers([['x-other', '1']]);
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.UNKNOWN, /grpc-status/);
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.sendTrailers([['grpc-status', '007']]);
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.UNKNOWN, /invalid grpc-status/);
});

test('a stream ending mid-message is INTERNAL', async () => {
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.write(encodeGrpcMessage(Buffer.from('truncated')).subarray(0, 8));
    s.sendTrailers([['grpc-status', '0']]);
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.INTERNAL, /middle of a message/);
});

for (const [code, status] of [
  [0x7, GrpcStatus.UNAVAILABLE],
  [0x8, GrpcStatus.CANCELLED],
  [0xb, GrpcStatus.RESOURCE_EXHAUSTED],
  [0x2, GrpcStatus.INTERNAL],
] as const) {
  test(`RST_STREAM ${code} from the server is ${GrpcStatus[status]}`, async () => {
    behave = (s) => s.reset(code);
    await expectError(unaryCall(channel, unary, Buffer.from('x')), status);
  });
}

test('max receive size: a larger response is RESOURCE_EXHAUSTED and the stream is cancelled', async () => {
  const reset = new Promise<number>((resolve) => {
    behave = (s) => {
      s.onReset = resolve;
      s.respond(GRPC_OK_HEADERS);
      s.write(encodeGrpcMessage(new Uint8Array(100)));
    };
  });
  await expectError(
    unaryCall(channel, unary, Buffer.from('x'), { maxReceiveMessageSize: 99 }),
    GrpcStatus.RESOURCE_EXHAUSTED,
    /larger than max \(100 vs\. 99\)/,
  );
  assert.equal(await reset, 0x8);
});

test('the default receive limit is 4 MiB', async () => {
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.write(encodeGrpcMessage(new Uint8Array(4 * 1024 * 1024 + 1)));
    s.sendTrailers([['grpc-status', '0']]);
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.RESOURCE_EXHAUSTED);
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.write(encodeGrpcMessage(new Uint8Array(4 * 1024 * 1024)));
    s.sendTrailers([['grpc-status', '0']]);
  });
  assert.equal((await unaryCall(channel, unary, Buffer.from('x'))).length, 4 * 1024 * 1024);
});

test('max send size: a larger request throws RESOURCE_EXHAUSTED before anything is sent', () => {
  const call = new ClientCall(channel, bidi, { maxSendMessageSize: 4 });
  assert.throws(
    () => call.write(Buffer.from('12345')),
    (e: GrpcError) => e.status === GrpcStatus.RESOURCE_EXHAUSTED,
  );
  assert.equal(call.isFinished, true);
});

test('a request that does not encode fails the call with INTERNAL and leaves nothing open', async () => {
  const picky: MethodDefinition<Uint8Array, Uint8Array> = {
    ...unary,
    requestCodec: {
      encode: () => {
        throw new TypeError('price: expected a number, got a string');
      },
      decode: raw.decode,
    },
  };
  const call = new ClientCall(channel, { ...picky, clientStreaming: true, serverStreaming: true });
  assert.throws(
    () => call.write(Buffer.from('x')),
    (e: GrpcError) => e.status === GrpcStatus.INTERNAL && /serialization failure: price/.test(e.details),
  );
  assert.equal(call.isFinished, true);
  // The same through a unary call on its own channel: the channel still closes promptly after.
  const own = new GrpcChannel(`127.0.0.1:${port}`);
  await expectError(
    Promise.resolve().then(() => unaryCall(own, picky, Buffer.from('x'))),
    GrpcStatus.INTERNAL,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((r) => {
    timer = setTimeout(r, 5000, 'still open after 5 s');
  });
  assert.equal(await Promise.race([own.close().then(() => 'closed'), late]), 'closed');
  clearTimeout(timer);
});

test('a compressed message without grpc-encoding is INTERNAL', async () => {
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.write(encodeGrpcMessage(gzipSync(Buffer.from('x')), true));
    s.sendTrailers([['grpc-status', '0']]);
  });
  await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.INTERNAL, /compressed/);
});

test('a response that does not parse is INTERNAL', async () => {
  onRequest((s) => {
    s.respond(GRPC_OK_HEADERS);
    s.write(encodeGrpcMessage(Buffer.from([0xff, 0xff])));
    s.sendTrailers([['grpc-status', '0']]);
  });
  await expectError(
    unaryCall(channel, { ...unary, responseCodec: strict }, Buffer.from('x')),
    GrpcStatus.INTERNAL,
    /parse/,
  );
});

test('a unary call answered with zero or two messages is INTERNAL', async () => {
  for (const n of [0, 2]) {
    onRequest((s) => {
      s.respond(GRPC_OK_HEADERS);
      for (let i = 0; i < n; i++) s.write(encodeGrpcMessage(Buffer.from('r')));
      s.sendTrailers([['grpc-status', '0']]);
    });
    await expectError(unaryCall(channel, unary, Buffer.from('x')), GrpcStatus.INTERNAL, /response message/);
  }
});

test('bidi: messages both ways interleave; breaking out of iteration cancels the call', async () => {
  const reset = new Promise<number>((resolve) => {
    behave = (s) => {
      s.respond(GRPC_OK_HEADERS);
      s.onData = (c) => s.write(c); // echo frames as they come
      s.onReset = resolve;
    };
  });
  const call = new ClientCall(channel, bidi);
  let n = 0;
  call.write(Buffer.from('m0'));
  for await (const m of call) {
    assert.equal(Buffer.from(m).toString(), `m${n}`);
    if (++n === 3) break;
    call.write(Buffer.from(`m${n}`));
  }
  assert.equal((await call.status).code, GrpcStatus.CANCELLED);
  assert.equal(await reset, 0x8);
});

test('a status that arrives before the request half-closes frees the stream (RST_STREAM CANCEL), so the channel can close', async () => {
  // A leaked half-closed stream held a MAX_CONCURRENT_STREAMS slot for good and made close() hang.
  const reset = new Promise<number>((resolve) => {
    behave = (s) => {
      s.onReset = resolve;
      s.onData = () => {
        s.respond(GRPC_OK_HEADERS);
        s.sendTrailers([['grpc-status', '0']]);
      };
    };
  });
  const call = new ClientCall(channel, bidi);
  call.write(Buffer.from('m0')); // and never end()
  assert.equal((await call.status).code, GrpcStatus.OK);
  assert.equal(await reset, 0x8);
  const own = new GrpcChannel(`127.0.0.1:${port}`);
  try {
    const c2 = new ClientCall(own, bidi);
    c2.write(Buffer.from('m0'));
    assert.equal((await c2.status).code, GrpcStatus.OK);
  } finally {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((r) => {
      timer = setTimeout(r, 5000, 'still open after 5 s');
    });
    assert.equal(await Promise.race([own.close().then(() => 'closed'), late]), 'closed');
    clearTimeout(timer);
  }
});

test('backpressure: write() turns false when the server stops reading, drain() resolves when it reads again', async () => {
  let total = 0;
  let stream: Http2ServerStream | undefined;
  // Fixed windows: adaptive flow control would grow the window while the handler is paused.
  const fixed = createHttp2Server(
    (s) => {
      stream = s;
      s.pause(); // no WINDOW_UPDATE: the client's send window runs out
      s.onData = (c) => {
        total += c.length;
      };
      s.onEnd = () => {
        s.respond(GRPC_OK_HEADERS);
        s.write(encodeGrpcMessage(Buffer.from(String(total))));
        s.sendTrailers([['grpc-status', '0']]);
      };
    },
    { http2: { flowControl: 'fixed' } },
  );
  const fixedPort = (await fixed.listen({ host: '127.0.0.1', port: 0 })).port;
  const fixedChannel = new GrpcChannel(`127.0.0.1:${fixedPort}`);
  const call = new ClientCall(fixedChannel, bidi);
  const chunk = new Uint8Array(64 * 1024);
  let written = 0;
  let drain: Promise<unknown> | undefined;
  // Write until the queue stops draining: the server's window (1 MiB) is spent and HTTP/2 holds
  // a full high-water mark. (A false before the stream opens drains as soon as it opens.)
  while (drain === undefined) {
    written++;
    assert.ok(written < 1000, 'writes never blocked');
    if (call.write(chunk)) continue;
    const d = call.drain();
    const blocked = await Promise.race([
      d.then(() => false),
      new Promise((r) => setTimeout(() => r(true), 50)),
    ]);
    if (blocked) drain = d;
  }
  assert.ok(written * chunk.length > 1024 * 1024, `blocked after ${written} writes`);
  stream?.resume();
  await drain;
  call.end();
  const res = await call.response;
  assert.equal(Number(Buffer.from(res).toString()), written * (chunk.length + 5));
  await fixedChannel.close();
  await fixed.close();
});

test('receive backpressure: a slow consumer stops the window, the server waits, nothing is lost', async () => {
  const total = 100;
  const size = 64 * 1024;
  let written = 0;
  const streaming = createHttp2Server((s) => {
    s.onEnd = () => {
      s.respond(GRPC_OK_HEADERS);
      const pump = () => {
        while (written < total) {
          written++;
          if (!s.write(encodeGrpcMessage(new Uint8Array(size)))) return;
        }
        s.sendTrailers([['grpc-status', '0']]);
      };
      s.onDrain = pump;
      pump();
    };
  });
  const p = (await streaming.listen({ host: '127.0.0.1', port: 0 })).port;
  const ch = new GrpcChannel(`127.0.0.1:${p}`, { http2: { flowControl: 'fixed' } });
  const call = new ClientCall(ch, { ...bidi, clientStreaming: false }, { receiveHighWaterMark: 256 * 1024 });
  call.write(Buffer.from('go'));
  call.end();
  const it = call[Symbol.asyncIterator]();
  assert.equal((await it.next()).value?.length, size);
  await new Promise((r) => setTimeout(r, 200));
  // Window (1 MiB) + our mark (256 KiB) + the server driver's own queue: far from all 6.4 MiB.
  assert.ok(written * size < 3 * 1024 * 1024, `the server wrote ${written} messages while we slept`);
  let n = 1;
  for (let r = await it.next(); !r.done; r = await it.next()) n++;
  assert.equal(n, total);
  assert.equal((await call.status).code, GrpcStatus.OK);
  await ch.close();
  await streaming.close();
});
