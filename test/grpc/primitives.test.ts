import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { NEED_MORE } from '../../src/framing/need-more.js';
import {
  compressMessage,
  decodeStatusMessage,
  decompressMessage,
  encodeGrpcMessage,
  encodeStatusMessage,
  formatGrpcTimeout,
  GrpcError,
  GrpcMessageDecoder,
  GrpcStatus,
  MAX_TIMEOUT_MS,
  Metadata,
  parseGrpcTimeout,
  parseStatus,
  statusForResetCode,
} from '../../src/grpc/index.js';

test('grpc-timeout: every unit parses, rounds up, and bad values are INTERNAL', () => {
  assert.equal(parseGrpcTimeout('1S'), 1000);
  assert.equal(parseGrpcTimeout('250m'), 250);
  assert.equal(parseGrpcTimeout('2M'), 120_000);
  assert.equal(parseGrpcTimeout('1H'), 3_600_000);
  assert.equal(parseGrpcTimeout('1500u'), 2, 'microseconds round up: a deadline never fires early');
  assert.equal(parseGrpcTimeout('1n'), 1);
  for (const bad of ['', '1', 'S', '123456789S', '-1S', '1s', '1.5S', ' 1S']) {
    assert.throws(
      () => parseGrpcTimeout(bad),
      (e: unknown) => e instanceof GrpcError && e.status === GrpcStatus.INTERNAL,
      bad,
    );
  }
});

test('an enormous grpc-timeout (99999999H) is clamped, not overflowed into an instant expiry', () => {
  assert.equal(parseGrpcTimeout('99999999H'), MAX_TIMEOUT_MS);
  assert.ok(MAX_TIMEOUT_MS > 24 * 3_600_000);
});

test('formatted timeouts fit in 8 digits and parse back to at least the same duration', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_TIMEOUT_MS }), (ms) => {
      const text = formatGrpcTimeout(ms);
      assert.match(text, /^\d{1,8}[HMSmu]$/);
      const back = parseGrpcTimeout(text);
      assert.ok(back >= ms, `${ms} -> ${text} -> ${back}`);
    }),
    { numRuns: 300 },
  );
});

test('grpc-status parses only canonical decimals', () => {
  assert.equal(parseStatus('0'), 0);
  assert.equal(parseStatus('16'), 16);
  for (const bad of [undefined, '', '01', '-1', '1a', ' 1'])
    assert.equal(parseStatus(bad), null, String(bad));
  assert.equal(statusForResetCode(0x7), GrpcStatus.UNAVAILABLE);
  assert.equal(statusForResetCode(0x8), GrpcStatus.CANCELLED);
  assert.equal(statusForResetCode(0x1), GrpcStatus.INTERNAL);
});

test('grpc-message percent-encoding round-trips any text and never fails on broken input', () => {
  assert.equal(encodeStatusMessage('plain text'), 'plain text');
  assert.equal(encodeStatusMessage('100%'), '100%25');
  assert.equal(
    encodeStatusMessage('\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n'),
    '%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A',
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      const enc = encodeStatusMessage(s);
      assert.match(enc, /^[\x20-\x7e]*$/);
      assert.equal(decodeStatusMessage(enc), s);
    }),
    { numRuns: 300 },
  );
  assert.equal(decodeStatusMessage('broken %Z1 and %'), 'broken %Z1 and %');
  assert.equal(decodeStatusMessage('%FF'), '\uFFFD');
});

