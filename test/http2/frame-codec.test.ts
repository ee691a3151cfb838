import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode } from '../../src/http2/error-code.js';
import { Http2ConnectionError, Http2StreamError } from '../../src/http2/errors.js';
import type { Frame } from '../../src/http2/frame.js';
import { FrameDecoder } from '../../src/http2/frame-decoder.js';
import {
  encodeDataFrame,
  encodeGoaway,
  encodeHeadersFrames,
  encodePing,
  encodeRawFrame,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
} from '../../src/http2/frame-encoder.js';
import { FrameFlag, FrameType } from '../../src/http2/frame-type.js';
import { concat } from './harness.js';

const decodeAll = (bytes: Uint8Array, max = 16384): Frame[] => new FrameDecoder(max).push(bytes);
// biome-ignore lint/suspicious/noExplicitAny: a JSON-like copy for deepEqual
const plain = (f: Frame): any =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v instanceof Uint8Array ? [...v] : v]));

function connErr(code: number) {
  return (e: unknown) => e instanceof Http2ConnectionError && e.errorCode === code;
}
function streamErr(code: number, id: number) {
  return (e: unknown) => e instanceof Http2StreamError && e.errorCode === code && e.streamId === id;
}

test('every frame type round-trips through the encoder and the parser table', () => {
  const bytes = concat([
    ...encodeDataFrame(1, Buffer.from('body'), true),
    encodeHeadersFrames(3, Buffer.from('abc'), false, 16384),
    encodeRawFrame(FrameType.PRIORITY, 0, 5, Uint8Array.of(0x80, 0, 0, 3, 15)),
    encodeRstStream(7, ErrorCode.CANCEL),
    encodeSettings([
      [3, 100],
      [4, 65535],
    ]),
    encodeSettings(null),
    encodePing(Buffer.from('12345678'), true),
    encodeGoaway(9, ErrorCode.ENHANCE_YOUR_CALM, Buffer.from('bye')),
    encodeWindowUpdate(0, 1000),
    encodeRawFrame(0xfa, 0xff, 11, Buffer.from('ignored')),
  ]);
  const frames = decodeAll(bytes).map(plain);
  assert.deepEqual(frames, [
    { kind: 'data', streamId: 1, endStream: true, data: [98, 111, 100, 121], flowControlledLength: 4 },
    {
      kind: 'headers',
      streamId: 3,
      endStream: false,
      endHeaders: true,
      priority: undefined,
      fragment: [97, 98, 99],
    },
    { kind: 'priority', streamId: 5, priority: { exclusive: true, dependency: 3, weight: 16 } },
    { kind: 'rst_stream', streamId: 7, errorCode: ErrorCode.CANCEL },
    {
      kind: 'settings',
      ack: false,
      entries: [
        [3, 100],
        [4, 65535],
      ],
    },
    { kind: 'settings', ack: true, entries: [] },
    { kind: 'ping', ack: true, opaque: [...Buffer.from('12345678')] },
    {
      kind: 'goaway',
      lastStreamId: 9,
      errorCode: ErrorCode.ENHANCE_YOUR_CALM,
      debugData: [...Buffer.from('bye')],
    },
    { kind: 'window_update', streamId: 0, increment: 1000 },
    { kind: 'unknown', type: 0xfa, flags: 0xff, streamId: 11, length: 7 },
  ]);
});

test('a field block larger than the peer frame size is split into HEADERS + CONTINUATION', () => {
  const block = Buffer.alloc(40000, 0x61);
  const frames = decodeAll(encodeHeadersFrames(1, block, true, 16384));
  assert.deepEqual(
    frames.map((f) => [
      f.kind,
      'endHeaders' in f ? f.endHeaders : null,
      'fragment' in f ? f.fragment.length : 0,
    ]),
    [
      ['headers', false, 16384],
      ['continuation', false, 16384],
      ['continuation', true, 40000 - 32768],
    ],
  );
  assert.equal((frames[0] as Extract<Frame, { kind: 'headers' }>).endStream, true);
});

