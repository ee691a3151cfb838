import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../../src/buf/errors.js';
import {
  CompressionUnavailable,
  compressMessage,
  DecompressionLimitExceeded,
  MsgpackDecoder,
  MsgpackEncoder,
  UnsupportedProtocolVersion,
  VersionedFrameCodec,
  VersionHandshake,
} from '../../src/codec/index.js';
import { ProtoSchema } from '../../src/protobuf/index.js';
import { connect, OrderClient, OrderServer, plain } from './order-protocol.js';

const encoder = new MsgpackEncoder();
const decoder = new MsgpackDecoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('frame header: byte 0 is protocol_version, byte 1 packs compression and codec; decode inverts it', () => {
  const frames = new VersionedFrameCodec({ versions: [1, 2], peerCompressions: ['none', 'gzip', 'brotli'] });
  const payload = encoder.encode({ hello: 'world' });
  const [header, body] = frames.encode(payload, { codec: 'json', compression: 'brotli', version: 1 });
  assert.deepEqual([...header], [1, 3 | (1 << 3)]);
  const joined = new Uint8Array([...header, ...body]);
  assert.deepEqual(frames.decode(joined), {
    version: 1,
    codec: 'json',
    compression: 'brotli',
    body: payload,
  });
  const [h2, b2] = frames.encode(payload, { codec: 'protobuf' });
  assert.deepEqual([...h2], [2, 2 << 3], 'small payloads go uncompressed, at the highest version');
  assert.equal(b2, payload);
});

test('frame header: the policy compresses only what pays and only with algorithms the peer accepts', () => {
  const big = encoder.encode(
    Array.from({ length: 300 }, (_, i) => ({ id: i, status: 'shipped', region: 'eu-west' })),
  );
  const gzipPeer = new VersionedFrameCodec({ peerCompressions: ['none', 'gzip'] });
  const [h] = gzipPeer.encode(big);
  assert.equal(h[1] & 7, 1, 'gzip');
  const plainPeer = new VersionedFrameCodec();
  assert.equal(plainPeer.encode(big)[0][1] & 7, 0, 'a peer that agreed to nothing gets nothing compressed');
  assert.deepEqual(gzipPeer.decode(gzipPeer.encodeJoined(big)).body, big);
});

test('frame header: reserved bits, unknown codec and unknown compression ids are typed errors', () => {
  const frames = new VersionedFrameCodec({ versions: [1] });
  const expectCode = (frame: number[], code: string) =>
    assert.throws(
      () => frames.decode(new Uint8Array(frame)),
      (e: unknown) => e instanceof Error && (e as DecodeError).code === code,
    );
  expectCode([1, 0x20, 0xc0], 'EVERSIONMALFORMED');
  expectCode([1, 3 << 3, 0xc0], 'EVERSIONMALFORMED');
  expectCode([1], 'EVERSIONMALFORMED');
  assert.throws(() => frames.decode(new Uint8Array([1, 5, 0])), CompressionUnavailable);
});

test('frame header: a frame from an unknown future version fails with the list of supported versions', () => {
  const frames = new VersionedFrameCodec({ versions: [1, 2] });
  assert.throws(
    () => frames.decode(new Uint8Array([3, 0, 0xc0])),
    (e: unknown) => {
      assert.ok(e instanceof UnsupportedProtocolVersion);
      assert.equal(e.code, 'EVERSIONUNSUPPORTED');
      assert.deepEqual(e.supported, [1, 2]);
      assert.equal(e.message, 'peer offers protocol version [3]; this side supports [1, 2] (at offset 0)');
      return true;
    },
  );
});

test('zip bomb in a frame: the frame codec caps decompression at its maxDecompressedBytes', () => {
  const frames = new VersionedFrameCodec({ maxDecompressedBytes: 64 * 1024 });
  const bomb = compressMessage('brotli', new Uint8Array(8 * 1024 * 1024), 5);
  assert.ok(bomb.length < 1024);
  assert.throws(() => frames.decode(new Uint8Array([1, 3, ...bomb])), DecompressionLimitExceeded);
});

test('handshake: the highest common version wins, compressions and codecs are intersected', () => {
  const client = new VersionHandshake({ role: 'client', versions: [1, 2], compressions: ['gzip', 'brotli'] });
  const server = new VersionHandshake({
    role: 'server',
    versions: [1, 2, 3],
    compressions: ['none', 'gzip'],
    codecs: ['msgpack'],
  });
  const step = server.receive(client.hello());
  assert.deepEqual(step.agreement, { version: 2, compressions: ['none', 'gzip'], codecs: ['msgpack'] });
  assert.deepEqual(client.receive(step.reply).agreement, step.agreement);
  assert.deepEqual(client.agreement, server.agreement);
});

