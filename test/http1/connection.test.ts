import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Http1Connection, Http1LocalError, NEED_DATA, PAUSED } from '../../src/http1/index.js';
import { bytes, chunkings, exchange, text } from './exchange.js';

const H = 'Host: x\r\n';

test('a GET in origin-form: method, path, query, lower-cased repeated headers', () => {
  const out = exchange([
    bytes(`GET /a/b?x=1&y=2 HTTP/1.1\r\n${H}Accept: a\r\nACCEPT: b\r\nX-Odd:  v  w \r\n\r\n`),
  ]);
  assert.deepEqual(out.events, [
    'request GET /a/b?x=1&y=2 HTTP/1.1 [["host","x"],["accept","a"],["accept","b"],["x-odd","v  w"]]',
    'end null',
  ]);
  const conn = new Http1Connection();
  conn.receive(bytes(`GET /a/b?x=1 HTTP/1.1\r\n${H}Accept: a\r\naccept: b\r\n\r\n`));
  const ev = conn.nextEvent();
  assert.ok(typeof ev === 'object' && ev.type === 'request');
  assert.equal(ev.path, '/a/b');
  assert.equal(ev.query, 'x=1');
  assert.equal(ev.headers.get('ACCEPT'), 'a, b');
  assert.deepEqual(ev.headers.getAll('Accept'), ['a', 'b']);
});

test('absolute-form is tolerated (path and query served), asterisk-form only for OPTIONS', () => {
  const conn = new Http1Connection();
  conn.receive(bytes(`GET http://example.com:8080/p/q?z=9 HTTP/1.1\r\n${H}\r\n`));
  const ev = conn.nextEvent();
  assert.ok(typeof ev === 'object' && ev.type === 'request');
  assert.equal(ev.path, '/p/q');
  assert.equal(ev.query, 'z=9');
  const star = exchange([bytes(`OPTIONS * HTTP/1.1\r\n${H}\r\n`)]);
  assert.equal(star.events[0], 'request OPTIONS * HTTP/1.1 [["host","x"]]');
  const bad = exchange([bytes(`GET * HTTP/1.1\r\n${H}\r\n`)]);
  assert.equal(bad.error?.status, 400);
  assert.equal(bad.error?.code, 'EHTTPBADTARGET');
});

test('Content-Length body, and a chunked body with extensions ignored and trailers kept', () => {
  const cl = exchange([bytes(`POST /u HTTP/1.1\r\n${H}Content-Length: 11\r\n\r\nhello world`)]);
  assert.deepEqual(cl.events.slice(1), ['data "hello world"', 'end null']);
  const chunked = exchange([
    bytes(
      `POST /u HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n` +
        '5;name=value;flag\r\nhello\r\n1\r\n \r\nA \r\n0123456789\r\n0\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n',
    ),
  ]);
  assert.deepEqual(chunked.events.slice(1), [
    'data "hello 0123456789"',
    'end [["x-sum","42"],["x-other","y"]]',
  ]);
});

