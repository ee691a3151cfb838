import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Http2Connection } from '../../src/http2/connection.js';
import type { Http2Event } from '../../src/http2/events.js';
import type { Http2ConnectionOptions } from '../../src/http2/options.js';
import { concat, GET, Pair, post, RawPeer } from './harness.js';

test('GET round trip between our client and our server', () => {
  const p = new Pair();
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived') {
      s.sendHeaders(ev.streamId, [
        [':status', '200'],
        ['content-type', 'text/plain'],
      ]);
      s.sendData(ev.streamId, Buffer.from('hello'), { endStream: true });
    }
  };
  const id = p.client.request(GET, { endStream: true });
  p.exchange();
  const resp = p.clientEvents.find((e) => e.type === 'responseReceived');
  assert.ok(resp && resp.type === 'responseReceived');
  assert.equal(resp.headers[0].value, '200');
  const body = concat(p.clientEvents.flatMap((e) => (e.type === 'dataReceived' ? [e.data] : [])));
  assert.equal(body.toString(), 'hello');
  assert.ok(p.clientEvents.some((e) => e.type === 'streamEnded' && e.streamId === id));
  assert.equal(p.client.streamState(id), 'closed');
  assert.equal(p.server.openStreamCount, 0);
});

test('POST echo of 5 MB both ways with flow control and trailers', () => {
  const p = new Pair();
  const received = new Map<number, Buffer[]>();
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived') {
      s.sendHeaders(ev.streamId, [[':status', '200']]);
      received.set(ev.streamId, []);
    } else if (ev.type === 'dataReceived') {
      s.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
      s.sendData(ev.streamId, ev.data);
    } else if (ev.type === 'streamEnded') {
      s.sendTrailers(ev.streamId, [['grpc-status', '0']]);
    }
  };
  p.onClientEvent = (ev, c) => {
    if (ev.type === 'dataReceived') c.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
  };
  const body = Buffer.alloc(5 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const id = p.client.request(post('/echo'));
  p.client.sendData(id, body, { endStream: true });
  p.exchange();
  const echoed = concat(
    p.clientEvents.flatMap((e) => (e.type === 'dataReceived' && e.streamId === id ? [e.data] : [])),
  );
  assert.equal(echoed.length, body.length);
  assert.ok(echoed.equals(body));
  const trailers = p.clientEvents.find((e) => e.type === 'trailersReceived');
  assert.ok(trailers && trailers.type === 'trailersReceived');
  assert.deepEqual(
    trailers.headers.map((h) => [h.name, h.value]),
    [['grpc-status', '0']],
  );
});

test('graceful shutdown is two-phase: GOAWAY 2^31-1 + PING, then the final last-stream-id; in-flight streams finish', () => {
  const p = new Pair();
  const pending: number[] = [];
  p.onServerEvent = (ev) => {
    if (ev.type === 'requestReceived') pending.push(ev.streamId);
  };
  const a = p.client.request(GET, { endStream: true });
  const b = p.client.request(GET, { endStream: true });
  p.exchange();
  p.server.shutdownGracefully(0);
  assert.equal(p.server.pollTimeout(), 1000);
  p.exchange();
  const goaways = p.clientEvents.filter((e) => e.type === 'goAwayReceived');
  assert.deepEqual(
    goaways.map((e) => e.type === 'goAwayReceived' && [e.lastStreamId, e.errorCode]),
    [
      [2 ** 31 - 1, 0],
      [b, 0],
    ],
  );
  assert.equal(p.server.pollTimeout(), undefined);
  assert.equal(p.server.canClose, false, 'two streams still in flight');
  for (const id of pending) p.server.sendHeaders(id, [[':status', '200']], { endStream: true });
  p.exchange();
  assert.equal(p.clientEvents.filter((e) => e.type === 'responseReceived').length, 2);
  assert.equal(p.server.canClose, true);
  assert.equal(p.client.canClose, true);
  assert.ok(a < b);
});

test('graceful shutdown: streams opened before the final GOAWAY are served, later ones ignored with HPACK kept in sync', () => {
  const server = new Http2Connection('server');
  const peer = new RawPeer(server);
  peer.send(peer.headers(1, GET, true));
  server.shutdownGracefully(0);
  peer.send(peer.headers(3, GET, true)); // in flight when the first GOAWAY was sent
  assert.equal(server.pollTimeout(), 1000);
  server.handleTimeout(999);
  assert.equal(peer.read().filter((f) => f.kind === 'goaway').length, 1);
  server.handleTimeout(1000); // the PING ack never came: the timeout sends the final GOAWAY
  assert.equal(peer.goaway()?.lastStreamId, 3);
  peer.send(peer.headers(5, [...GET, ['x-new', 'indexed']], true));
  peer.send(peer.headers(7, [...GET, ['x-new', 'indexed']], true));
  const ids = peer.events.flatMap((e) => (e.type === 'requestReceived' ? [e.streamId] : []));
  assert.deepEqual(ids, [1, 3]);
  assert.equal(server.stats().stream_after_goaway, 2);
  assert.equal(peer.error, undefined);
});