test('handshake: an unknown future version is rejected with a clear error listing what is supported', () => {
  const client = new VersionHandshake({ role: 'client', versions: [3, 4] });
  const server = new VersionHandshake({ role: 'server', versions: [1, 2] });
  const step = server.receive(client.hello());
  assert.ok(step.error instanceof UnsupportedProtocolVersion);
  assert.equal(step.error.message, 'peer offers protocol versions [3, 4]; this side supports [1, 2]');
  assert.throws(
    () => client.receive(step.reply),
    (e: unknown) =>
      e instanceof UnsupportedProtocolVersion &&
      /this side supports \[3, 4\]/.test(e.message) &&
      e.offered.join() === '1,2',
  );
});

test('handshake: a newer hello with keys and algorithms this side does not know still agrees', () => {
  const futureHello = encoder.encode({
    hello: 'wirestack',
    versions: [2, 7],
    compressions: ['none', 'lz5', 'gzip'],
    codecs: ['cbor', 'msgpack'],
    features: { tracing: true },
  });
  const step = new VersionHandshake({ role: 'server', versions: [1, 2] }).receive(futureHello);
  assert.deepEqual(step.agreement, { version: 2, compressions: ['none', 'gzip'], codecs: ['msgpack'] });
});

test('handshake: malformed or hostile hellos are typed DecodeErrors', () => {
  const server = () => new VersionHandshake({ role: 'server', versions: [1] });
  for (const bad of [
    encoder.encode([1, 2]),
    encoder.encode({ hello: 'other', versions: [1] }),
    encoder.encode({ hello: 'wirestack', versions: 'all' }),
    encoder.encode({ hello: 'wirestack', versions: Array.from({ length: 10_000 }, () => 1) }),
    new Uint8Array([0xc1]),
  ]) {
    assert.throws(() => server().receive(bad), DecodeError, hex(bad).slice(0, 40));
  }
});

// The matrix: every pairing of an old (v1), a transitional (v1+v2) and a new-only (v2) side.
const MATRIX: { client: number[]; server: number[]; expect: number | 'reject' }[] = [
  { client: [1], server: [1], expect: 1 },
  { client: [1], server: [1, 2], expect: 1 }, // old client, new server
  { client: [1], server: [2], expect: 'reject' },
  { client: [1, 2], server: [1], expect: 1 }, // new client, old server
  { client: [1, 2], server: [1, 2], expect: 2 },
  { client: [1, 2], server: [2], expect: 2 },
  { client: [2], server: [1], expect: 'reject' },
  { client: [2], server: [1, 2], expect: 2 },
  { client: [2], server: [2], expect: 2 },
];

for (const { client: cv, server: sv, expect } of MATRIX) {
  test(`compatibility matrix: client v[${cv}] × server v[${sv}] → ${expect === 'reject' ? 'clear rejection' : `v${expect}`}`, () => {
    const client = new OrderClient(cv);
    const server = new OrderServer(sv);
    if (expect === 'reject') {
      assert.throws(
        () => connect(client, server),
        (e: unknown) => e instanceof UnsupportedProtocolVersion && e.offered.join() === sv.join(),
      );
      return;
    }
    assert.equal(connect(client, server).version, expect);
    const ack = client.read(server.handle(client.order(7, 'keyboard', 2)));
    if (expect === 1) assert.deepEqual(plain(ack), { type: 'ack', id: 7, qty: 2 });
    else assert.deepEqual(plain(ack), { type: 'ack', id: 7, qty: 2, currency: 'CHF' });
    const cancel = client.read(server.handle(client.send({ type: 'cancel', id: 7, reason: 'typo' })));
    if (expect === 1) assert.deepEqual(plain(cancel), { type: 'error', code: 'unknown-type', got: 'cancel' });
    else assert.deepEqual(plain(cancel), { type: 'cancelled', id: 7 });
  });
}

test('a server speaking v1 and v2 serves a v1 client byte-for-byte like a v1-only server', () => {
  const exchange = (serverVersions: number[]) => {
    const client = new OrderClient([1]);
    const server = new OrderServer(serverVersions);
    const out = [hex(server.accept(client.hello()))];
    client.agreed(server.accept(client.hello()));
    for (let id = 1; id <= 5; id++) out.push(hex(server.handle(client.order(id, `item ${id}`, id))));
    return out.slice(1);
  };
  assert.deepEqual(exchange([1, 2]), exchange([1]));
});

