import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../src/buf/errors.js';
import { RespProtocolError } from '../../src/framing/errors.js';
import { NEED_MORE } from '../../src/framing/need-more.js';
import { RespParser } from '../../src/framing/resp-parser.js';
import { RespSerializer } from '../../src/framing/resp-serializer.js';
import type { RespValue } from '../../src/framing/resp-value.js';
import { ascii, cut, cutPoints, feed, standardChunkings } from './chunkings.js';
import { cloneValue, resp2Value, resp3Value } from './resp-values.js';

function parseAll(input: string | Uint8Array, parser = new RespParser()): RespValue[] {
  parser.push(typeof input === 'string' ? ascii(input) : input);
  return [...parser].map(cloneValue);
}

function protocolError(input: string, message: string, limit?: string, parser = new RespParser()) {
  parser.push(ascii(input));
  assert.throws(
    () => {
      while (parser.read() !== NEED_MORE);
    },
    (e: unknown) => {
      assert.ok(e instanceof RespProtocolError && e instanceof DecodeError);
      assert.equal(e.code, 'ERESPPROTOCOL');
      assert.equal(e.message, message);
      assert.equal(e.limit, limit);
      return true;
    },
  );
}

const bulk = (s: string): RespValue => ({ type: 'bulk', value: ascii(s) });

test('RESP2 types: simple string, error, integer, bulk, null bulk, array, null array, nested array', () => {
  assert.deepEqual(
    parseAll('+OK\r\n-ERR unknown command\r\n:-42\r\n$3\r\nfoo\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n'),
    [
      { type: 'simple', value: 'OK' },
      { type: 'error', value: 'ERR unknown command' },
      { type: 'integer', value: -42 },
      bulk('foo'),
      bulk(''),
      { type: 'null' },
      { type: 'null' },
      { type: 'array', value: [] },
    ],
  );
  assert.deepEqual(parseAll('*2\r\n*1\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n'), [
    {
      type: 'array',
      value: [
        { type: 'array', value: [{ type: 'integer', value: 1 }] },
        { type: 'array', value: [bulk('a'), { type: 'null' }] },
      ],
    },
  ]);
});

test('bulk strings are binary-safe: \\r\\n inside the payload is data', () => {
  assert.deepEqual(parseAll('$8\r\na\r\n$1\r\nb\r\n'), [bulk('a\r\n$1\r\nb')]);
});

test('bulk strings inside one chunk are views of it (no copy)', () => {
  const chunk = ascii('*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n');
  const parser = new RespParser();
  parser.push(chunk);
  const v = parser.read();
  assert.ok(v !== NEED_MORE && v.type === 'array');
  const first = v.value[0];
  assert.ok(first.type === 'bulk');
  assert.equal(first.value.buffer, chunk.buffer);
  assert.equal(first.value.byteOffset, 8);
});

test('64-bit integers: exact as bigint beyond 2^53, and the canonical form Redis accepts', () => {
  assert.deepEqual(parseAll(':9223372036854775807\r\n:-9223372036854775808\r\n:9007199254740991\r\n'), [
    { type: 'integer', value: 9223372036854775807n },
    { type: 'integer', value: -9223372036854775808n },
    { type: 'integer', value: 9007199254740991 },
  ]);
  for (const bad of [
    ':9223372036854775808\r\n',
    ':abc\r\n',
    ':\r\n',
    ':01\r\n',
    ':-0\r\n',
    ':+1\r\n',
    ': 1\r\n',
  ]) {
    protocolError(bad, 'Protocol error: invalid integer');
  }
});

test('RESP3 types as in the spec: null, boolean, double, big number, bulk error, verbatim, map, set, push', () => {
  const input =
    '_\r\n#t\r\n#f\r\n,1.23\r\n,-inf\r\n,nan\r\n,1e+21\r\n(3492890328409238509324850943850943825024385\r\n' +
    '!21\r\nSYNTAX invalid syntax\r\n=15\r\ntxt:Some string\r\n%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n' +
    '~2\r\n+a\r\n+b\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n';
  const values = parseAll(input);
  assert.deepEqual(values.slice(0, 8), [
    { type: 'null' },
    { type: 'boolean', value: true },
    { type: 'boolean', value: false },
    { type: 'double', value: 1.23 },
    { type: 'double', value: Number.NEGATIVE_INFINITY },
    { type: 'double', value: Number.NaN },
    { type: 'double', value: 1e21 },
    { type: 'bignum', value: 3492890328409238509324850943850943825024385n },
  ]);
  assert.deepEqual(values[8], { type: 'bulkError', value: ascii('SYNTAX invalid syntax') });
  assert.deepEqual(values[9], { type: 'verbatim', format: 'txt', value: ascii('Some string') });
  assert.deepEqual(values[10], {
    type: 'map',
    value: [
      { type: 'simple', value: 'first' },
      { type: 'integer', value: 1 },
      { type: 'simple', value: 'second' },
      { type: 'integer', value: 2 },
    ],
  });
  assert.deepEqual(values[11], {
    type: 'set',
    value: [
      { type: 'simple', value: 'a' },
      { type: 'simple', value: 'b' },
    ],
  });
  assert.deepEqual(values[12], { type: 'push', value: [bulk('message'), bulk('ch'), bulk('hi')] });
});