test('SETTINGS and PING between our two ends: settingsChanged, settingsAcked, pingAcked', () => {
  const p = new Pair();
  p.exchange();
  p.clientEvents = [];
  p.serverEvents = [];
  p.client.settings({ maxConcurrentStreams: 7, headerTableSize: 0 });
  p.client.ping(Buffer.from('8 octets'));
  p.exchange();
  const changed = p.serverEvents.find((e) => e.type === 'settingsChanged');
  assert.ok(changed && changed.type === 'settingsChanged');
  assert.deepEqual(changed.changed, { headerTableSize: 0, maxConcurrentStreams: 7 });
  assert.ok(p.clientEvents.some((e) => e.type === 'settingsAcked'));
  const acked = p.clientEvents.find((e) => e.type === 'pingAcked');
  assert.ok(acked && acked.type === 'pingAcked' && Buffer.from(acked.data).toString() === '8 octets');
  assert.equal(p.client.localSettings.maxConcurrentStreams, 7);
  // The server's encoder now uses no dynamic table; responses still decode.
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived')
      s.sendHeaders(
        ev.streamId,
        [
          [':status', '200'],
          ['x-custom', 'value'],
        ],
        { endStream: true },
      );
  };
  for (let i = 0; i < 3; i++) p.client.request(GET, { endStream: true });
  p.exchange();
  assert.equal(p.clientEvents.filter((e) => e.type === 'responseReceived').length, 3);
});

test('backpressure: a slow reader stalls its own stream only, not the connection', () => {
  const p = new Pair({ initialWindowSize: 65535, connectionWindowSize: 4 << 20, flowControl: 'fixed' });
  const size = 1 << 20;
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived') {
      s.sendHeaders(ev.streamId, [[':status', '200']]);
      s.sendData(ev.streamId, new Uint8Array(size), { endStream: true });
    }
  };
  const fast = p.client.request(GET, { endStream: true });
  const slow = p.client.request(GET, { endStream: true });
  const got = new Map<number, number>();
  p.onClientEvent = (ev, c) => {
    if (ev.type === 'dataReceived') {
      got.set(ev.streamId, (got.get(ev.streamId) ?? 0) + ev.data.length);
      if (ev.streamId === fast) c.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
    }
  };
  p.exchange();
  assert.equal(got.get(fast), size, 'the fast stream completed');
  assert.equal(got.get(slow), 65535, 'the slow stream stopped at its window');
  assert.equal(p.server.bufferedAmount(slow), size - 65535);
  assert.ok(p.clientEvents.some((e) => e.type === 'streamEnded' && e.streamId === fast));
});

test('our client respects the peer MAX_CONCURRENT_STREAMS', () => {
  const p = new Pair({}, { maxConcurrentStreams: 2 });
  p.exchange();
  p.client.request(GET);
  p.client.request(GET);
  assert.throws(() => p.client.request(GET), /MAX_CONCURRENT_STREAMS/);
});

test('a stream error we detect is reported as streamReset (remote: false) and the peer sees RST_STREAM', () => {
  const p = new Pair();
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived')
      s.sendHeaders(ev.streamId, [
        [':status', '200'],
        ['content-length', '3'],
      ]);
    if (ev.type === 'streamEnded') s.sendData(ev.streamId, Buffer.from('four'));
  };
  const id = p.client.request(GET, { endStream: true });
  p.exchange();
  assert.ok(p.clientEvents.some((e) => e.type === 'streamReset' && e.streamId === id && !e.remote));
  assert.ok(p.serverEvents.some((e) => e.type === 'streamReset' && e.streamId === id && e.remote));
  assert.equal(p.client.stats().malformed_content_length, 1);
});