test('metadata: ASCII and -bin values, unpadded base64 out, padded or not accepted in', () => {
  const md = new Metadata().set('Authorization', 'Bearer t').add('trace-bin', Uint8Array.of(1, 2, 3, 4));
  md.add('x-multi', 'a').add('x-multi', 'b');
  const headers = md.toHeaders();
  assert.deepEqual(headers, [
    ['authorization', 'Bearer t'],
    ['trace-bin', 'AQIDBA'],
    ['x-multi', 'a'],
    ['x-multi', 'b'],
  ]);
  const back = Metadata.fromHeaders([
    [':path', '/x'],
    ['content-type', 'application/grpc'],
    ['grpc-timeout', '1S'],
    ...headers,
    ['joined-bin', 'AQ==,AgM'],
  ]);
  assert.equal(back.get('authorization'), 'Bearer t');
  assert.deepEqual(back.get('trace-bin'), Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(back.getAll('x-multi'), ['a', 'b']);
  assert.deepEqual(back.getAll('joined-bin'), [Uint8Array.of(1), Uint8Array.of(2, 3)]);
  assert.equal(back.has('grpc-timeout'), false, 'transport headers are not metadata');
  assert.equal(back.has(':path'), false);
});

test('metadata refuses forged runtime headers, bad keys, non-ASCII values and bad base64', () => {
  const isInternal = (e: unknown) => e instanceof GrpcError && e.status === GrpcStatus.INTERNAL;
  assert.throws(() => new Metadata().set('grpc-status', '0').toHeaders(), isInternal);
  assert.throws(() => new Metadata().set('bad key', 'x'), isInternal);
  assert.throws(() => new Metadata().set('k', 'caf\u00e9'), isInternal);
  assert.throws(() => new Metadata().set('k-bin', 'text' as unknown as Uint8Array), isInternal);
  assert.throws(() => Metadata.fromHeaders([['k-bin', '!!!']]), isInternal);
});

test('messages come out whole for any chunking of the DATA bytes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
      (payloads, cuts) => {
        const wire = Buffer.concat(payloads.map((p, i) => encodeGrpcMessage(p, i % 2 === 1)));
        const dec = new GrpcMessageDecoder();
        const got: { compressed: boolean; payload: Uint8Array }[] = [];
        let pos = 0;
        let k = 0;
        while (pos < wire.length) {
          const end = Math.min(wire.length, pos + cuts[k++ % cuts.length]);
          dec.push(wire.subarray(pos, end));
          pos = end;
          for (let m = dec.read(); m !== NEED_MORE; m = dec.read()) {
            got.push({ compressed: m.compressed, payload: Uint8Array.from(m.payload) });
          }
        }
        assert.equal(dec.hasPartialMessage, false);
        assert.deepEqual(
          got,
          payloads.map((p, i) => ({ compressed: i % 2 === 1, payload: Uint8Array.from(p) })),
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('a message larger than the receive limit is RESOURCE_EXHAUSTED from its prefix alone', () => {
  const dec = new GrpcMessageDecoder({ maxReceiveMessageSize: 4 * 1024 * 1024 });
  const prefix = Uint8Array.of(0, 0x00, 0x40, 0x00, 0x01); // 4 MiB + 1
  dec.push(prefix);
  assert.throws(
    () => dec.read(),
    (e: unknown) =>
      e instanceof GrpcError &&
      e.status === GrpcStatus.RESOURCE_EXHAUSTED &&
      e.details === 'grpc: received message larger than max (4194305 vs. 4194304)',
  );
});

test('a compressed flag other than 0 or 1 is INTERNAL', () => {
  const dec = new GrpcMessageDecoder();
  dec.push(Uint8Array.of(2, 0, 0, 0, 0));
  assert.throws(
    () => dec.read(),
    (e: unknown) => e instanceof GrpcError && e.status === GrpcStatus.INTERNAL,
  );
});

test('a gzip bomb stops at the decompressed-size cap without inflating', () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  assert.ok(bomb.length < 128 * 1024);
  const before = process.memoryUsage().rss;
  assert.throws(
    () => decompressMessage('gzip', bomb, 4 * 1024 * 1024),
    (e: unknown) => e instanceof GrpcError && e.status === GrpcStatus.RESOURCE_EXHAUSTED,
  );
  assert.ok(process.memoryUsage().rss - before < 32 * 1024 * 1024);
  const text = Buffer.from('hello gRPC '.repeat(100));
  for (const enc of ['gzip', 'deflate', 'identity'] as const) {
    assert.deepEqual(Buffer.from(decompressMessage(enc, compressMessage(enc, text), 1 << 20)), text);
  }
  assert.throws(
    () => decompressMessage('gzip', Buffer.from('not gzip'), 1000),
    (e: unknown) => e instanceof GrpcError && e.status === GrpcStatus.INTERNAL,
  );
});
