// Cross-check against the real thing: the same bytes go to a local redis-server (Debian package
// redis-server, installed by CI) and to RespRequestParser; wherever Redis answers
// `-ERR Protocol error: ...` we must throw that exact message, and only there.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { RespProtocolError } from '../../src/framing/errors.js';
import { NEED_MORE } from '../../src/framing/need-more.js';
import { RespParser } from '../../src/framing/resp-parser.js';
import { RespRequestParser } from '../../src/framing/resp-request-parser.js';
import { RespSerializer } from '../../src/framing/resp-serializer.js';
import type { RespValue } from '../../src/framing/resp-value.js';
import { bytesToString } from '../../src/framing/utf8.js';
import { ascii, cut, feed } from './chunkings.js';
import { cloneValue } from './resp-values.js';

let server: ChildProcess;
let dir: string;
let socketPath: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wirestack-redis-'));
  socketPath = join(dir, 'redis.sock');
  server = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socketPath, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      await talk('PING\r\n');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start');
});

after(() => {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `input`, half-closes, returns everything Redis wrote before closing. */
async function talk(input: string | Uint8Array): Promise<string> {
  return Buffer.from(await talkBytes(input)).toString('latin1');
}

function talkBytes(input: string | Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const parts: Buffer[] = [];
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(new Uint8Array(Buffer.concat(parts))));
    socket.end(typeof input === 'string' ? ascii(input) : input);
  });
}

function ourError(input: Uint8Array): string | undefined {
  // Redis 7.0 allows up to INT_MAX elements per multibulk; our default is the stricter 1M of older Redis.
  const parser = new RespRequestParser({ maxMultibulkLength: 2147483647 });
  try {
    parser.push(input);
    while (parser.read() !== NEED_MORE);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof RespProtocolError);
    return e.message;
  }
}

function redisError(reply: string): string | undefined {
  return /-ERR (Protocol error: [^\r]*)\r\n/.exec(reply)?.[1];
}

test('redis-server and RespRequestParser agree on the protocol.tcl cases', async () => {
  const cases = [
    '*3000000000\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n',
    '*1\r\nfoo\r\n',
    'set """test-key""" test-value\r\nping\r\n',
    '*-10\r\nPING\r\n',
    '\r\nPING\r\n',
  ];
  for (const input of cases) {
    assert.equal(ourError(ascii(input)), redisError(await talk(input)), JSON.stringify(input));
  }
});

test('redis-server and RespRequestParser agree on the desync and too-big cases', async () => {
  for (const input of [
    `\x00${'payload'.repeat(10000)}`,
    `*\x00${'payload'.repeat(10000)}`,
    `*1\r\n$${'1'.repeat(70000)}`,
  ]) {
    const ours = ourError(ascii(input));
    assert.ok(ours !== undefined);
    assert.equal(ours, redisError(await talk(input)));
  }
});

// No NUL (Redis finds line ends with strchr, which stops at NUL) and no lone \r (Redis takes the byte
// after a header's \r as its \n without looking): on those we are deliberately stricter than Redis.
// Payload letters are harmless (no command a random draw could spell does damage).
const TOKENS = [
  '*',
  '$',
  '1',
  '2',
  '3',
  '-1',
  '0',
  '\r\n',
  '\n',
  ' ',
  '"',
  "'",
  '\\',
  'x4',
  'a',
  'PING',
  'ECHO',
];
const freeform = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join(''));
const element = fc.oneof(
  fc
    .string({ unit: fc.constantFrom('a', 'b', 'x', ' ', '\r', '\n', '$'), maxLength: 5 })
    .map((p) => `$${p.length}\r\n${p}\r\n`),
  fc.constantFrom(
    '$-1\r\n',
    '$abc\r\n',
    '$-5\r\n',
    'foo\r\n',
    '$\r\n',
    '$01\r\n',
    '$1\r\n',
    '$99999999999\r\n',
    ' $1\r\n',
  ),
  freeform,
);
const multibulk = fc
  .tuple(
    fc.constantFrom('*1', '*2', '*3', '*-1', '*0', '*01', '* 1', '*', '*-0', '*2147483648'),
    fc.array(element, { maxLength: 4 }),
  )
  .map(([head, elements]) => `${head}\r\n${elements.join('')}`);