test('any split of the transport bytes gives the same events on both sides (property)', () => {
  const script = (p: Pair) => {
    p.onServerEvent = (ev, s) => {
      if (ev.type === 'requestReceived')
        s.sendHeaders(ev.streamId, [
          [':status', '200'],
          ['x-id', String(ev.streamId)],
        ]);
      if (ev.type === 'dataReceived') {
        s.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
        s.sendData(ev.streamId, ev.data);
      }
      if (ev.type === 'streamEnded') s.sendTrailers(ev.streamId, [['x-done', '1']]);
    };
    p.onClientEvent = (ev, c) => {
      if (ev.type === 'dataReceived') c.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
    };
    for (let i = 0; i < 3; i++) {
      const id = p.client.request(post('/echo', [['x-big', 'h'.repeat(20000)]]));
      p.client.sendData(id, new Uint8Array(70000).fill(i), { endStream: true });
    }
  };
  const summarize = (events: Http2Event[]) => {
    const out: string[] = [];
    const bytes = new Map<number, number>();
    for (const e of events) {
      if (e.type === 'dataReceived') bytes.set(e.streamId, (bytes.get(e.streamId) ?? 0) + e.data.length);
      else out.push(`${e.type}:${'streamId' in e ? e.streamId : ''}`);
    }
    return [out.sort(), [...bytes].sort()];
  };
  const reference = new Pair({ initialWindowSize: 65535 }, { initialWindowSize: 65535 });
  script(reference);
  reference.exchange();
  const expected = [summarize(reference.clientEvents), summarize(reference.serverEvents)];
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }), (sizes) => {
      const p = new Pair({ initialWindowSize: 65535 }, { initialWindowSize: 65535 });
      script(p);
      // Deliver each side's output in chunks of the given sizes (cycled).
      let k = 0;
      const deliver = (
        bytes: Buffer,
        to: Http2Connection,
        sink: Http2Event[],
        on: (e: Http2Event) => void,
      ) => {
        for (let at = 0; at < bytes.length; ) {
          const n = sizes[k++ % sizes.length];
          for (const e of to.receive(bytes.subarray(at, at + n))) {
            sink.push(e);
            on(e);
          }
          at += n;
        }
      };
      for (let round = 0; round < 1000; round++) {
        const a = concat(p.client.takeOutput());
        const b = concat(p.server.takeOutput());
        if (a.length === 0 && b.length === 0) break;
        deliver(a, p.server, p.serverEvents, (e) => p.onServerEvent(e, p.server));
        deliver(b, p.client, p.clientEvents, (e) => p.onClientEvent(e, p.client));
      }
      assert.deepEqual([summarize(p.clientEvents), summarize(p.serverEvents)], expected);
    }),
    { numRuns: 25 },
  );
});

function download(options: Http2ConnectionOptions, size: number): { rounds: number; p: Pair } {
  const p = new Pair(options, {});
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived') {
      s.sendHeaders(ev.streamId, [[':status', '200']]);
      s.sendData(ev.streamId, new Uint8Array(size), { endStream: true });
    }
  };
  let got = 0;
  p.onClientEvent = (ev, c) => {
    if (ev.type === 'dataReceived') {
      got += ev.data.length;
      c.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
    }
  };
  p.client.request(GET, { endStream: true });
  const rounds = p.exchange();
  assert.equal(got, size);
  return { rounds, p };
}

test('adaptiveWindowGrowsOnAFastLink: BDP pings grow a 64 KiB window, so a 32 MiB download needs far fewer round trips', () => {
  const start = { initialWindowSize: 65535, connectionWindowSize: 65535 };
  const fixed = download({ ...start, flowControl: 'fixed' }, 32 << 20);
  const adaptive = download(start, 32 << 20);
  // Fixed: one 64 KiB window per round trip, 512+ rounds. Adaptive doubles toward 16 MiB.
  assert.ok(fixed.rounds > 500, `fixed took ${fixed.rounds} rounds`);
  assert.ok(
    adaptive.rounds < fixed.rounds / 8,
    `adaptive took ${adaptive.rounds} rounds, fixed ${fixed.rounds}`,
  );
  const c = adaptive.p.client;
  assert.ok(c.localSettings.initialWindowSize > 65535);
  assert.ok(c.localSettings.initialWindowSize <= 16 << 20);
  assert.ok((c.stats().bdp_window_grown ?? 0) >= 3);
  assert.equal(fixed.p.client.stats().bdp_window_grown, undefined);
  assert.equal(fixed.p.client.localSettings.initialWindowSize, 65535);
  // BDP PING acks are internal: the application sees no pingAcked.
  assert.equal(adaptive.p.clientEvents.filter((e) => e.type === 'pingAcked').length, 0);
});

test('adaptive windows stop at maxAdaptiveWindowSize', () => {
  const { p } = download(
    { initialWindowSize: 65535, connectionWindowSize: 65535, maxAdaptiveWindowSize: 1 << 20 },
    16 << 20,
  );
  assert.equal(p.client.localSettings.initialWindowSize, 1 << 20);
});
