// RFC 9113 §3-§8 conformance, written from the RFC as an h2spec-style checklist. Each case drives
// our connection with hand-built frames (RawPeer) and checks the exact frames it answers with.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HeaderFieldInput } from '../../src/hpack/index.js';
import { CLIENT_PREFACE, Http2Connection } from '../../src/http2/connection.js';
import { ErrorCode } from '../../src/http2/error-code.js';
import { Http2ConnectionError } from '../../src/http2/errors.js';
import {
  encodeDataFrame,
  encodeGoaway,
  encodePing,
  encodeRawFrame,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
} from '../../src/http2/frame-encoder.js';
import { FrameFlag, FrameType } from '../../src/http2/frame-type.js';
import { concat, GET, post, RawPeer } from './harness.js';

function server(): RawPeer {
  return new RawPeer(new Http2Connection('server'));
}

function expectGoaway(peer: RawPeer, code: number): void {
  assert.ok(
    peer.error instanceof Http2ConnectionError,
    `expected a connection error, got ${String(peer.error)}`,
  );
  assert.equal(peer.error.errorCode, code, peer.error.message);
  const g = peer.goaway();
  assert.ok(g, 'a GOAWAY was queued before the error surfaced');
  assert.equal(g.errorCode, code);
}

function expectRst(peer: RawPeer, streamId: number, code: number): void {
  assert.equal(peer.error, undefined, `no connection error expected: ${String(peer.error)}`);
  const r = peer.rsts().find((f) => f.streamId === streamId);
  assert.ok(r, `RST_STREAM on stream ${streamId}`);
  assert.equal(r.errorCode, code);
  assert.equal(peer.goaway(), undefined);
}

function data(streamId: number, bytes: string, end: boolean): Uint8Array {
  return concat(encodeDataFrame(streamId, Buffer.from(bytes), end));
}

function openRequest(peer: RawPeer, id: number, fields: HeaderFieldInput[] = post('/')): void {
  peer.send(peer.headers(id, fields, false));
}

