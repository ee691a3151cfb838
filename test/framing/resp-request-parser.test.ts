import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RespProtocolError } from '../../src/framing/errors.js';
import { NEED_MORE } from '../../src/framing/need-more.js';
import { RespRequestParser } from '../../src/framing/resp-request-parser.js';
import { RespSerializer } from '../../src/framing/resp-serializer.js';
import { ascii, cut, cutPoints, feed, standardChunkings } from './chunkings.js';

const text = (b: Uint8Array) => String.fromCharCode(...b);
const cloneArgs = (argv: Uint8Array[]) => argv.map((a) => a.slice());

function commands(input: string | Uint8Array, parser = new RespRequestParser()): string[][] {
  parser.push(typeof input === 'string' ? ascii(input) : input);
  return [...parser].map((argv) => argv.map(text));
}

/** What redis-server answers: the error text, checked exactly. */
function redisSays(
  input: string | Uint8Array,
  message: string,
  limit?: string,
  parser = new RespRequestParser(),
) {
  parser.push(typeof input === 'string' ? ascii(input) : input);
  assert.throws(
    () => {
      while (parser.read() !== NEED_MORE);
    },
    (e: unknown) => {
      assert.ok(e instanceof RespProtocolError);
      assert.equal(e.message, message);
      assert.equal(e.limit, limit);
      return true;
    },
  );
}

test('multibulk commands, pipelined, come out as argument arrays (views of the chunk)', () => {
  const chunk = ascii('*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nv!\r\n');
  const parser = new RespRequestParser();
  parser.push(chunk);
  const all = [...parser];
  assert.deepEqual(
    all.map((argv) => argv.map(text)),
    [['PING'], ['SET', 'k', 'v\r\nv!']],
  );
  assert.equal(all[1][2].buffer, chunk.buffer);
});

test('inline commands: split on whitespace, quotes and escapes like redis-cli sends them, \\n alone ends the line', () => {
  assert.deepEqual(commands("PING\r\nset  key \"a b\\x41\\n\" 'it\\'s'\nGET key\n"), [
    ['PING'],
    ['set', 'key', 'a bA\n', "it's"],
    ['GET', 'key'],
  ]);
  // a quote may open mid-argument, but a closing quote must be followed by a space or the end
  assert.deepEqual(commands('echo a"b c"\r\n'), [['echo', 'ab c']]);
  redisSays('echo "a"b\r\n', 'Protocol error: unbalanced quotes in request');
});

test('Handle an empty query: empty inline lines are skipped (protocol.tcl)', () => {
  assert.deepEqual(commands('\r\n\n   \r\nPING\r\n'), [['PING']]);
});

test('Negative multibulk length: *-10 and *0 are skipped, not errors (protocol.tcl)', () => {
  assert.deepEqual(commands('*-10\r\n*0\r\n*1\r\n$4\r\nPING\r\n'), [['PING']]);
});

test('Out of range multibulk length *2147483647 / *3000000000 is rejected before allocating (protocol.tcl)', () => {
  redisSays('*2147483647\r\n', 'Protocol error: invalid multibulk length', 'maxMultibulkLength');
  redisSays('*3000000000\r\n', 'Protocol error: invalid multibulk length', 'maxMultibulkLength');
  redisSays('*20000000\r\n', 'Protocol error: invalid multibulk length', 'maxMultibulkLength');
  redisSays('*abc\r\n', 'Protocol error: invalid multibulk length');
  redisSays('*99999999999999999999999\r\n', 'Protocol error: invalid multibulk length');
});

test("Wrong multibulk payload header: expected '$', got 'f' (protocol.tcl)", () => {
  redisSays('*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', "Protocol error: expected '$', got 'f'");
  redisSays('*1\r\nfoo\r\n', "Protocol error: expected '$', got 'f'");
});

test('Negative, out of range and non-number bulk lengths: invalid bulk length (protocol.tcl)', () => {
  redisSays('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n', 'Protocol error: invalid bulk length');
  redisSays(
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n',
    'Protocol error: invalid bulk length',
    'maxBulkLength',
  );
  redisSays('*1\r\n$2147483648\r\n', 'Protocol error: invalid bulk length', 'maxBulkLength');
  redisSays('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n', 'Protocol error: invalid bulk length');
  redisSays('*1\r\n$-1\r\n', 'Protocol error: invalid bulk length');
});

test('Unbalanced number of quotes (protocol.tcl)', () => {
  redisSays('set """test-key""" test-value\r\nping\r\n', 'Protocol error: unbalanced quotes in request');
  redisSays('set "abc\r\n', 'Protocol error: unbalanced quotes in request');
  redisSays("set 'abc\r\n", 'Protocol error: unbalanced quotes in request');
});

