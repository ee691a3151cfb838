// Known HTTP/2 attacks, each stopped by a named limit with a counter (see docs/http2.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Http2Connection } from '../../src/http2/connection.js';
import { ErrorCode } from '../../src/http2/error-code.js';
import { Http2ConnectionError } from '../../src/http2/errors.js';
import {
  encodeDataFrame,
  encodePing,
  encodeRawFrame,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
} from '../../src/http2/frame-encoder.js';
import { FrameType } from '../../src/http2/frame-type.js';
import type { Http2ConnectionOptions } from '../../src/http2/options.js';
import { concat, GET, post, RawPeer } from './harness.js';

function server(options: Http2ConnectionOptions = {}): RawPeer {
  const peer = new RawPeer(new Http2Connection('server', options));
  peer.send(encodeSettings(null));
  return peer;
}

function assertCalm(peer: RawPeer, counter: string): void {
  assert.ok(peer.error instanceof Http2ConnectionError, `expected GOAWAY, got ${String(peer.error)}`);
  assert.equal(peer.error.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
  assert.equal(peer.goaway()?.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
  assert.equal(peer.conn.stats()[counter], 1, JSON.stringify(peer.conn.stats()));
  assert.equal(peer.conn.isClosed, true);
}

test('rapidResetSendsGoawayEnhanceYourCalm: CVE-2023-44487, 1001 open+reset in one instant', () => {
  const peer = server();
  const ids: number[] = [];
  for (let i = 0; i < 1001 && peer.error === undefined; i++) {
    const id = 1 + 2 * i;
    ids.push(id);
    // One write per pair, as an attacker would pipeline them.
    peer.send(concat([peer.headers(id, GET, false), encodeRstStream(id, ErrorCode.CANCEL)]));
    peer.read();
  }
  assert.equal(ids.length, 1001, 'the burst of 1000 resets is allowed');
  assertCalm(peer, 'rapid_reset');
});

test('rapidResetBudgetRefillsAt33PerSecond: a client cancelling at a normal rate is never cut off', () => {
  const conn = new Http2Connection('server', { rapidResetBurst: 10, rapidResetPerSecond: 33 });
  const peer = new RawPeer(conn);
  let now = 0;
  for (let i = 0; i < 200; i++) {
    const id = 1 + 2 * i;
    now += 31; // ~32 resets per second, just under the refill rate
    conn.receive(concat([peer.headers(id, GET, false), encodeRstStream(id, ErrorCode.CANCEL)]), now);
    peer.read();
  }
  assert.equal(conn.isClosed, false);
  assert.equal(conn.stats().rapid_reset, undefined);
});

test('madeYouResetSendsGoawayEnhanceYourCalm: CVE-2025-8671, streams we must reset for peer errors share the budget', () => {
  const peer = server();
  let streams = 0;
  for (let i = 0; i < 1001 && peer.error === undefined; i++) {
    const id = 1 + 2 * i;
    // WINDOW_UPDATE with increment 0 is a stream error: we reset the stream ourselves.
    peer.send(concat([peer.headers(id, GET, false), encodeWindowUpdate(id, 0)]));
    peer.read();
    streams++;
  }
  assert.equal(streams, 1001);
  assertCalm(peer, 'made_you_reset');
});

test('continuationFloodClosedBeforeEndHeaders: CONTINUATION frames never ending stop at maxHeaderBlockBytes', () => {
  const peer = server();
  const block = peer.encoder.encode(GET);
  peer.send(encodeRawFrame(FrameType.HEADERS, 0, 1, block));
  const junk = new Uint8Array(16384).fill(0x40);
  let frames = 0;
  while (peer.error === undefined && frames < 1000) {
    peer.send(encodeRawFrame(FrameType.CONTINUATION, 0, 1, junk));
    frames++;
  }
  // 2 × 64 KiB of block at most was buffered: 8 full frames fit, the 9th crosses the limit.
  assert.equal(frames, 8);
  assertCalm(peer, 'header_block_too_large');
  assert.equal(peer.events.filter((e) => e.type === 'requestReceived').length, 0);
});

test('continuationFloodOfEmptyFramesStopsAtMaxContinuationFrames', () => {
  const peer = server();
  peer.send(encodeRawFrame(FrameType.HEADERS, 0, 1, peer.encoder.encode(GET)));
  let frames = 0;
  while (peer.error === undefined && frames < 10_000) {
    peer.send(encodeRawFrame(FrameType.CONTINUATION, 0, 1, new Uint8Array(0)));
    frames++;
  }
  assert.equal(frames, 33);
  assertCalm(peer, 'continuation_flood');
});

test('hpackBombRefusesOnlyThatStreamWith431: an oversized header list gets 431, the connection lives on', () => {
  const peer = server({ maxHeaderListSize: 8192 });
  // One 4000-octet value indexed once, then referenced many times with one octet each.
  peer.send(peer.headers(1, [...GET, ['x-bomb', 'b'.repeat(4000)]], true));
  assert.equal(peer.events.filter((e) => e.type === 'requestReceived').length, 1);
  const bomb = Buffer.concat([peer.encoder.encode(GET), Buffer.alloc(5000, 0xbe)]); // 0xbe = index 62
  peer.send(encodeRawFrame(FrameType.HEADERS, 0x5, 3, bomb));
  const frames = peer.read();
  const response = frames.find((f) => f.kind === 'headers' && f.streamId === 3);
  assert.ok(response && response.kind === 'headers');
  assert.deepEqual(
    peer.decoder.decode(response.fragment).map((h) => [h.name, h.value]),
    [[':status', '431']],
  );
  assert.equal(peer.conn.stats().header_list_too_large, 1);
  peer.send(peer.headers(5, GET, true));
  assert.ok(peer.events.some((e) => e.type === 'requestReceived' && e.streamId === 5));
  assert.equal(peer.error, undefined);
});

test('settingsFloodWithUnreadAcksSendsGoawayEnhanceYourCalm', () => {
  const peer = server({ maxQueuedControlFrames: 500 });
  const settings = encodeSettings([[3, 100]]);
  // The peer never reads: nobody calls takeOutput(), so ACKs pile up.
  let frames = 0;
  for (; frames < 600 && peer.error === undefined; frames++) peer.send(settings);
  assert.equal(frames, 501);
  assertCalm(peer, 'control_frame_flood');
});

test('pingFloodWithUnreadAcksSendsGoawayEnhanceYourCalm (default cap 10000)', () => {
  const peer = server();
  const ping = encodePing(new Uint8Array(8), false);
  const burst = concat(Array.from({ length: 10_001 }, () => ping));
  peer.send(burst);
  assertCalm(peer, 'control_frame_flood');
});

test('pingsThatAreReadAreAnsweredWithoutLimit', () => {
  const peer = server({ maxQueuedControlFrames: 100 });
  const ping = encodePing(new Uint8Array(8), false);
  for (let i = 0; i < 1000; i++) {
    peer.send(ping);
    peer.read();
  }
  assert.equal(peer.error, undefined);
  assert.equal(peer.received.filter((f) => f.kind === 'ping').length, 1000);
});

test('emptyDataFloodSendsGoawayEnhanceYourCalm: CVE-2019-9518', () => {
  const peer = server();
  peer.send(peer.headers(1, post('/'), false));
  const empty = concat(encodeDataFrame(1, new Uint8Array(0), false));
  let frames = 0;
  while (peer.error === undefined && frames < 10_000) {
    peer.send(empty);
    frames++;
  }
  assert.equal(frames, 101);
  assertCalm(peer, 'empty_data_flood');
});

test('maxConcurrentStreamsRefusesExcessWithRefusedStream, and frees a slot when a stream ends', () => {
  const peer = server({ maxConcurrentStreams: 100 });
  for (let i = 0; i < 101; i++) peer.send(peer.headers(1 + 2 * i, post('/'), false));
  const rsts = peer.rsts();
  assert.deepEqual(
    rsts.map((r) => [r.streamId, r.errorCode]),
    [[201, ErrorCode.REFUSED_STREAM]],
  );
  assert.equal(peer.events.filter((e) => e.type === 'requestReceived').length, 100);
  assert.equal(peer.conn.stats().refused_stream_max_concurrent, 1);
  peer.send(encodeRstStream(1, ErrorCode.CANCEL), peer.headers(203, GET, true));
  assert.ok(peer.events.some((e) => e.type === 'requestReceived' && e.streamId === 203));
  assert.equal(peer.error, undefined);
});

test('refusedStreamFloodWithUnreadResetsIsCapped: streams opened past the limit cost at most maxQueuedControlFrames RSTs', () => {
  const peer = server({ maxConcurrentStreams: 1, maxQueuedControlFrames: 50 });
  peer.send(peer.headers(1, post('/'), false));
  for (let i = 1; i < 200 && peer.error === undefined; i++) peer.send(peer.headers(1 + 2 * i, GET, true));
  assertCalm(peer, 'control_frame_flood');
  assert.equal(peer.conn.stats().refused_stream_max_concurrent, 51);
});

test('attack: a peer that never acknowledges our SETTINGS (our limits never apply) gets GOAWAY SETTINGS_TIMEOUT', () => {
  const conn = new Http2Connection('server', { settingsAckTimeoutMs: 5000, maxConcurrentStreams: 10 });
  conn.handleTimeout(1000); // the driver tells the clock at start: our SETTINGS left at t=1000
  const peer = new RawPeer(conn); // preface and its own SETTINGS, but no ACK of ours
  assert.equal(conn.pollTimeout(), 6000);
  conn.handleTimeout(5999);
  assert.equal(peer.goaway(), undefined);
  assert.throws(
    () => conn.handleTimeout(6000),
    (e: unknown) => e instanceof Http2ConnectionError && e.errorCode === ErrorCode.SETTINGS_TIMEOUT,
  );
  assert.equal(peer.goaway()?.errorCode, ErrorCode.SETTINGS_TIMEOUT);
  assert.equal(conn.stats().settings_ack_timeout, 1);
  assert.equal(conn.pollTimeout(), undefined, 'a failed connection has no more deadlines');
});

test('SETTINGS acknowledged in time clear the deadline; later SETTINGS start their own; 0 disables it', () => {
  const conn = new Http2Connection('server', { settingsAckTimeoutMs: 5000 });
  conn.handleTimeout(0);
  const peer = new RawPeer(conn);
  peer.send(encodeSettings(null));
  assert.equal(conn.pollTimeout(), undefined);
  conn.receive(new Uint8Array(0), 20_000);
  conn.settings({ maxConcurrentStreams: 5 });
  assert.equal(conn.pollTimeout(), 25_000);
  peer.send(encodeSettings(null));
  assert.equal(conn.pollTimeout(), undefined);
  conn.handleTimeout(100_000); // nothing pending: no error

  const lax = new Http2Connection('server', { settingsAckTimeoutMs: 0 });
  lax.handleTimeout(0);
  new RawPeer(lax);
  assert.equal(lax.pollTimeout(), undefined);
  lax.handleTimeout(1e9);
});

test('closed streams are remembered in two generations: recent ones are classified, memory stays bounded', () => {
  const conn = new Http2Connection('server', { maxClosedStreamsRemembered: 3 });
  const peer = new RawPeer(conn);
  for (let id = 1; id <= 15; id += 2) {
    peer.send(peer.headers(id, GET, false));
    conn.resetStream(id, 0x8); // we reset: late frames on it are to be ignored (§5.1)
  }
  peer.read();
  const before = peer.rsts().length;
  // Stream 15 closed last: its late DATA is ignored without a word.
  peer.send(concat(encodeDataFrame(15, new Uint8Array(1), false)));
  assert.equal(peer.error, undefined);
  assert.equal(peer.rsts().length, before);
  // Stream 1 is long forgotten: a late frame on it is a stream error, never a crash or a leak.
  peer.send(concat(encodeDataFrame(1, new Uint8Array(1), false)));
  assert.equal(peer.error, undefined);
  assert.equal(peer.rsts().at(-1)?.streamId, 1);
  assert.equal(peer.rsts().at(-1)?.errorCode, ErrorCode.STREAM_CLOSED);
});