describe('§3.4 connection preface', () => {
  test('an invalid client preface is a PROTOCOL_ERROR', () => {
    const peer = new RawPeer(new Http2Connection('server'), false);
    peer.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('a first frame other than SETTINGS is a PROTOCOL_ERROR', () => {
    const peer = new RawPeer(new Http2Connection('server'), false);
    peer.send(CLIENT_PREFACE, encodePing(new Uint8Array(8), false));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('the preface may arrive split anywhere', () => {
    const conn = new Http2Connection('server');
    const bytes = concat([CLIENT_PREFACE, encodeSettings([])]);
    for (const b of bytes) conn.receive(Uint8Array.of(b));
    assert.equal(conn.isClosed, false);
  });
  test('the server preface is a SETTINGS frame; the client sends the preface, then SETTINGS', () => {
    const s = new RawPeer(new Http2Connection('server'), false);
    assert.equal(s.received[0].kind, 'settings');
    const client = new Http2Connection('client');
    const out = concat(client.takeOutput());
    assert.ok(out.subarray(0, 24).equals(CLIENT_PREFACE));
    assert.equal(out[24 + 3], FrameType.SETTINGS);
  });
  test('SETTINGS from the peer are acknowledged', () => {
    const peer = server();
    assert.ok(peer.received.some((f) => f.kind === 'settings' && f.ack));
  });
});

describe('§4 frames', () => {
  test('§4.1 frames of unknown type are ignored', () => {
    const peer = server();
    peer.send(encodeRawFrame(0xee, 0xff, 0, Buffer.from('x')), encodePing(Buffer.from('pingpong'), false));
    const acks = peer.read().filter((f) => f.kind === 'ping' && f.ack);
    assert.equal(acks.length, 1);
    assert.equal(peer.error, undefined);
  });
  test('§4.1 unknown flags are ignored (PING with flags 0xfe is still a request)', () => {
    const peer = server();
    peer.send(encodeRawFrame(FrameType.PING, 0xfe, 0, new Uint8Array(8)));
    assert.ok(peer.read().some((f) => f.kind === 'ping' && f.ack));
  });
  test('§4.2 a frame larger than SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(concat(encodeDataFrame(1, new Uint8Array(16385), false)));
    expectGoaway(peer, ErrorCode.FRAME_SIZE_ERROR);
  });
  test('§4.3 a field block that fails to decode is a COMPRESSION_ERROR', () => {
    const peer = server();
    peer.send(encodeRawFrame(FrameType.HEADERS, FrameFlag.END_HEADERS, 1, Uint8Array.of(0x80)));
    expectGoaway(peer, ErrorCode.COMPRESSION_ERROR);
  });
  test('§4.3 a frame of another stream inside a field block is a PROTOCOL_ERROR', () => {
    const peer = server();
    const block = peer.encoder.encode(GET);
    peer.send(
      encodeRawFrame(FrameType.HEADERS, 0, 1, block),
      encodeRawFrame(FrameType.HEADERS, FrameFlag.END_HEADERS, 3, block),
    );
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
});

describe('§5.1 stream states', () => {
  test('idle: DATA is a PROTOCOL_ERROR', () => {
    const peer = server();
    peer.send(data(1, 'x', false));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('idle: RST_STREAM is a PROTOCOL_ERROR (§6.4)', () => {
    const peer = server();
    peer.send(encodeRstStream(1, ErrorCode.CANCEL));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('idle: WINDOW_UPDATE is a PROTOCOL_ERROR', () => {
    const peer = server();
    peer.send(encodeWindowUpdate(1, 100));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('idle: PRIORITY is allowed and does not open the stream', () => {
    const peer = server();
    peer.send(encodeRawFrame(FrameType.PRIORITY, 0, 1, Uint8Array.of(0, 0, 0, 3, 0)));
    assert.equal(peer.error, undefined);
    assert.equal(peer.conn.streamState(1), 'idle');
  });
  test('half-closed (remote): DATA after END_STREAM is a stream error STREAM_CLOSED', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true), data(1, 'late', false));
    expectRst(peer, 1, ErrorCode.STREAM_CLOSED);
  });
  test('half-closed (remote): HEADERS after END_STREAM is a stream error STREAM_CLOSED', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true), peer.headers(1, [['x-late', '1']], true));
    expectRst(peer, 1, ErrorCode.STREAM_CLOSED);
  });
  test('half-closed (remote): WINDOW_UPDATE, PRIORITY and RST_STREAM are allowed', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true), encodeWindowUpdate(1, 10));
    peer.send(encodeRawFrame(FrameType.PRIORITY, 0, 1, Uint8Array.of(0, 0, 0, 0, 0)));
    assert.equal(peer.conn.streamState(1), 'half_closed_remote');
    peer.send(encodeRstStream(1, ErrorCode.CANCEL));
    assert.equal(peer.conn.streamState(1), 'closed');
    assert.ok(
      peer.events.some((e) => e.type === 'streamReset' && e.remote && e.errorCode === ErrorCode.CANCEL),
    );
    assert.equal(peer.error, undefined);
  });
  test('closed after END_STREAM both ways: DATA is a connection error STREAM_CLOSED', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true));
    peer.conn.sendHeaders(1, [[':status', '204']], { endStream: true });
    assert.equal(peer.conn.streamState(1), 'closed');
    peer.send(data(1, 'x', false));
    expectGoaway(peer, ErrorCode.STREAM_CLOSED);
  });
  test('closed after END_STREAM: HEADERS is a connection error STREAM_CLOSED', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true));
    peer.conn.sendHeaders(1, [[':status', '204']], { endStream: true });
    peer.send(peer.headers(1, GET, true));
    expectGoaway(peer, ErrorCode.STREAM_CLOSED);
  });
  test('closed after we sent RST_STREAM: frames are ignored, and still count against the connection window', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.conn.resetStream(1, ErrorCode.CANCEL);
    peer.read();
    peer.send(data(1, 'in flight', false), peer.headers(1, [['x-t', '1']], true));
    assert.equal(peer.error, undefined);
    assert.equal(peer.goaway(), undefined);
    // The HPACK state survived: a new request on stream 3 decodes.
    peer.send(peer.headers(3, GET, true));
    assert.ok(peer.events.some((e) => e.type === 'requestReceived' && e.streamId === 3));
  });
  test('closed after the peer reset it: DATA is a stream error STREAM_CLOSED', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(encodeRstStream(1, ErrorCode.CANCEL), data(1, 'x', false));
    expectRst(peer, 1, ErrorCode.STREAM_CLOSED);
  });
});

