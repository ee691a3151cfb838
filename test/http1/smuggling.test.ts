// Request smuggling defences (RFC 9112 sections 6.1, 6.3, 11.2): every ambiguity in how a request
// is framed is answered with 400 (or 501) and the connection is closed; nothing is parsed from the
// bytes that follow, so a smuggled second request can never reach a handler.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytes, chunkings, exchange } from './exchange.js';

const H = 'Host: x\r\n';
const SMUGGLED = `GET /admin HTTP/1.1\r\n${H}\r\n`;

function rejects(name: string, head: string, code: string, status = 400) {
  test(`smuggling: ${name} → ${status} ${code}, nothing parsed after it`, () => {
    const stream = bytes(head + SMUGGLED);
    for (const chunks of chunkings(stream)) {
      const out = exchange(chunks, { eof: true });
      assert.ok(out.error, `no error for ${JSON.stringify(head)}`);
      assert.equal(out.error.typed, true);
      assert.equal(out.error.code, code);
      assert.equal(out.error.status, status);
      assert.ok(!out.events.some((e) => e.includes('/admin')), 'the smuggled request was parsed');
      assert.equal(out.written, '', 'no response was produced for a rejected request');
    }
  });
}

rejects(
  'Content-Length and Transfer-Encoding together',
  `POST / HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  'EHTTPSMUGGLING',
);
rejects(
  'Transfer-Encoding then Content-Length',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`,
  'EHTTPSMUGGLING',
);
rejects(
  'two equal Content-Length fields',
  `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`,
  'EHTTPSMUGGLING',
);
rejects(
  'two differing Content-Length fields',
  `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 30\r\n\r\nabc`,
  'EHTTPSMUGGLING',
);
rejects(
  'a Content-Length list',
  `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`,
  'EHTTPBADCONTENTLENGTH',
);
rejects(
  'a signed Content-Length',
  `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc`,
  'EHTTPBADCONTENTLENGTH',
);
rejects(
  'a hex Content-Length',
  `POST / HTTP/1.1\r\n${H}Content-Length: 0x3\r\n\r\nabc`,
  'EHTTPBADCONTENTLENGTH',
);
rejects('an empty Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 'EHTTPBADCONTENTLENGTH');
rejects(
  'whitespace between field name and colon',
  `POST / HTTP/1.1\r\n${H}Content-Length : 3\r\n\r\nabc`,
  'EHTTPSPACEBEFORECOLON',
);
rejects(
  'a leading-space " Content-Length" line (obs-fold)',
  `POST / HTTP/1.1\r\n${H} Content-Length: 3\r\n\r\nabc`,
  'EHTTPOBSFOLD',
);
rejects('obs-fold continuing a value', `GET / HTTP/1.1\r\n${H}X-A: one\r\n\ttwo\r\n\r\n`, 'EHTTPOBSFOLD');
rejects(
  'a bare CR inside a field value',
  `GET / HTTP/1.1\r\n${H}X-A: one\rTransfer-Encoding: chunked\r\n\r\n`,
  'EHTTPBARECR',
);
rejects('a bare LF as a line end', `GET / HTTP/1.1\n${H}\r\n`, 'EHTTPBARELF');
rejects('a bare LF between fields', `GET / HTTP/1.1\r\n${H}X-A: 1\nContent-Length: 5\r\n\r\n`, 'EHTTPBARELF');
rejects('a NUL in a field value', `GET / HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n`, 'EHTTPBADFIELDVALUE');
rejects(
  'Transfer-Encoding not ending in chunked',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n`,
  'EHTTPSMUGGLING',
);
rejects(
  'Transfer-Encoding chunked twice',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  'EHTTPSMUGGLING',
);
rejects(
  'Transfer-Encoding: xchunked',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`,
  'EHTTPSMUGGLING',
);
rejects(
  'Transfer-Encoding with an unknown coding before chunked',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
  'EHTTPUNSUPPORTEDTE',
  501,
);
rejects(
  'Transfer-Encoding in an HTTP/1.0 request',
  'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'EHTTPSMUGGLING',
);
rejects(
  'a chunk size with a 0x prefix',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n`,
  'EHTTPBADCHUNK',
);
rejects(
  'a negative chunk size',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n`,
  'EHTTPBADCHUNK',
);
rejects(
  'a chunk size with leading space',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n`,
  'EHTTPBADCHUNK',
);
rejects(
  'an empty chunk size',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n`,
  'EHTTPBADCHUNK',
);
rejects(
  'a chunk size overflowing 2^53',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n10000000000000003\r\nabc\r\n0\r\n\r\n`,
  'EHTTPBADCHUNK',
);
rejects(
  'chunk data longer than its size',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n`,
  'EHTTPBADCHUNK',
);
rejects(
  'a chunk size line ending in a bare LF',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n`,
  'EHTTPBARELF',
);
rejects(
  'garbage after the chunk size',
  `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n`,
  'EHTTPBADCHUNK',
);

test('smuggling: a CL.0 body is not read as the next request when the framing is valid', () => {
  // The positive control: a well-framed body that looks like a request stays body bytes.
  const out = exchange([
    bytes(`POST / HTTP/1.1\r\n${H}Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`),
  ]);
  assert.equal(out.error, undefined);
  assert.equal(out.events.filter((e) => e.startsWith('request')).length, 1);
  assert.equal(out.events[1], `data ${JSON.stringify(SMUGGLED)}`);
});