test('padding is removed from DATA, HEADERS (with priority) and PUSH_PROMISE (RFC 9113 §6.1, §6.2, §6.6)', () => {
  const data = encodeRawFrame(FrameType.DATA, FrameFlag.PADDED, 1, Uint8Array.of(3, 0x41, 0x42, 0, 0, 0));
  const headers = encodeRawFrame(
    FrameType.HEADERS,
    FrameFlag.PADDED | FrameFlag.PRIORITY | FrameFlag.END_HEADERS,
    3,
    Uint8Array.of(2, 0, 0, 0, 1, 255, 0x82, 0, 0),
  );
  const push = encodeRawFrame(
    FrameType.PUSH_PROMISE,
    FrameFlag.PADDED,
    1,
    Uint8Array.of(1, 0, 0, 0, 2, 0x82, 0),
  );
  const [d, h, pp] = decodeAll(concat([data, headers, push])).map(plain);
  assert.deepEqual(d, {
    kind: 'data',
    streamId: 1,
    endStream: false,
    data: [0x41, 0x42],
    flowControlledLength: 6,
  });
  assert.deepEqual(h.priority, { exclusive: false, dependency: 1, weight: 256 });
  assert.deepEqual(h.fragment, [0x82]);
  assert.deepEqual(pp, {
    kind: 'push_promise',
    streamId: 1,
    promisedStreamId: 2,
    endHeaders: false,
    fragment: [0x82],
  });
});

test('padding as long as the payload is a PROTOCOL_ERROR (RFC 9113 §6.1)', () => {
  // Pad Length = payload length - 1 is the largest legal value: all padding, no data.
  const [d] = decodeAll(encodeRawFrame(FrameType.DATA, FrameFlag.PADDED, 1, Uint8Array.of(3, 0, 0, 0)));
  assert.deepEqual(plain(d).data, []);
  assert.throws(
    () => decodeAll(encodeRawFrame(FrameType.DATA, FrameFlag.PADDED, 1, Uint8Array.of(4, 0, 0, 0))),
    connErr(ErrorCode.PROTOCOL_ERROR),
  );
  assert.throws(
    () => decodeAll(encodeRawFrame(FrameType.HEADERS, FrameFlag.PADDED, 1, Uint8Array.of(1))),
    connErr(ErrorCode.PROTOCOL_ERROR),
  );
});

test('fixed-size frames with the wrong length are FRAME_SIZE_ERRORs (RFC 9113 §6.3-§6.9)', () => {
  const cases: Array<[number, number, number, (e: unknown) => boolean]> = [
    [FrameType.PING, 0, 7, connErr(ErrorCode.FRAME_SIZE_ERROR)],
    [FrameType.PING, 0, 9, connErr(ErrorCode.FRAME_SIZE_ERROR)],
    [FrameType.RST_STREAM, 1, 3, connErr(ErrorCode.FRAME_SIZE_ERROR)],
    [FrameType.WINDOW_UPDATE, 1, 5, connErr(ErrorCode.FRAME_SIZE_ERROR)],
    [FrameType.SETTINGS, 0, 5, connErr(ErrorCode.FRAME_SIZE_ERROR)],
    [FrameType.GOAWAY, 0, 7, connErr(ErrorCode.FRAME_SIZE_ERROR)],
    [FrameType.PRIORITY, 1, 4, streamErr(ErrorCode.FRAME_SIZE_ERROR, 1)],
  ];
  for (const [type, streamId, length, check] of cases) {
    assert.throws(
      () => decodeAll(encodeRawFrame(type, 0, streamId, new Uint8Array(length))),
      check,
      `type ${type}`,
    );
  }
  assert.throws(
    () => decodeAll(encodeRawFrame(FrameType.SETTINGS, FrameFlag.ACK, 0, new Uint8Array(6))),
    connErr(ErrorCode.FRAME_SIZE_ERROR),
  );
});

test('stream 0 rules: DATA/HEADERS/PRIORITY/RST_STREAM/CONTINUATION/PUSH_PROMISE need a stream, SETTINGS/PING/GOAWAY must not have one', () => {
  for (const type of [0, 1, 2, 3, 5, 9]) {
    const len = type === 2 ? 5 : type === 3 ? 4 : type === 5 ? 4 : 0;
    assert.throws(
      () => decodeAll(encodeRawFrame(type, 0, 0, new Uint8Array(len))),
      connErr(ErrorCode.PROTOCOL_ERROR),
      `type ${type}`,
    );
  }
  for (const [type, len] of [
    [4, 0],
    [6, 8],
    [7, 8],
  ]) {
    assert.throws(
      () => decodeAll(encodeRawFrame(type, 0, 1, new Uint8Array(len))),
      connErr(ErrorCode.PROTOCOL_ERROR),
      `type ${type}`,
    );
  }
});

test('WINDOW_UPDATE of 0 is a stream error on a stream and a connection error on stream 0 (RFC 9113 §6.9)', () => {
  assert.throws(() => decodeAll(encodeWindowUpdate(0, 0)), connErr(ErrorCode.PROTOCOL_ERROR));
  assert.throws(() => decodeAll(encodeWindowUpdate(3, 0)), streamErr(ErrorCode.PROTOCOL_ERROR, 3));
});