test('attributes decorate the value after them and do not count as array elements', () => {
  // The spec's example: an array of three integers, the third one preceded by an attribute.
  const [v] = parseAll('*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n');
  assert.deepEqual(v, {
    type: 'array',
    value: [
      { type: 'integer', value: 1 },
      { type: 'integer', value: 2 },
      {
        type: 'integer',
        value: 3,
        attributes: [
          { type: 'simple', value: 'ttl' },
          { type: 'integer', value: 3600 },
        ],
      },
    ],
  });
  assert.deepEqual(parseAll('|1\r\n+key-popularity\r\n*0\r\n*0\r\n'), [
    {
      type: 'array',
      value: [],
      attributes: [
        { type: 'simple', value: 'key-popularity' },
        { type: 'array', value: [] },
      ],
    },
  ]);
});

test('pipelining: many values in one chunk, a value split over many chunks', () => {
  const out = new RespSerializer();
  for (let i = 0; i < 100; i++) out.writeArrayHeader(2).writeBulk(`k${i}`).writeInteger(i);
  const values = parseAll(out.take());
  assert.equal(values.length, 100);
  assert.deepEqual(values[99], { type: 'array', value: [bulk('k99'), { type: 'integer', value: 99 }] });
});

test('hostile bulk length $2147483648 is rejected before allocating (proto-max-bulk-len)', () => {
  const before = process.memoryUsage().arrayBuffers;
  protocolError('$2147483648\r\n', 'Protocol error: invalid bulk length', 'maxBulkLength');
  protocolError(
    '$6\r\n',
    'Protocol error: invalid bulk length',
    'maxBulkLength',
    new RespParser({ maxBulkLength: 5 }),
  );
  assert.ok(process.memoryUsage().arrayBuffers - before < 1024 * 1024);
});

test('hostile multibulk length *2147483647 is rejected before allocating', () => {
  protocolError('*2147483647\r\n', 'Protocol error: invalid multibulk length', 'maxMultibulkLength');
  protocolError('%1048577\r\n', 'Protocol error: invalid multibulk length', 'maxMultibulkLength');
});

test('an allowed but large element count preallocates at most 1024 slots', () => {
  const before = process.memoryUsage().heapUsed;
  const parsers = Array.from({ length: 20 }, () => new RespParser());
  for (const p of parsers) assert.deepEqual(parseAll('*1048576\r\n:1\r\n', p), []);
  // 20 x 1M slots x 8 bytes would be 160 MiB
  assert.ok(process.memoryUsage().heapUsed - before < 32 * 1024 * 1024);
});

test('negative lengths other than -1 are protocol errors', () => {
  protocolError('$-2\r\n', 'Protocol error: invalid bulk length');
  protocolError('*-5\r\n', 'Protocol error: invalid multibulk length');
  protocolError('!-1\r\n', 'Protocol error: invalid bulk length'); // only $ and * have a RESP2 null
  protocolError('%-1\r\n', 'Protocol error: invalid multibulk length');
  protocolError('$abc\r\n', 'Protocol error: invalid bulk length');
});

test('deep nesting is refused at maxDepth instead of growing the stack', () => {
  protocolError('*1\r\n'.repeat(129), 'Protocol error: nesting deeper than 128', 'maxDepth');
  assert.equal(parseAll(`${'*1\r\n'.repeat(128)}:1\r\n`).length, 1);
});

test('malformed values: bad terminator, bad type byte, bad RESP3 scalars, over-long line', () => {
  protocolError('$3\r\nfooXY', 'Protocol error: bulk string not terminated by CRLF');
  protocolError('?\r\n', "Protocol error: invalid RESP type byte '?'");
  protocolError('\r\n', "Protocol error: invalid RESP type byte ' '"); // CR/LF never reach the reply line
  protocolError('#x\r\n', 'Protocol error: invalid boolean');
  protocolError('_x\r\n', 'Protocol error: invalid null');
  protocolError(',1.2.3\r\n', 'Protocol error: invalid double');
  protocolError(',\r\n', 'Protocol error: invalid double');
  protocolError('(12a\r\n', 'Protocol error: invalid big number');
  protocolError('=3\r\ntxt\r\n', 'Protocol error: invalid verbatim string');
  protocolError(`+${'x'.repeat(70000)}`, 'Protocol error: too big inline request', 'maxInlineLength');
  protocolError(`*${'1'.repeat(70000)}`, 'Protocol error: too big mbulk count string', 'maxInlineLength');
});

