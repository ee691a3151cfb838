// Hostile input never crashes the connection: any bytes give events or an Http2ConnectionError
// (with its GOAWAY queued), and nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HpackEncoder } from '../../src/hpack/index.js';
import { CLIENT_PREFACE, Http2Connection } from '../../src/http2/connection.js';
import { Http2ConnectionError } from '../../src/http2/errors.js';
import { encodeHeadersFrames, encodeRawFrame, encodeSettings } from '../../src/http2/frame-encoder.js';
import { concat, GET } from './harness.js';

function feed(conn: Http2Connection, chunks: Uint8Array[]): void {
  for (const c of chunks) {
    try {
      conn.receive(c);
    } catch (e) {
      assert.ok(e instanceof Http2ConnectionError, `unexpected ${String(e)}`);
      assert.ok(conn.isClosed);
      assert.ok(concat(conn.takeOutput()).length > 0, 'GOAWAY queued');
      return;
    }
    conn.takeOutput();
  }
}

// Frames with random types, flags, stream ids and payloads, some of them well-formed requests.
const frameArb = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 9 }),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([type, flags, id, payload]) => encodeRawFrame(type, flags, id, payload)),
  fc
    .integer({ min: 0, max: 9 })
    .map((id) => encodeHeadersFrames(id, new HpackEncoder().encode(GET), id % 3 === 0, 16384)),
);

test('random frames after a valid preface: events or a connection error, never a crash (server and client)', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 30 }), fc.boolean(), (frames, asClient) => {
      const conn = new Http2Connection(asClient ? 'client' : 'server');
      if (asClient) conn.request(GET, { endStream: false });
      const start = asClient ? [encodeSettings([])] : [CLIENT_PREFACE, encodeSettings([])];
      feed(conn, [...start, ...frames]);
      // Commands after hostile input either work or throw typed errors.
      if (!conn.isClosed) {
        conn.ping();
        conn.takeOutput();
      }
    }),
    { numRuns: 400 },
  );
});

test('random bytes: events or a connection error, never a crash', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      feed(new Http2Connection('server'), [CLIENT_PREFACE, encodeSettings([]), bytes]);
      feed(new Http2Connection('server'), [bytes]);
    }),
    { numRuns: 300 },
  );
});
