// Every limit of the parser, each named after the attack it stops. Limits hold however the bytes
// are chunked, and the error names the option to raise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HTTP1_LIMITS, Http1Connection, Http1LimitExceeded } from '../../src/http1/index.js';
import { bytes, exchange } from './exchange.js';

const H = 'Host: x\r\n';

function expectLimit(stream: string, limit: string, status: number, limits = {}) {
  const b = bytes(stream);
  for (const chunks of [[b], Array.from(b, (_, i) => b.subarray(i, i + 1))]) {
    const out = exchange(chunks, { limits });
    assert.equal(out.error?.typed, true, `no typed error (${limit})`);
    assert.equal(out.error?.status, status);
    assert.equal(out.error?.name, 'Http1LimitExceeded');
  }
  const conn = new Http1Connection(limits);
  conn.receive(b);
  try {
    for (let i = 0; i < 10; i++) conn.nextEvent();
    assert.fail('no error');
  } catch (err) {
    assert.ok(err instanceof Http1LimitExceeded);
    assert.equal(err.limit, limit);
  }
}

test('defaults are the documented safe values', () => {
  assert.equal(DEFAULT_HTTP1_LIMITS.maxRequestLineBytes, 8192);
  assert.equal(DEFAULT_HTTP1_LIMITS.maxHeaderCount, 100);
  assert.equal(DEFAULT_HTTP1_LIMITS.maxHeaderBytes, 32 * 1024);
  assert.equal(DEFAULT_HTTP1_LIMITS.maxBodyBytes, 1024 * 1024);
});

test('attack: a huge URI (request line past maxRequestLineBytes) → 414, even before its CRLF', () => {
  expectLimit(`GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, 'maxRequestLineBytes', 414);
  expectLimit(`GET /${'a'.repeat(9000)}`, 'maxRequestLineBytes', 414);
  expectLimit(`GET /${'a'.repeat(100)} HTTP/1.1\r\n${H}\r\n`, 'maxRequestLineBytes', 414, {
    maxRequestLineBytes: 64,
  });
});

test('attack: header flood (more fields than maxHeaderCount) → 431', () => {
  expectLimit(`GET / HTTP/1.1\r\n${H}${'X-A: 1\r\n'.repeat(100)}\r\n`, 'maxHeaderCount', 431);
  const ok = exchange([bytes(`GET / HTTP/1.1\r\n${H}${'X-A: 1\r\n'.repeat(99)}\r\n`)]);
  assert.equal(ok.error, undefined, '100 fields including Host are allowed');
});

test('attack: oversized header section (past maxHeaderBytes) → 431, even with no end in sight', () => {
  expectLimit(`GET / HTTP/1.1\r\n${H}X-Big: ${'v'.repeat(40_000)}\r\n\r\n`, 'maxHeaderBytes', 431);
  expectLimit(`GET / HTTP/1.1\r\n${H}X-Big: ${'v'.repeat(40_000)}`, 'maxHeaderBytes', 431);
});

test('attack: trailer flood after a chunked body → 431 (trailers have their own budget)', () => {
  const body = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n`;
  expectLimit(`${body}${'T: 1\r\n'.repeat(101)}\r\n`, 'maxHeaderCount', 431);
  expectLimit(`${body}T: ${'v'.repeat(40_000)}\r\n\r\n`, 'maxHeaderBytes', 431);
});

test('attack: a huge announced Content-Length → 413 at once, before any body byte is buffered', () => {
  expectLimit(`POST / HTTP/1.1\r\n${H}Content-Length: 1048577\r\n\r\n`, 'maxBodyBytes', 413);
  expectLimit(`POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n`, 'maxBodyBytes', 413);
});

test('attack: an endless chunked body → 413 once the chunks add up past maxBodyBytes', () => {
  const chunk = `400\r\n${'z'.repeat(1024)}\r\n`;
  expectLimit(
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${chunk.repeat(9)}`,
    'maxBodyBytes',
    413,
    {
      maxBodyBytes: 8 * 1024,
    },
  );
});

test('attack: an endless chunk extension → 400 past maxChunkLineBytes', () => {
  const out = exchange([
    bytes(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(5000)}`),
  ]);
  assert.deepEqual([out.error?.status, out.error?.code], [400, 'EHTTPBADCHUNK']);
});

test('attack: a stream of empty lines instead of a request → 400 after maxLeadingEmptyLines', () => {
  const out = exchange([bytes('\r\n'.repeat(9))]);
  assert.deepEqual([out.error?.status, out.error?.code], [400, 'EHTTPBADREQUESTLINE']);
});
