import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WirestackError } from '../../src/buf/errors.js';
import { RespSerializer } from '../../src/framing/resp-serializer.js';
import { ascii } from './chunkings.js';

const wire = (s: RespSerializer) => new TextDecoder().decode(s.take());

test('RESP2 replies byte for byte', () => {
  const s = new RespSerializer();
  s.writeSimpleString('OK')
    .writeError('ERR unknown command')
    .writeInteger(-7)
    .writeInteger(2n ** 63n - 1n);
  s.writeBulk('foo').writeBulk(ascii('a\r\nb')).writeBulk('').writeNull().writeNullArray();
  s.writeArrayHeader(2).writeBulk('x').writeInteger(0);
  assert.equal(
    wire(s),
    '+OK\r\n-ERR unknown command\r\n:-7\r\n:9223372036854775807\r\n$3\r\nfoo\r\n$4\r\na\r\nb\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n$1\r\nx\r\n:0\r\n',
  );
});

test('RESP3 types byte for byte', () => {
  const s = new RespSerializer({ protocol: 3 });
  s.writeNull()
    .writeBoolean(true)
    .writeDouble(1.5)
    .writeDouble(Number.NEGATIVE_INFINITY)
    .writeDouble(Number.NaN);
  s.writeBigNumber(-12345678901234567890n).writeBulkError('SYNTAX bad').writeVerbatim('txt', 'Some string');
  s.writeMapHeader(1)
    .writeSimpleString('k')
    .writeInteger(1)
    .writeSetHeader(0)
    .writePushHeader(1)
    .writeBulk('m');
  s.writeAttributeHeader(0).writeInteger(3);
  assert.equal(
    wire(s),
    '_\r\n#t\r\n,1.5\r\n,-inf\r\n,nan\r\n(-12345678901234567890\r\n!10\r\nSYNTAX bad\r\n=15\r\ntxt:Some string\r\n' +
      '%1\r\n+k\r\n:1\r\n~0\r\n>1\r\n$1\r\nm\r\n|0\r\n:3\r\n',
  );
});

test('RESP2 mode degrades RESP3 types the way redis-server does', () => {
  const s = new RespSerializer({ protocol: 2 });
  s.writeMapHeader(2).writeSetHeader(3).writePushHeader(3).writeBoolean(true).writeBoolean(false);
  s.writeDouble(2.5).writeBigNumber(5n).writeVerbatim('txt', 'hi').writeBulkError('ERR a\r\nb');
  assert.equal(wire(s), '*4\r\n*3\r\n*3\r\n:1\r\n:0\r\n$3\r\n2.5\r\n$1\r\n5\r\n$2\r\nhi\r\n-ERR a  b\r\n');
  assert.throws(() => s.writeAttributeHeader(1), WirestackError);
});

test('a CR or LF in a simple string or error is refused (reply injection)', () => {
  const s = new RespSerializer();
  assert.throws(
    () => s.writeSimpleString('OK\r\n+INJECTED'),
    (e: unknown) => e instanceof WirestackError && e.code === 'ERESPVALUE',
  );
  assert.throws(() => s.writeError('ERR x\ny'), WirestackError);
  assert.throws(() => s.writeInteger(1.5), WirestackError);
  assert.throws(() => s.writeInteger(2n ** 63n), WirestackError);
  assert.throws(() => s.writeArrayHeader(-1), WirestackError);
  assert.throws(() => s.writeMapHeader(1.5), WirestackError);
  assert.equal(s.length, 0);
});

test('multi-byte UTF-8 strings get their byte length, not their character count', () => {
  const s = new RespSerializer();
  s.writeBulk('héllo €').writeBulk(`${'x'.repeat(40)}€`);
  const bytes = s.take();
  assert.deepEqual(bytes.subarray(0, 4), ascii('$10\r'));
  assert.equal(new TextDecoder().decode(bytes), `$10\r\nhéllo €\r\n$43\r\n${'x'.repeat(40)}€\r\n`);
});

test('commands as a client sends them', () => {
  const s = new RespSerializer();
  s.writeCommand(['SET', 'k', ascii('v')]);
  assert.equal(wire(s), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
});

test('the output buffer grows as needed and is reused after take()', () => {
  const s = new RespSerializer({ initialSize: 8 });
  s.writeBulk(new Uint8Array(1000).fill(120));
  const first = s.take();
  assert.equal(first.length, 1000 + 9);
  s.writeSimpleString('OK');
  const second = s.take();
  assert.equal(second.buffer, first.buffer); // same memory, no new allocation per reply batch
  s.writeSimpleString('A');
  const copy = s.takeCopy();
  assert.notEqual(copy.buffer, first.buffer);
  assert.equal(new TextDecoder().decode(copy), '+A\r\n');
});