describe('§5.1.1 stream identifiers', () => {
  test('a client stream with an even id is a PROTOCOL_ERROR', () => {
    const peer = server();
    peer.send(peer.headers(2, GET, true));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('a stream id lower than a previous one is a PROTOCOL_ERROR', () => {
    const peer = server();
    peer.send(peer.headers(5, GET, true), peer.headers(3, GET, true));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('opening a higher stream implicitly closes lower idle ones', () => {
    const peer = server();
    peer.send(peer.headers(7, GET, true));
    assert.equal(peer.conn.streamState(5), 'closed');
    assert.equal(peer.conn.streamState(9), 'idle');
  });
  test('our client uses odd, increasing ids', () => {
    const client = new Http2Connection('client');
    assert.deepEqual([client.request(GET), client.request(GET), client.request(GET)], [1, 3, 5]);
  });
});

describe('§5.3 priority', () => {
  test('HEADERS depending on its own stream is a stream error PROTOCOL_ERROR', () => {
    const peer = server();
    const block = peer.encoder.encode(GET);
    const payload = concat([Uint8Array.of(0, 0, 0, 1, 16), block]);
    peer.send(
      encodeRawFrame(
        FrameType.HEADERS,
        FrameFlag.END_HEADERS | FrameFlag.PRIORITY | FrameFlag.END_STREAM,
        1,
        payload,
      ),
    );
    expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
    peer.send(peer.headers(3, GET, true));
    assert.ok(
      peer.events.some((e) => e.type === 'requestReceived' && e.streamId === 3),
      'HPACK stayed in sync',
    );
  });
  test('PRIORITY depending on its own stream is a stream error PROTOCOL_ERROR', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(encodeRawFrame(FrameType.PRIORITY, 0, 1, Uint8Array.of(0, 0, 0, 1, 0)));
    expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
  });
});

describe('§6 frame definitions', () => {
  test('§6.1 DATA on stream 0 is a PROTOCOL_ERROR', () => {
    const peer = server();
    peer.send(encodeRawFrame(FrameType.DATA, 0, 0, Buffer.from('x')));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
    assert.equal(peer.conn.stats().connection_error_protocol_error, 1);
  });
  test('§6.1 padded DATA: padding counts against flow control and is returned by the connection', () => {
    const peer = server();
    openRequest(peer, 1);
    const payload = concat([Uint8Array.of(200), Buffer.from('hi'), new Uint8Array(200)]);
    peer.send(encodeRawFrame(FrameType.DATA, FrameFlag.PADDED, 1, payload));
    const ev = peer.events.find((e) => e.type === 'dataReceived');
    assert.ok(ev && ev.type === 'dataReceived');
    assert.equal(Buffer.from(ev.data).toString(), 'hi');
    assert.equal(ev.flowControlledLength, 2);
  });
  test('§6.2 HEADERS + CONTINUATION reassemble into one request', () => {
    const peer = server();
    const fields: HeaderFieldInput[] = [...GET, ['x-big', 'v'.repeat(3000)]];
    peer.send(peer.headers(1, fields, true, 100));
    const req = peer.events.find((e) => e.type === 'requestReceived');
    assert.ok(req && req.type === 'requestReceived');
    assert.equal(req.headers.at(-1)?.value.length, 3000);
  });
  test('§6.4 RST_STREAM closes the stream and drops its queued data', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true));
    peer.conn.sendHeaders(1, [[':status', '200']]);
    peer.conn.sendData(1, new Uint8Array(100000));
    peer.send(encodeRstStream(1, ErrorCode.CANCEL));
    const frames = peer.read();
    assert.equal(frames.filter((f) => f.kind === 'data').length, 0);
    assert.equal(peer.conn.streamState(1), 'closed');
  });
  test('§6.5.2 a server receiving SETTINGS_ENABLE_PUSH=1 accepts it; a client treats it as a PROTOCOL_ERROR', () => {
    const peer = server();
    peer.send(encodeSettings([[2, 1]]));
    assert.equal(peer.error, undefined);
    const c = new RawPeer(new Http2Connection('client'), false);
    c.send(encodeSettings([[2, 1]]));
    expectGoaway(c, ErrorCode.PROTOCOL_ERROR);
  });
  test('§6.5.3 our SETTINGS take effect when acknowledged', () => {
    const peer = server();
    assert.equal(peer.conn.localSettings.maxConcurrentStreams, Number.POSITIVE_INFINITY);
    peer.send(encodeSettings(null));
    assert.equal(peer.conn.localSettings.maxConcurrentStreams, 100);
    assert.ok(peer.events.some((e) => e.type === 'settingsAcked'));
  });
  test('§6.9.2 a SETTINGS_INITIAL_WINDOW_SIZE change adjusts open streams, even below zero', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true));
    peer.conn.sendHeaders(1, [[':status', '200']]);
    peer.send(encodeSettings([[4, 100]]));
    assert.equal(peer.conn.sendWindowOf(1), 100);
    peer.conn.sendData(1, new Uint8Array(150));
    assert.deepEqual(
      peer
        .read()
        .filter((f) => f.kind === 'data')
        .map((f) => f.kind === 'data' && f.data.length),
      [100],
    );
    peer.send(encodeSettings([[4, 50]]));
    assert.equal(peer.conn.sendWindowOf(1), -50);
    peer.send(encodeWindowUpdate(1, 100));
    assert.deepEqual(
      peer
        .read()
        .filter((f) => f.kind === 'data')
        .map((f) => f.kind === 'data' && f.data.length),
      [50],
    );
  });
  test('§6.9.2 a SETTINGS_INITIAL_WINDOW_SIZE that overflows a window is a FLOW_CONTROL_ERROR', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true), encodeWindowUpdate(1, 2 ** 31 - 1 - 65535));
    peer.send(encodeSettings([[4, 65536]]));
    expectGoaway(peer, ErrorCode.FLOW_CONTROL_ERROR);
  });
  test('§6.7 PING is answered with an ACK carrying the same data; a PING ACK is not answered', () => {
    const peer = server();
    peer.send(encodePing(Buffer.from('abcdefgh'), false), encodePing(Buffer.from('zzzzzzzz'), true));
    const pings = peer.read().filter((f) => f.kind === 'ping');
    assert.equal(pings.length, 1);
    assert.ok(
      pings[0].kind === 'ping' && pings[0].ack && Buffer.from(pings[0].opaque).toString() === 'abcdefgh',
    );
  });
  test('§6.8 after GOAWAY a client opens no stream, and streams above last-stream-id are refused', () => {
    const client = new RawPeer(new Http2Connection('client'));
    const a = client.conn.request(GET, { endStream: true });
    const b = client.conn.request(GET, { endStream: true });
    client.send(encodeGoaway(a, ErrorCode.NO_ERROR, new Uint8Array(0)));
    assert.ok(
      client.events.some(
        (e) => e.type === 'streamReset' && e.streamId === b && e.errorCode === ErrorCode.REFUSED_STREAM,
      ),
    );
    assert.equal(client.conn.streamState(a), 'half_closed_local');
    assert.throws(() => client.conn.request(GET), /GOAWAY/);
  });
  test('§6.9 a WINDOW_UPDATE overflowing the connection window is a FLOW_CONTROL_ERROR', () => {
    const peer = server();
    peer.send(encodeWindowUpdate(0, 2 ** 31 - 1));
    expectGoaway(peer, ErrorCode.FLOW_CONTROL_ERROR);
  });
  test('§6.9 a WINDOW_UPDATE overflowing a stream window is a stream error FLOW_CONTROL_ERROR', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(encodeWindowUpdate(1, 2 ** 31 - 1));
    expectRst(peer, 1, ErrorCode.FLOW_CONTROL_ERROR);
  });
  test('§6.9 WINDOW_UPDATE with increment 0: stream error on a stream, connection error on stream 0', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(encodeWindowUpdate(1, 0));
    expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
    peer.send(encodeWindowUpdate(0, 0));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('§6.9.1 DATA beyond the stream window is a FLOW_CONTROL_ERROR', () => {
    const peer = new RawPeer(new Http2Connection('server', { initialWindowSize: 16384 }));
    peer.send(encodeSettings(null));
    openRequest(peer, 1);
    peer.send(data(1, 'a'.repeat(16384), false), data(1, 'b', false));
    expectRst(peer, 1, ErrorCode.FLOW_CONTROL_ERROR);
  });
  test('§6.9.1 DATA beyond the connection window is a connection FLOW_CONTROL_ERROR', () => {
    const peer = server();
    peer.send(encodeSettings(null)); // stream windows become 1 MiB, so the connection's 1 MiB binds first
    for (let id = 1; id <= 21; id += 2) openRequest(peer, id);
    const chunk = 'x'.repeat(16384);
    for (let id = 1; id <= 21; id += 2) for (let i = 0; i < 6; i++) peer.send(data(id, chunk, false));
    expectGoaway(peer, ErrorCode.FLOW_CONTROL_ERROR);
  });
  test('§6.9 we never send more than the peer window, and resume on WINDOW_UPDATE', () => {
    const peer = server();
    peer.send(peer.headers(1, GET, true));
    peer.conn.sendHeaders(1, [[':status', '200']]);
    peer.conn.sendData(1, new Uint8Array(100000), { endStream: true });
    const sent = () =>
      peer.received
        .filter((f) => f.kind === 'data')
        .reduce((n, f) => n + (f.kind === 'data' ? f.data.length : 0), 0);
    peer.read();
    assert.equal(sent(), 65535);
    assert.equal(peer.conn.bufferedAmount(1), 100000 - 65535);
    peer.send(encodeWindowUpdate(1, 50000));
    peer.read();
    assert.equal(sent(), 65535, 'still blocked by the connection window');
    peer.send(encodeWindowUpdate(0, 50000));
    peer.read();
    assert.equal(sent(), 100000);
    assert.ok(peer.received.some((f) => f.kind === 'data' && f.endStream));
  });
  test('§6.10 CONTINUATION without a preceding HEADERS is a PROTOCOL_ERROR', () => {
    const peer = server();
    peer.send(encodeRawFrame(FrameType.CONTINUATION, FrameFlag.END_HEADERS, 1, Uint8Array.of(0x82)));
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('§6.10 CONTINUATION on another stream is a PROTOCOL_ERROR', () => {
    const peer = server();
    const block = peer.encoder.encode(GET);
    peer.send(
      encodeRawFrame(FrameType.HEADERS, 0, 1, block),
      encodeRawFrame(FrameType.CONTINUATION, FrameFlag.END_HEADERS, 3, new Uint8Array(0)),
    );
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
});

describe('§8 HTTP semantics: malformed messages are stream errors PROTOCOL_ERROR', () => {
  const base = (extra: HeaderFieldInput[] = []): HeaderFieldInput[] => [...GET, ...extra];
  const cases: Array<[string, HeaderFieldInput[]]> = [
    ['§8.2.1 uppercase field name', base([['X-Upper', '1']])],
    ['§8.2.1 field value with a line feed', base([['x-a', 'a\nb']])],
    ['§8.2.1 field value with leading space', base([['x-a', ' a']])],
    ['§8.2.2 connection-specific field', base([['connection', 'keep-alive']])],
    ['§8.2.2 te other than trailers', base([['te', 'gzip']])],
    ['§8.3 pseudo-header after a regular field', [...GET.slice(0, 3), ['x-a', '1'], GET[3]]],
    ['§8.3 unknown pseudo-header', base([[':foo', 'bar']])],
    ['§8.3 response pseudo-header in a request', base([[':status', '200']])],
    ['§8.3.1 duplicate :path', [...GET, [':path', '/again']]],
    ['§8.3.1 missing :method', GET.slice(1)],
    ['§8.3.1 missing :scheme', [GET[0], GET[2], GET[3]]],
    ['§8.3.1 empty :path', [GET[0], GET[1], GET[2], [':path', '']]],
  ];
  for (const [name, fields] of cases) {
    test(name, () => {
      const peer = server();
      peer.send(peer.headers(1, fields, true));
      expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
      assert.equal(peer.events.filter((e) => e.type === 'requestReceived').length, 0);
    });
  }
  test('§8.1 trailers without END_STREAM', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(peer.headers(1, [['x-t', '1']], false));
    expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
  });
  test('§8.1 trailers with a pseudo-header', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(peer.headers(1, [[':path', '/']], true));
    expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
  });
  test('§8.1.1 content-length larger than the DATA', () => {
    const peer = server();
    openRequest(peer, 1, post('/', [['content-length', '10']]));
    peer.send(data(1, 'short', true));
    expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
  });
  test('§8.1.1 DATA beyond content-length', () => {
    const peer = server();
    openRequest(peer, 1, post('/', [['content-length', '2']]));
    peer.send(data(1, 'toolong', false));
    expectRst(peer, 1, ErrorCode.PROTOCOL_ERROR);
  });
  test('§8.1.1 matching content-length is accepted', () => {
    const peer = server();
    openRequest(peer, 1, post('/', [['content-length', '5']]));
    peer.send(data(1, 'he', false), data(1, 'llo', true));
    assert.ok(peer.events.some((e) => e.type === 'streamEnded'));
    assert.equal(peer.rsts().length, 0);
  });
  test('§8.3 CONNECT needs :authority and no :scheme or :path', () => {
    const peer = server();
    peer.send(
      peer.headers(
        1,
        [
          [':method', 'CONNECT'],
          [':authority', 'h:443'],
        ],
        false,
      ),
    );
    assert.ok(peer.events.some((e) => e.type === 'requestReceived'));
    peer.send(
      peer.headers(
        3,
        [
          [':method', 'CONNECT'],
          [':authority', 'h:443'],
          [':path', '/'],
        ],
        false,
      ),
    );
    expectRst(peer, 3, ErrorCode.PROTOCOL_ERROR);
  });
  test('§8.4 a server treats PUSH_PROMISE as a PROTOCOL_ERROR', () => {
    const peer = server();
    openRequest(peer, 1);
    peer.send(
      encodeRawFrame(FrameType.PUSH_PROMISE, FrameFlag.END_HEADERS, 1, Uint8Array.of(0, 0, 0, 2, 0x82)),
    );
    expectGoaway(peer, ErrorCode.PROTOCOL_ERROR);
  });
  test('§6.6 a client that disabled push treats PUSH_PROMISE as a PROTOCOL_ERROR', () => {
    const c = new RawPeer(new Http2Connection('client'));
    const id = c.conn.request(GET, { endStream: true });
    c.send(
      encodeRawFrame(FrameType.PUSH_PROMISE, FrameFlag.END_HEADERS, id, Uint8Array.of(0, 0, 0, 2, 0x82)),
    );
    expectGoaway(c, ErrorCode.PROTOCOL_ERROR);
    assert.ok(
      c.received.some((f) => f.kind === 'settings' && f.entries.some(([k, v]) => k === 2 && v === 0)),
    );
  });
  test('§8.1 a client gets 1xx then the final response; DATA before HEADERS is malformed', () => {
    const c = new RawPeer(new Http2Connection('client'));
    const id = c.conn.request(GET, { endStream: true });
    c.send(
      c.headers(
        id,
        [
          [':status', '103'],
          ['link', '</a>'],
        ],
        false,
      ),
      c.headers(id, [[':status', '200']], false),
    );
    assert.deepEqual(
      c.events.filter((e) => e.type.endsWith('esponseReceived')).map((e) => e.type),
      ['informationalResponseReceived', 'responseReceived'],
    );
    const id2 = c.conn.request(GET, { endStream: true });
    c.send(data(id2, 'early', false));
    expectRst(c, id2, ErrorCode.PROTOCOL_ERROR);
  });
});

test('§8.1.1 responses without content (HEAD, 204, 304) may carry a non-zero content-length', () => {
  const c = new RawPeer(new Http2Connection('client'));
  const head = c.conn.request([[':method', 'HEAD'], ...GET.slice(1)], { endStream: true });
  const get = c.conn.request(GET, { endStream: true });
  c.send(
    c.headers(
      head,
      [
        [':status', '200'],
        ['content-length', '1234'],
      ],
      true,
    ),
  );
  c.send(
    c.headers(
      get,
      [
        [':status', '304'],
        ['content-length', '99'],
      ],
      true,
    ),
  );
  assert.equal(c.rsts().length, 0);
  assert.equal(c.events.filter((e) => e.type === 'streamEnded').length, 2);
  const other = c.conn.request(GET, { endStream: true });
  c.send(
    c.headers(
      other,
      [
        [':status', '200'],
        ['content-length', '5'],
      ],
      true,
    ),
  );
  expectRst(c, other, ErrorCode.PROTOCOL_ERROR);
});