test('a v1 server ignores v2 fields it does not know and still answers', () => {
  const client = new OrderClient([2]);
  const server = new OrderServer([1]);
  // A misbehaving v2 client that skips the handshake's outcome and sends v2 fields in a v1 frame.
  client.frames = new VersionedFrameCodec({ versions: [1] });
  server.accept(new OrderClient([1]).hello());
  const frame = client.send({ type: 'order', id: 9, item: 'pen', qty: 1, currency: 'CHF', notes: ['x'] });
  assert.deepEqual(plain(client.read(server.handle(frame))), { type: 'ack', id: 9, qty: 1 });
});

test('mixed: a v1 relay passes v2 MessagePack messages through with unknown keys and types intact', () => {
  // The relay knows v1 only: it reads `type` and `id` to route, and re-encodes what it decoded.
  const relay = (bytes: Uint8Array) => {
    const msg = decoder.decode(bytes) as Record<string, unknown>;
    assert.ok(typeof msg.id === 'number');
    return encoder.encode(msg);
  };
  const v2order = encoder.encode({
    type: 'order',
    id: 1,
    item: 'pen',
    qty: 3,
    currency: 'CHF',
    notes: ['a', 'b'],
    gift: { to: 'Ana' },
  });
  const v2cancel = encoder.encode({ type: 'cancel', id: 1, reason: 'changed my mind' });
  assert.equal(hex(relay(v2order)), hex(v2order));
  assert.equal(hex(relay(v2cancel)), hex(v2cancel));
  // A v1 relay between a v2 client and a v2 server: the server sees exactly what the client sent.
  const client = new OrderClient([1, 2]);
  const server = new OrderServer([1, 2]);
  connect(client, server);
  const frames = new VersionedFrameCodec({ versions: [1, 2] }); // the relay's view of the frames
  const sent = client.order(4, 'lamp', 1);
  const { version, codec, body } = frames.decode(sent);
  const forwarded = frames.encodeJoined(relay(body), { version, codec, compression: 'none' });
  assert.deepEqual(plain(client.read(server.handle(forwarded))), {
    type: 'ack',
    id: 4,
    qty: 1,
    currency: 'CHF',
  });
});

const ORDER_V1 = `syntax = "proto3";
package shop;
message Order { uint64 id = 1; string item = 2; uint32 qty = 3; }`;
const ORDER_V2 = `syntax = "proto3";
package shop;
message Order {
  uint64 id = 1; string item = 2; uint32 qty = 3;
  string currency = 4;          // added in v2
  repeated string notes = 5;    // added in v2
  reserved 6; reserved "coupon"; // removed in v2: never reuse
}
message Cancel { uint64 id = 1; string reason = 2; } // new in v2`;

test('mixed, protobuf: a v1 peer reads v2 orders, ignores the new fields and relays them unchanged', () => {
  const v1 = ProtoSchema.fromSources({ 'shop.proto': ORDER_V1 }).message('shop.Order');
  const v2 = ProtoSchema.fromSources({ 'shop.proto': ORDER_V2 }).message('shop.Order');
  const sent = v2.encode(
    v2.create({ id: 42, item: 'desk', qty: 1, currency: 'CHF', notes: ['fragile', 'floor 3'] }),
  );
  const seen = v1.decode(sent) as Record<string, unknown>;
  assert.equal(seen.item, 'desk');
  assert.equal(seen.currency, undefined, 'v1 has no such field');
  const relayed = v1.encode(seen);
  assert.equal(hex(relayed), hex(sent), 'unknown fields 4 and 5 kept byte for byte');
  assert.deepEqual(v2.toJson(v2.decode(relayed)), v2.toJson(v2.decode(sent)));
  assert.deepEqual(plain(v2.toJson(v2.decode(relayed))), {
    id: '42',
    item: 'desk',
    qty: 1,
    currency: 'CHF',
    notes: ['fragile', 'floor 3'],
  });
  // A v1 message read by v2: the new fields take their defaults.
  const old = v2.decode(v1.encode(v1.create({ id: 1, item: 'cup', qty: 2 }))) as Record<string, unknown>;
  assert.equal(old.currency, '');
  assert.deepEqual(old.notes, []);
  // The frame header says the body is protobuf, so a relay can route without parsing.
  const frames = new VersionedFrameCodec({ versions: [1, 2] });
  assert.equal(frames.decode(frames.encodeJoined(sent, { codec: 'protobuf' })).codec, 'protobuf');
});

test('handshake: a client offering 200 future versions still gets the readable rejection', () => {
  const future = Array.from({ length: 200 }, (_, i) => 56 + i);
  const client = new VersionHandshake({ role: 'client', versions: future });
  const step = new VersionHandshake({ role: 'server', versions: [1, 2] }).receive(client.hello());
  assert.ok(step.error instanceof UnsupportedProtocolVersion);
  assert.throws(
    () => client.receive(step.reply),
    (e: unknown) => e instanceof UnsupportedProtocolVersion && e.offered.join() === '1,2',
  );
});