test('Too big inline request / mbulk count / bulk count strings (protocol.tcl limits)', () => {
  redisSays('x'.repeat(70000), 'Protocol error: too big inline request', 'maxInlineLength');
  redisSays(`*${'1'.repeat(70000)}`, 'Protocol error: too big mbulk count string', 'maxInlineLength');
  redisSays(`*1\r\n$${'1'.repeat(70000)}`, 'Protocol error: too big bulk count string', 'maxInlineLength');
});

for (const [i, seq] of ['\x00', '*\x00', '$\x00'].entries()) {
  test(`Protocol desync regression test #${i + 1}: ${JSON.stringify(seq)} then endless payload is a protocol error`, () => {
    // protocol.tcl sends the sequence, then "payload" over and over with no line end.
    const parser = new RespRequestParser();
    parser.push(ascii(seq));
    let error: unknown;
    for (let sent = 0; sent < 1024 * 1024 && error === undefined; sent += 7 * 1024) {
      try {
        parser.push(ascii('payload'.repeat(1024)));
        assert.equal(parser.read(), NEED_MORE);
        assert.ok(parser.buffered <= 64 * 1024 + 2, 'buffered more than the inline limit');
      } catch (e) {
        error = e;
      }
    }
    assert.ok(error instanceof RespProtocolError);
    assert.match(error.message, /^Protocol error: too big (inline request|mbulk count string)$/);
  });
}

test('a command bigger than maxQueryBufferSize is refused at the bulk header, before its payload is buffered', () => {
  const options = { maxQueryBufferSize: 100 };
  assert.deepEqual(commands(`*1\r\n$86\r\n${'x'.repeat(86)}\r\n`, new RespRequestParser(options)), [
    ['x'.repeat(86)],
  ]);
  redisSays(
    `*2\r\n$40\r\n${'x'.repeat(40)}\r\n$50\r\n`, // 56 bytes so far + 52 > 100
    'Protocol error: query buffer limit reached',
    'maxQueryBufferSize',
    new RespRequestParser(options),
  );
  assert.equal(new RespRequestParser().maxQueryBufferSize, 1024 * 1024 * 1024); // Redis client-query-buffer-limit
});

test('a bulk argument not followed by \\r\\n is a protocol error, never a silent desync', () => {
  redisSays('*1\r\n$3\r\nfooXY', 'Protocol error: bulk string not terminated by CRLF');
});

test('after a protocol error the parser stays failed', () => {
  const parser = new RespRequestParser();
  parser.push(ascii('*1\r\nfoo\r\n*1\r\n$4\r\nPING\r\n'));
  assert.throws(() => parser.read(), RespProtocolError);
  assert.throws(() => parser.read(), RespProtocolError);
});

test('every split point, one chunk and byte-at-a-time give the same commands', () => {
  const input = ascii('*2\r\n$3\r\nGET\r\n$4\r\nk\r\nk\r\nPING\r\n\r\n*-1\r\nset a "b c"\n*1\r\n$0\r\n\r\n');
  const reference = feed(new RespRequestParser(), [input], cloneArgs);
  assert.equal(reference.values.length, 4);
  for (const chunks of standardChunkings(input)) {
    assert.deepEqual(feed(new RespRequestParser(), chunks, cloneArgs), reference);
  }
});

test('property: commands written by a client and cut anywhere parse back to the same arguments', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.uint8Array({ maxLength: 30 }), { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (cmds, raw) => {
        const out = new RespSerializer();
        for (const argv of cmds) out.writeCommand(argv);
        const stream = out.takeCopy();
        const chunks = cut(
          stream,
          raw.map((r) => r % (stream.length + 1)),
        );
        assert.deepEqual(feed(new RespRequestParser(), chunks, cloneArgs), { values: cmds });
        const bytewise = cut(
          stream,
          Array.from(stream, (_, i) => i),
        );
        assert.deepEqual(feed(new RespRequestParser(), bytewise, cloneArgs), { values: cmds });
      },
    ),
    { numRuns: 250 },
  );
});

const TOKENS = ['*', '$', '1', '2', '-1', '0', '\r\n', '\r', '\n', ' ', '"', "'", '\\', 'x4', 'a', 'PING'];

test('property: garbage never throws anything but RespProtocolError, identically for any chunking', () => {
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => ascii(t.join(''))),
  );
  fc.assert(
    fc.property(garbage, cutPoints(200), (bytes, points) => {
      const limits = { maxInlineLength: 32, maxBulkLength: 16, maxMultibulkLength: 8 };
      const whole = feed(new RespRequestParser(limits), [bytes], cloneArgs);
      if (whole.error) {
        assert.ok(whole.error.typed, `${whole.error.name}: ${whole.error.message}`);
        assert.match(whole.error.message, /^Protocol error: /);
      }
      assert.deepEqual(feed(new RespRequestParser(limits), cut(bytes, points), cloneArgs), whole);
      const bytewise = cut(
        bytes,
        Array.from(bytes, (_, i) => i),
      );
      assert.deepEqual(feed(new RespRequestParser(limits), bytewise, cloneArgs), whole);
    }),
    { numRuns: 400 },
  );
});
