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
import { RespRequestParser } from '../../src/framing/resp-request-parser.js';
import { ascii } from './chunkings.js';

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
function talk(input: string | Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const parts: Buffer[] = [];
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
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