test('pipelined requests are answered in order; later bytes wait (PAUSED) until startNextCycle', () => {
  const conn = new Http1Connection();
  conn.receive(bytes(`GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`));
  const first = conn.nextEvent();
  assert.ok(typeof first === 'object' && first.type === 'request' && first.path === '/1');
  assert.deepEqual(conn.nextEvent(), { type: 'end', trailers: null });
  assert.equal(conn.nextEvent(), PAUSED);
  assert.equal(conn.nextEvent(), PAUSED, 'still paused: nothing is parsed from the next request');
  const out = conn.respond(200, [], bytes('one'));
  assert.equal(text(out[0]), 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n');
  assert.equal(conn.nextEvent(), PAUSED);
  conn.startNextCycle();
  const second = conn.nextEvent();
  assert.ok(typeof second === 'object' && second.type === 'request' && second.path === '/2');
  const all = exchange([
    bytes(`GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\nGET /3 HTTP/1.1\r\n${H}\r\n`),
  ]);
  assert.equal(all.events.filter((e) => e.startsWith('request')).length, 3);
  assert.equal(all.written.split('HTTP/1.1 200 OK').length - 1, 3);
});

test('keep-alive: HTTP/1.1 persists unless Connection: close; HTTP/1.0 only with keep-alive', () => {
  const cases: [string, boolean, RegExp | null][] = [
    [`GET / HTTP/1.1\r\n${H}\r\n`, true, null],
    [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, false, /connection: close\r\n/],
    [`GET / HTTP/1.1\r\n${H}Connection: Keep-Alive, CLOSE\r\n\r\n`, false, /connection: close\r\n/],
    ['GET / HTTP/1.0\r\n\r\n', false, /connection: close\r\n/],
    ['GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', true, /connection: keep-alive\r\n/],
  ];
  for (const [req, keep, header] of cases) {
    const conn = new Http1Connection();
    conn.receive(bytes(req));
    conn.nextEvent();
    conn.nextEvent();
    const head = text(conn.respond(200, [], bytes('x'))[0]);
    assert.equal(conn.keepAlive, keep, req);
    assert.equal(conn.ourState, keep ? 'DONE' : 'MUST_CLOSE', req);
    if (header) assert.match(head, header, req);
    else assert.doesNotMatch(head, /connection:/, req);
  }
});

test('streamed responses: chunked for HTTP/1.1, close-delimited for HTTP/1.0', () => {
  const conn = new Http1Connection();
  conn.receive(bytes(`GET / HTTP/1.1\r\n${H}\r\n`));
  conn.nextEvent();
  conn.nextEvent();
  // Each send's chunks are written (here: turned into text) before the next send reuses the head buffer.
  const sent = (chunks: Uint8Array[]) => chunks.map(text).join('');
  const parts = [
    sent(conn.send({ type: 'response', status: 200, headers: [['x-a', 'b']] })),
    sent(conn.send({ type: 'data', data: bytes('hello') })),
    sent(conn.send({ type: 'data', data: new Uint8Array(0) })),
    sent(conn.send({ type: 'data', data: bytes('0123456789abcdef!') })),
    sent(conn.send({ type: 'end', trailers: [['x-sum', '1']] })),
  ];
  assert.equal(
    parts.join(''),
    'HTTP/1.1 200 OK\r\nx-a: b\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n11\r\n0123456789abcdef!\r\n0\r\nx-sum: 1\r\n\r\n',
  );
  assert.equal(conn.keepAlive, true);

  const old = new Http1Connection();
  old.receive(bytes('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
  old.nextEvent();
  old.nextEvent();
  const head = text(old.send({ type: 'response', status: 200 })[0]);
  assert.equal(head, 'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n');
  assert.equal(text(old.send({ type: 'data', data: bytes('raw') })[0]), 'raw');
  old.send({ type: 'end' });
  assert.equal(old.ourState, 'MUST_CLOSE');
});

test('HEAD gets the GET headers and no body; 204 and 304 have no body either', () => {
  const conn = new Http1Connection();
  conn.receive(bytes(`HEAD /x HTTP/1.1\r\n${H}\r\n`));
  conn.nextEvent();
  conn.nextEvent();
  const out = conn.respond(200, [['content-type', 'text/plain']], bytes('twelve bytes'));
  assert.equal(out.length, 1);
  assert.equal(text(out[0]), 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\n');
  assert.equal(conn.keepAlive, true);

  const nc = new Http1Connection();
  nc.receive(bytes(`DELETE /x HTTP/1.1\r\n${H}\r\n`));
  nc.nextEvent();
  nc.nextEvent();
  const none = nc.respond(204, [], new Uint8Array(0));
  assert.equal(text(none[0]), 'HTTP/1.1 204 No Content\r\n\r\n');
});

test('Expect: 100-continue: flagged, answered with a 100 on request, an unknown expectation is 417', () => {
  const conn = new Http1Connection();
  conn.receive(bytes(`PUT /f HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 3\r\n\r\n`));
  conn.nextEvent();
  assert.equal(conn.clientIsWaitingFor100Continue, true);
  assert.equal(conn.nextEvent(), NEED_DATA);
  assert.equal(text(conn.send({ type: 'informational', status: 100 })[0]), 'HTTP/1.1 100 Continue\r\n\r\n');
  assert.equal(conn.clientIsWaitingFor100Continue, false);
  conn.receive(bytes('abc'));
  assert.deepEqual(conn.nextEvent(), { type: 'data', data: bytes('abc') });

  // A final response without reading the body: the exchange must be the last on the connection.
  const early = new Http1Connection();
  early.receive(bytes(`PUT /f HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 3\r\n\r\n`));
  early.nextEvent();
  const head = text(early.respond(413, [], bytes('no'))[0]);
  assert.match(head, /connection: close/);
  assert.equal(early.keepAlive, false);

  const odd = exchange([bytes(`PUT /f HTTP/1.1\r\n${H}Expect: tea\r\nContent-Length: 0\r\n\r\n`)]);
  assert.deepEqual([odd.error?.status, odd.error?.code], [417, 'EHTTPEXPECTATION']);
});

test('EOF between requests is ConnectionClosed; EOF inside a request is an incomplete-message error', () => {
  assert.deepEqual(exchange([bytes(`GET / HTTP/1.1\r\n${H}\r\n`)], { eof: true }).events.at(-1), 'closed');
  const cut = exchange([bytes(`GET / HTTP/1.1\r\n${H}`)], { eof: true });
  assert.equal(cut.error?.code, 'EHTTPINCOMPLETE');
  const body = exchange([bytes(`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nab`)], { eof: true });
  assert.equal(body.error?.code, 'EHTTPINCOMPLETE');
});

test('leading empty lines before a request line are ignored (RFC 9112 section 2.2)', () => {
  assert.equal(exchange([bytes(`\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`)]).events.length, 2);
});

test('version: HTTP/1.0 and 1.1 served, other versions 505, malformed 400', () => {
  assert.deepEqual(exchange([bytes(`GET / HTTP/2.0\r\n${H}\r\n`)]).error?.status, 505);
  assert.deepEqual(exchange([bytes(`GET / HTTP/1.2\r\n${H}\r\n`)]).error?.status, 505);
  for (const v of ['http/1.1', 'HTTP/1.1 ', 'HTTP/11', 'HTTP/1.1x', 'HTTP/1']) {
    assert.equal(exchange([bytes(`GET / ${v}\r\n${H}\r\n`)]).error?.code, 'EHTTPBADREQUESTLINE', v);
  }
  assert.equal(exchange([bytes(`GET  / HTTP/1.1\r\n${H}\r\n`)]).error?.status, 400);
  assert.equal(exchange([bytes(`GET /a b HTTP/1.1\r\n${H}\r\n`)]).error?.status, 400);
});

test('Host: required for HTTP/1.1, at most one (RFC 9112 section 3.2)', () => {
  assert.equal(exchange([bytes('GET / HTTP/1.1\r\n\r\n')]).error?.code, 'EHTTPHOST');
  assert.equal(exchange([bytes('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')]).error?.code, 'EHTTPHOST');
  assert.equal(exchange([bytes('GET / HTTP/1.0\r\n\r\n')]).error, undefined);
});

test('same events for every split of one pipelined stream (unit form of the property test)', () => {
  const stream = bytes(
    `POST /a HTTP/1.1\r\n${H}Content-Length: 4\r\n\r\nbody` +
      `PUT /b HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n` +
      'GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
  );
  const expected = exchange([stream]);
  assert.equal(expected.error, undefined);
  assert.equal(expected.events.filter((e) => e.startsWith('request')).length, 3);
  for (const chunks of chunkings(stream)) assert.deepEqual(exchange(chunks), expected);
});

test('our mistakes are Http1LocalError: too many body bytes, body on a 204, CR in a header value', () => {
  const conn = new Http1Connection();
  conn.receive(bytes(`GET / HTTP/1.1\r\n${H}\r\n`));
  conn.nextEvent();
  conn.nextEvent();
  assert.throws(
    () => conn.send({ type: 'response', status: 200, headers: [['x', 'a\r\nSet-Cookie: evil']] }),
    Http1LocalError,
  );
  const c2 = new Http1Connection();
  c2.receive(bytes(`GET / HTTP/1.1\r\n${H}\r\n`));
  c2.nextEvent();
  c2.nextEvent();
  c2.send({ type: 'response', status: 200, headers: [['content-length', '2']] });
  assert.throws(() => c2.send({ type: 'data', data: bytes('abc') }), Http1LocalError);
  assert.throws(() => c2.send({ type: 'end' }), Http1LocalError);
});

test('body data is a plain Uint8Array view: slice() copies, so a copy survives the next receive()', () => {
  const conn = new Http1Connection();
  conn.receive(bytes(`POST / HTTP/1.1\r\n${H}Content-Length: 8\r\n\r\n`));
  conn.nextEvent();
  conn.receive(bytes('abcd'));
  const ev = conn.nextEvent();
  assert.ok(typeof ev === 'object' && ev.type === 'data');
  assert.equal(Object.getPrototypeOf(ev.data), Uint8Array.prototype);
  const copy = ev.data.slice();
  conn.receive(bytes('efgh')); // compaction reuses the same bytes of the receive buffer
  assert.equal(text(copy), 'abcd');
  assert.equal(text(ev.data), 'efgh', 'the view itself expired, as documented');
});
