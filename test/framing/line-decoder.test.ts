import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LimitExceeded } from '../../src/buf/errors.js';
import { LineTooLong } from '../../src/framing/errors.js';
import { LineDecoder } from '../../src/framing/line-decoder.js';
import { NEED_MORE } from '../../src/framing/need-more.js';
import { ascii, concat, copyBytes, cut, cutPoints, feed, standardChunkings } from './chunkings.js';

const text = (b: Uint8Array) => String.fromCharCode(...b);
const lines = (decoder: LineDecoder) => [...decoder].map(text);

test('lines come out without their \\r\\n, many per chunk', () => {
  const decoder = new LineDecoder();
  assert.deepEqual(lines(decoder.push(ascii('PING\r\n\r\nSET a b\r\nGE'))), ['PING', '', 'SET a b']);
  assert.deepEqual(lines(decoder.push(ascii('T a\r\n'))), ['GET a']);
});

test('\\r at the end of one read and \\n at the start of the next still end the line', () => {
  const decoder = new LineDecoder();
  decoder.push(ascii('hello\r'));
  assert.equal(decoder.read(), NEED_MORE);
  decoder.push(ascii('\nworld\r'));
  assert.deepEqual(lines(decoder), ['hello']);
  decoder.push(ascii('\n'));
  assert.deepEqual(lines(decoder), ['world']);
});

test('a lone \\n or \\r is data in strict mode; bareLf mode ends lines at \\n like Redis inline commands', () => {
  const strict = new LineDecoder();
  assert.deepEqual(lines(strict.push(ascii('a\nb\rc\r\n'))), ['a\nb\rc']);
  const lenient = new LineDecoder({ bareLf: true });
  assert.deepEqual(lines(lenient.push(ascii('a\nb\r\nc\rd\n'))), ['a', 'b', 'c\rd']);
  lenient.push(ascii('e\r'));
  assert.equal(lenient.read(), NEED_MORE);
  assert.deepEqual(lines(lenient.push(ascii('\n'))), ['e']);
});

test('a line of exactly maxLineLength is accepted, one byte more is LineTooLong', () => {
  const ok = new LineDecoder({ maxLineLength: 5 });
  assert.deepEqual(lines(ok.push(ascii('12345\r\n'))), ['12345']);
  const tooLong = new LineDecoder({ maxLineLength: 5 });
  tooLong.push(ascii('123456\r\n'));
  assert.throws(
    () => tooLong.read(),
    (e: unknown) =>
      e instanceof LineTooLong &&
      e instanceof LimitExceeded &&
      e.code === 'ELINETOOLONG' &&
      e.limit === 'maxLineLength' &&
      e.max === 5,
  );
  assert.throws(() => tooLong.read(), LineTooLong); // stays failed
});

test('endless line without \\r\\n is rejected once it passes maxLineLength, never buffered past it', () => {
  const decoder = new LineDecoder({ maxLineLength: 1024 });
  let thrown: unknown;
  let pushed = 0;
  try {
    for (; pushed < 1000; pushed++) {
      decoder.push(new Uint8Array(100).fill(65));
      decoder.read();
      assert.ok(decoder.buffered <= 1025);
    }
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof LineTooLong);
  assert.equal(pushed, 10); // 1100 bytes: rejected at the first push past the limit
});

test('a max-length line whose \\r has arrived but whose \\n has not is still waited for', () => {
  const decoder = new LineDecoder({ maxLineLength: 3 });
  decoder.push(ascii('abc\r'));
  assert.equal(decoder.read(), NEED_MORE);
  assert.deepEqual(lines(decoder.push(ascii('\n'))), ['abc']);
});

test('a line fed one byte at a time is scanned in linear time (already-searched bytes are not searched again)', () => {
  const original = Uint8Array.prototype.indexOf;
  let scanned = 0;
  Uint8Array.prototype.indexOf = function (this: Uint8Array, value: number, from = 0) {
    const at = original.call(this, value, from);
    scanned += (at < 0 ? this.length : at + 1) - from;
    return at;
  };
  try {
    const decoder = new LineDecoder();
    const line = concat([new Uint8Array(20000).fill(120), ascii('\r\n')]);
    let got: Uint8Array | typeof NEED_MORE = NEED_MORE;
    for (let i = 0; i < line.length; i++) {
      decoder.push(line.subarray(i, i + 1));
      got = decoder.read();
    }
    assert.notEqual(got, NEED_MORE);
    assert.ok(scanned <= 2 * line.length, `scanned ${scanned} bytes for a ${line.length}-byte line`);
  } finally {
    Uint8Array.prototype.indexOf = original;
  }
});

test('\\r\\n split across reads: every split point, one chunk and byte-at-a-time give the same lines', () => {
  const expected = ['PING', '', 'a\rb', 'x\ny', 'SET key value'];
  const stream = ascii(`${expected.join('\r\n')}\r\n`);
  for (const chunks of standardChunkings(stream)) {
    assert.deepEqual(feed(new LineDecoder(), chunks, copyBytes), { values: expected.map(ascii) });
  }
});

// Lines may hold lone \r and \n but never the \r\n pair; a trailing \r would merge with the terminator.
const lineArb = fc
  .uint8Array({ maxLength: 80 })
  .map((b) => b.map((x) => (x % 4 === 0 ? 13 : x % 4 === 1 ? 10 : x)))
  .filter((b) => {
    for (let i = 0; i + 1 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10) return false;
    return b[b.length - 1] !== 13;
  });

test('property: any lines, any chunking, same lines; too-long lines fail the same way for every chunking', () => {
  fc.assert(
    fc.property(
      fc.array(lineArb, { maxLength: 10 }),
      cutPoints(900),
      fc.integer({ min: 0, max: 90 }),
      (ls, points, max) => {
        const stream = concat(ls.flatMap((l) => [l, ascii('\r\n')]));
        const whole = feed(new LineDecoder({ maxLineLength: max }), [stream], copyBytes);
        const firstTooLong = ls.findIndex((l) => l.length > max);
        if (firstTooLong < 0) assert.deepEqual(whole, { values: ls });
        else {
          assert.deepEqual(whole.values, ls.slice(0, firstTooLong));
          assert.equal(whole.error?.code, 'ELINETOOLONG');
        }
        assert.deepEqual(
          feed(new LineDecoder({ maxLineLength: max }), cut(stream, points), copyBytes),
          whole,
        );
        const bytewise = cut(
          stream,
          Array.from(stream, (_, i) => i),
        );
        assert.deepEqual(feed(new LineDecoder({ maxLineLength: max }), bytewise, copyBytes), whole);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: garbage in either mode gives lines or LineTooLong, identically for any chunking', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      cutPoints(300),
      fc.boolean(),
      (garbage, points, bareLf) => {
        const options = { maxLineLength: 40, bareLf };
        const whole = feed(new LineDecoder(options), [garbage], copyBytes);
        if (whole.error) assert.equal(whole.error.code, 'ELINETOOLONG');
        assert.deepEqual(feed(new LineDecoder(options), cut(garbage, points), copyBytes), whole);
      },
    ),
    { numRuns: 300 },
  );
});