test('property: redis-server and RespRequestParser agree on random RESP-like input', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(freeform, multibulk), { minLength: 1, maxLength: 3 }),
      async (parts) => {
        const input = ascii(`${parts.join('')}\r\n`);
        const ours = ourError(input);
        // Redis skips the two bytes after a bulk payload unchecked; we require them to be \r\n.
        fc.pre(ours !== 'Protocol error: bulk string not terminated by CRLF');
        assert.equal(ours, redisError(await talk(input)));
      },
    ),
    { numRuns: 300 },
  );
});

const text = (v: RespValue | undefined): string | undefined =>
  v !== undefined && (v.type === 'bulk' || v.type === 'simple')
    ? v.type === 'bulk'
      ? bytesToString(v.value)
      : v.value
    : undefined;

/** The value after key `key` in a parsed RESP3 map. */
function mapGet(map: RespValue, key: string): RespValue | undefined {
  assert.equal(map.type, 'map');
  const items = map.type === 'map' ? map.value : [];
  for (let i = 0; i < items.length; i += 2) if (text(items[i]) === key) return items[i + 1];
  return undefined;
}

test('RespParser reads what redis-server really sends, in RESP2 and after HELLO 3, however it is chunked', async () => {
  const request = new RespSerializer();
  const script: (string | Uint8Array)[][] = [
    ['DEL', 'ws:k', 'ws:n', 'ws:l', 'ws:h', 'ws:s', 'ws:z'],
    ['SET', 'ws:k', Uint8Array.of(0, 13, 10, 255)],
    ['GET', 'ws:k'],
    ['GET', 'ws:missing'],
    ['INCR', 'ws:n'],
    ['RPUSH', 'ws:l', 'a', 'b'],
    ['LRANGE', 'ws:l', '0', '-1'],
    ['HSET', 'ws:h', 'f', 'v'],
    ['HGETALL', 'ws:h'],
    ['SADD', 'ws:s', 'm'],
    ['SMEMBERS', 'ws:s'],
    ['ZADD', 'ws:z', '1.5', 'm'],
    ['ZSCORE', 'ws:z', 'm'],
    ['NOSUCHCOMMAND'],
  ];
  for (const protocol of [2, 3] as const) {
    if (protocol === 3) request.writeCommand(['HELLO', '3']);
    for (const argv of script) request.writeCommand(argv);
    request.writeCommand(['SUBSCRIBE', 'ws:ch']);
    const replies = await talkBytes(request.takeCopy());
    const values = feed(new RespParser(), [replies], cloneValue).values;
    const bytewise = feed(
      new RespParser(),
      cut(
        replies,
        Array.from(replies, (_, i) => i),
      ),
      cloneValue,
    );
    assert.deepEqual(bytewise, { values });
    if (protocol === 3) {
      const hello = values.shift()!;
      assert.deepEqual(mapGet(hello, 'proto'), { type: 'integer', value: 3 });
      assert.equal(text(mapGet(hello, 'server')), 'redis');
    }
    const [, set, get, missing, incr, , lrange, , hgetall, , smembers, , zscore, unknown, subscribe] = values;
    assert.deepEqual(set, { type: 'simple', value: 'OK' });
    assert.deepEqual(get, { type: 'bulk', value: Uint8Array.of(0, 13, 10, 255) });
    assert.deepEqual(missing, { type: 'null' });
    assert.deepEqual(incr, { type: 'integer', value: 1 });
    assert.deepEqual(lrange, {
      type: 'array',
      value: [
        { type: 'bulk', value: ascii('a') },
        { type: 'bulk', value: ascii('b') },
      ],
    });
    const pair = [
      { type: 'bulk', value: ascii('f') },
      { type: 'bulk', value: ascii('v') },
    ];
    assert.deepEqual(hgetall, protocol === 3 ? { type: 'map', value: pair } : { type: 'array', value: pair });
    assert.deepEqual(smembers, {
      type: protocol === 3 ? 'set' : 'array',
      value: [{ type: 'bulk', value: ascii('m') }],
    });
    assert.deepEqual(
      zscore,
      protocol === 3 ? { type: 'double', value: 1.5 } : { type: 'bulk', value: ascii('1.5') },
    );
    assert.equal(unknown.type, 'error');
    assert.match(unknown.type === 'error' ? unknown.value : '', /^ERR unknown command 'NOSUCHCOMMAND'/);
    assert.equal(subscribe.type, protocol === 3 ? 'push' : 'array');
  }
});
