// Property tests: any split of a stream of pipelined requests gives the same events, and any
// bytes at all give events or a typed Http1 error, never anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytes, exchange } from './exchange.js';

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);
const bodyText = fc.string({ maxLength: 60 });

interface Req {
  method: string;
  path: string;
  headers: [string, string][];
  body:
    | { kind: 'none' }
    | { kind: 'length'; data: string }
    | { kind: 'chunked'; chunks: string[]; trailers: [string, string][] };
}

const framingNames = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect']);
const header = fc.tuple(token, fieldValue).filter(([n]) => !framingNames.has(n.toLowerCase()));

const request: fc.Arbitrary<Req> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'X-CUSTOM'),
  path: fc.stringMatching(/^\/[A-Za-z0-9/._~%?=&-]{0,30}$/),
  headers: fc.array(header, { maxLength: 5 }),
  body: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('length' as const), data: bodyText }),
    fc.record({
      kind: fc.constant('chunked' as const),
      chunks: fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 4 }),
      trailers: fc.array(header, { maxLength: 2 }),
    }),
  ),
});

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

function serialize(r: Req): string {
  let s = `${r.method} ${r.path} HTTP/1.1\r\nHost: h\r\n`;
  for (const [n, v] of r.headers) s += `${n}: ${v}\r\n`;
  if (r.body.kind === 'length')
    return `${s}Content-Length: ${Buffer.byteLength(r.body.data)}\r\n\r\n${latin1(r.body.data)}`;
  if (r.body.kind === 'none') return `${s}\r\n`;
  s += 'Transfer-Encoding: chunked\r\n\r\n';
  for (const c of r.body.chunks) s += `${Buffer.byteLength(c).toString(16)};ext=1\r\n${latin1(c)}\r\n`;
  s += '0\r\n';
  for (const [n, v] of r.body.trailers) s += `${n}: ${v}\r\n`;
  return `${s}\r\n`;
}

function expectedEvents(r: Req): string[] {
  const headers: [string, string][] = [
    ['host', 'h'],
    ...r.headers.map(([n, v]) => [n.toLowerCase(), v] as [string, string]),
  ];
  const out: string[] = [];
  let data = '';
  let trailers: [string, string][] | null = null;
  if (r.body.kind === 'length') {
    headers.push(['content-length', String(Buffer.byteLength(r.body.data))]);
    data = latin1(r.body.data);
  } else if (r.body.kind === 'chunked') {
    headers.push(['transfer-encoding', 'chunked']);
    data = r.body.chunks.map(latin1).join('');
    trailers = r.body.trailers.length > 0 ? r.body.trailers.map(([n, v]) => [n.toLowerCase(), v]) : null;
  }
  out.push(`request ${r.method} ${r.path} HTTP/1.1 ${JSON.stringify(headers)}`);
  if (data !== '') out.push(`data ${JSON.stringify(data)}`);
  out.push(`end ${JSON.stringify(trailers)}`);
  return out;
}

function split(stream: Uint8Array, points: number[]): Uint8Array[] {
  const cuts = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, stream.length]) {
    if (c > prev) out.push(stream.subarray(prev, c));
    prev = c;
  }
  return out;
}

test('property: any split of pipelined requests gives the same events, and the events match the requests', () => {
  fc.assert(
    fc.property(
      fc.array(request, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (reqs, points) => {
        const stream = bytes(reqs.map(serialize).join(''));
        const whole = exchange([stream], { eof: true });
        assert.equal(whole.error, undefined, JSON.stringify(whole.error));
        assert.deepEqual(whole.events, [...reqs.flatMap(expectedEvents), 'closed']);
        assert.equal(whole.written.split('HTTP/1.1 200 OK').length - 1, reqs.length);
        assert.deepEqual(exchange(split(stream, points), { eof: true }), whole);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: every single split point of a pipelined stream, exhaustively, for a few streams', () => {
  fc.assert(
    fc.property(fc.array(request, { minLength: 2, maxLength: 3 }), (reqs) => {
      const stream = bytes(reqs.map(serialize).join(''));
      const whole = exchange([stream], { eof: true });
      for (let i = 1; i < stream.length; i++) {
        assert.deepEqual(exchange([stream.subarray(0, i), stream.subarray(i)], { eof: true }), whole);
      }
    }),
    { numRuns: 20 },
  );
});

const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  // Mutations of valid streams: the interesting garbage is almost a request.
  fc
    .tuple(
      fc.array(request, { minLength: 1, maxLength: 2 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    )
    .map(([reqs, edits]) => {
      const b = bytes(reqs.map(serialize).join(''));
      for (const [at, v] of edits) b[at % b.length] = v;
      return b;
    }),
  fc
    .array(
      fc.constantFrom(
        'GET / HTTP/1.1\r\n',
        'Host: h\r\n',
        '\r\n',
        'Content-Length: 3\r\n',
        'Transfer-Encoding: chunked\r\n',
        '3\r\nabc\r\n',
        '0\r\n',
        ' ',
        '\r',
        '\n',
        ':',
        'ffffffffffffffffff\r\n',
        'HTTP/1.0',
      ),
      { maxLength: 20 },
    )
    .map((parts) => bytes(parts.join(''))),
);

test('property: garbage gives events or a typed Http1 error with a status, the same for any split', () => {
  fc.assert(
    fc.property(garbage, fc.array(fc.nat(), { maxLength: 8 }), (stream, points) => {
      const whole = exchange([stream], {
        eof: true,
        limits: { maxHeaderBytes: 512, maxRequestLineBytes: 128 },
      });
      if (whole.error) {
        assert.equal(whole.error.typed, true, `untyped error ${whole.error.name}`);
        assert.ok(
          [400, 413, 414, 417, 431, 501, 505].includes(whole.error.status),
          String(whole.error.status),
        );
      }
      const pieces = exchange(split(stream, points), {
        eof: true,
        limits: { maxHeaderBytes: 512, maxRequestLineBytes: 128 },
      });
      assert.deepEqual(pieces, whole);
    }),
    { numRuns: 1500 },
  );
});