test('SETTINGS values out of range (RFC 9113 §6.5.2)', () => {
  assert.throws(() => decodeAll(encodeSettings([[2, 2]])), connErr(ErrorCode.PROTOCOL_ERROR));
  assert.throws(() => decodeAll(encodeSettings([[4, 2 ** 31]])), connErr(ErrorCode.FLOW_CONTROL_ERROR));
  assert.throws(() => decodeAll(encodeSettings([[5, 16383]])), connErr(ErrorCode.PROTOCOL_ERROR));
  assert.throws(() => decodeAll(encodeSettings([[5, 2 ** 24]])), connErr(ErrorCode.PROTOCOL_ERROR));
  assert.deepEqual(plain(decodeAll(encodeSettings([[0x99, 7]]))[0]).entries, [[0x99, 7]]);
});

test('the reserved bit of the stream id is ignored on receipt (RFC 9113 §4.1)', () => {
  const f = encodeRstStream(5, 0);
  f[5] |= 0x80;
  assert.equal(
    decodeAll(f)[0].kind === 'rst_stream' && (decodeAll(f)[0] as { streamId: number }).streamId,
    5,
  );
});

test('hugeDeclaredLengthNeverAllocated: a 16 MiB length is a FRAME_SIZE_ERROR after only the 9-octet header', () => {
  const decoder = new FrameDecoder();
  const header = Uint8Array.of(0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1);
  // Only the header is fed: the decoder must refuse before asking for (or allocating) the payload.
  assert.throws(() => decoder.push(header), connErr(ErrorCode.FRAME_SIZE_ERROR));
  assert.throws(
    () => decoder.push(new Uint8Array(1)),
    Http2ConnectionError,
    'a broken decoder refuses more input',
  );
  // One octet over our SETTINGS_MAX_FRAME_SIZE is refused; exactly the maximum is accepted.
  assert.throws(
    () => new FrameDecoder().push(encodeRawFrame(0, 0, 1, new Uint8Array(16385))),
    connErr(ErrorCode.FRAME_SIZE_ERROR),
  );
  assert.equal(new FrameDecoder().push(concat(encodeDataFrame(1, new Uint8Array(16384), false))).length, 1);
});

const frameArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 99 }), fc.uint8Array({ maxLength: 300 }), fc.boolean())
    .map(([id, d, end]) => concat(encodeDataFrame(id, d, end))),
  fc
    .tuple(
      fc.integer({ min: 1, max: 99 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.boolean(),
      fc.integer({ min: 16384, max: 16400 }),
    )
    .map(([id, b, end, max]) => encodeHeadersFrames(id, b, end, max > 16384 ? 64 : 16384)),
  fc.tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.boolean()).map(([o, ack]) => encodePing(o, ack)),
  fc
    .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }))
    .map(([id, inc]) => encodeWindowUpdate(id, inc)),
  fc.tuple(fc.integer({ min: 1, max: 99 }), fc.nat()).map(([id, code]) => encodeRstStream(id, code)),
  fc
    .array(fc.tuple(fc.constantFrom(1, 3, 6, 0x20), fc.nat()), { maxLength: 5 })
    .map((e) => encodeSettings(e)),
  fc
    .tuple(fc.integer({ min: 10, max: 250 }), fc.uint8Array({ maxLength: 50 }))
    .map(([t, p]) => encodeRawFrame(t, 0, 1, p)),
  fc
    .tuple(fc.nat(), fc.uint8Array({ maxLength: 40 }))
    .map(([last, d]) => encodeGoaway(last & 0x7fffffff, 0, d)),
);

test('streaming decode: any split of the byte stream gives the same frames (property)', () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (frames, cuts) => {
        const bytes = concat(frames);
        const whole = decodeAll(bytes).map(plain);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const split: unknown[] = [];
        let prev = 0;
        for (const p of [...points, bytes.length]) {
          // A fresh copy per chunk: frames must not depend on earlier chunks staying intact.
          const chunk = Uint8Array.prototype.slice.call(bytes, prev, p);
          for (const f of decoder.push(chunk)) split.push(plain(f));
          chunk.fill(0xee);
          prev = p;
        }
        assert.deepEqual(split, whole);
        assert.equal(whole.length >= frames.length, true);
        assert.equal(decoder.idle, true);
      },
    ),
    { numRuns: 200 },
  );
});

test('one octet at a time gives the same frames', () => {
  const bytes = concat([
    encodePing(Buffer.from('abcdefgh'), false),
    ...encodeDataFrame(1, Buffer.from('xyz'), true),
  ]);
  const d = new FrameDecoder();
  const out: unknown[] = [];
  for (const b of bytes) out.push(...d.push(Uint8Array.of(b)).map(plain));
  assert.deepEqual(out, decodeAll(bytes).map(plain));
});