test('after a protocol error the parser stays failed (the connection must close)', () => {
  const parser = new RespParser();
  parser.push(ascii('?\r\n+OK\r\n'));
  assert.throws(() => parser.read(), RespProtocolError);
  assert.throws(() => parser.read(), RespProtocolError);
  assert.throws(() => parser.push(ascii('+OK\r\n')), RespProtocolError);
});

test('every split point, one chunk and byte-at-a-time give the same values', () => {
  const input = ascii(
    '*3\r\n$5\r\nhe\r\nl\r\n:7\r\n*2\r\n$-1\r\n+x\r\n%1\r\n|1\r\n+a\r\n:1\r\n$1\r\nk\r\n=7\r\ntxt:a\r\n\r\n,3.5\r\n',
  );
  const reference = feed(new RespParser(), [input], cloneValue);
  assert.equal(reference.values.length, 3);
  for (const chunks of standardChunkings(input))
    assert.deepEqual(feed(new RespParser(), chunks, cloneValue), reference);
});

test('property: RESP3 values serialized and cut anywhere parse back to the same values', () => {
  fc.assert(
    fc.property(
      fc.array(resp3Value, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (values, raw) => {
        const out = new RespSerializer({ protocol: 3 });
        for (const v of values) out.writeValue(v);
        const stream = out.takeCopy();
        const chunks = cut(
          stream,
          raw.map((r) => r % (stream.length + 1)),
        );
        assert.deepEqual(feed(new RespParser(), chunks, cloneValue), { values });
        assert.deepEqual(
          feed(
            new RespParser(),
            cut(
              stream,
              Array.from(stream, (_, i) => i),
            ),
            cloneValue,
          ),
          { values },
        );
      },
    ),
    { numRuns: 250 },
  );
});

test('property: RESP2 values round-trip the same way', () => {
  fc.assert(
    fc.property(fc.array(resp2Value, { minLength: 1, maxLength: 5 }), cutPoints(400), (values, points) => {
      const out = new RespSerializer({ protocol: 2 });
      for (const v of values) out.writeValue(v);
      const stream = out.takeCopy();
      assert.deepEqual(feed(new RespParser(), cut(stream, points), cloneValue), { values });
    }),
    { numRuns: 250 },
  );
});

const TOKENS = [
  '*',
  '$',
  '%',
  '|',
  '>',
  '~',
  ':',
  '+',
  '-',
  '_',
  '#',
  ',',
  '(',
  '!',
  '=',
  '1',
  '3',
  '-1',
  '0',
  '\r\n',
  '\r',
  '\n',
  't',
  'x',
  'txt:',
  '?',
];

test('property: garbage never throws anything but RespProtocolError, identically for any chunking', () => {
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => ascii(t.join(''))),
  );
  fc.assert(
    fc.property(garbage, cutPoints(200), (bytes, points) => {
      const limits = { maxInlineLength: 32, maxBulkLength: 16, maxMultibulkLength: 8, maxDepth: 4 };
      const whole = feed(new RespParser(limits), [bytes], cloneValue);
      if (whole.error) {
        assert.ok(whole.error.typed, `${whole.error.name}: ${whole.error.message}`);
        assert.equal(whole.error.name, 'RespProtocolError');
        assert.match(whole.error.message, /^Protocol error: /);
      }
      assert.deepEqual(feed(new RespParser(limits), cut(bytes, points), cloneValue), whole);
      const bytewise = cut(
        bytes,
        Array.from(bytes, (_, i) => i),
      );
      assert.deepEqual(feed(new RespParser(limits), bytewise, cloneValue), whole);
    }),
    { numRuns: 400 },
  );
});

test('values assembled across pushes survive the caller reusing its read buffer', () => {
  const out = new RespSerializer({ protocol: 3 });
  out
    .writeArrayHeader(3)
    .writeBulk('first')
    .writeMapHeader(1)
    .writeBulk('k')
    .writeBulk('v')
    .writeBulk('last');
  const stream = out.takeCopy();
  const [expected] = parseAll(stream);
  const parser = new RespParser();
  const readBuffer = new Uint8Array(64);
  let got: RespValue | typeof NEED_MORE = NEED_MORE;
  for (const chunk of cut(stream, [3, 14, 20, 27, 33])) {
    readBuffer.fill(0xee); // the socket loop reads the next bytes into the same buffer
    readBuffer.set(chunk);
    got = parser.push(readBuffer.subarray(0, chunk.length)).read();
  }
  assert.deepEqual(got, expected);
});
