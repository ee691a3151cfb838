// The same command streams go to a real redis-server (Debian package redis-server, installed by CI)
// and to our RespServer; the reply bytes must be identical. Only replies that legitimately differ
// (server version, client ids, INFO, COMMAND metadata) are left out of the scripts.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { RespServer } from '../../src/drivers/index.js';
import { RespSerializer } from '../../src/framing/index.js';

let redis: ChildProcess;
let dir: string;
let redisSocket: string;
let ours: RespServer;
let ourPort: number;

function requireTool(name: string): void {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return;
    } catch {}
  }
  throw new Error(`${name} not found on PATH: install the Debian package redis-server`);
}

before(async () => {
  requireTool('redis-server');
  dir = mkdtempSync(join(tmpdir(), 'wirestack-resp-xcheck-'));
  redisSocket = join(dir, 'redis.sock');
  redis = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', redisSocket, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  ours = new RespServer();
  ourPort = (await ours.listen({ port: 0 })).port;
  for (let i = 0; i < 100; i++) {
    try {
      await talk({ path: redisSocket }, 'PING\r\n');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start');
});

after(async () => {
  redis.kill();
  rmSync(dir, { recursive: true, force: true });
  await ours.close({ drainTimeoutMs: 500 });
});

/** Sends `input` in one write, half-closes, returns everything the server wrote before closing. */
function talk(where: net.NetConnectOpts, input: string | Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(where);
    const parts: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no close within 5 s'));
    }, 5000);
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts).toString('latin1'));
    });
    socket.end(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  });
}

async function both(input: string | Uint8Array): Promise<[string, string]> {
  const theirs = await talk({ path: redisSocket }, input);
  const mine = await talk({ port: ourPort, host: '127.0.0.1' }, input);
  return [mine, theirs];
}

const out = new RespSerializer();
function commands(list: string[][]): Uint8Array {
  for (const c of list) out.writeCommand(c);
  return out.takeCopy();
}

const SCRIPT: string[][] = [
  ['FLUSHALL'],
  ['PING'],
  ['PING', 'hello'],
  ['PING', 'a', 'b'],
  ['ECHO', 'x\r\ny'],
  ['SET', 'k', 'v'],
  ['GET', 'k'],
  ['GET'],
  ['get', 'a', 'b'],
  ['SET', 'k', 'w', 'NX'],
  ['SET', 'k', 'w', 'XX', 'GET'],
  ['SET', 'k2', 'w', 'NX', 'GET'],
  ['SET', 'k', 'v', 'NX', 'XX'],
  ['SET', 'k', 'v', 'EX', '0'],
  ['SET', 'k', 'v', 'EX', 'abc'],
  ['SET', 'k', 'v', 'PX', '-1'],
  ['SET', 'k', 'v', 'EX', '10', 'PX', '10'],
  ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
  ['SET', 'k', 'v', 'EX', '100'],
  ['TTL', 'k'],
  ['SET', 'k', 'v2', 'KEEPTTL'],
  ['TTL', 'k'],
  ['PERSIST', 'k'],
  ['TTL', 'k'],
  ['TTL', 'nope'],
  ['PTTL', 'nope'],
  ['EXPIRE', 'k', '100', 'XX'],
  ['EXPIRE', 'k', '100', 'GT'],
  ['EXPIRE', 'k', '100', 'NX'],
  ['EXPIRE', 'k', '50', 'GT'],
  ['EXPIRE', 'k', '50', 'LT'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '1', 'NX', 'XX'],
  ['EXPIRE', 'k', '1', 'GT', 'LT'],
  ['EXPIRE', 'k', '1', 'bogus'],
  ['EXPIRE', 'k', 'x'],
  ['EXPIRE', 'nope', '10'],
  ['PEXPIRE', 'k', '-5'],
  ['EXISTS', 'k', 'k', 'k2'],
  ['INCR', 'n'],
  ['INCRBY', 'n', '-10'],
  ['DECR', 'n'],
  ['DECRBY', 'n', '5'],
  ['INCRBY', 'n', 'x'],
  ['INCRBY', 'n', '1.5'],
  ['SET', 'n', '9223372036854775807'],
  ['INCR', 'n'],
  ['DECRBY', 'n', '-9223372036854775808'],
  ['SET', 'n', ' 1'],
  ['INCR', 'n'],
  ['SET', 'n', '-0'],
  ['INCR', 'n'],
  ['MSET', 'a', '1', 'b', '2'],
  ['MSET', 'a', '1', 'b'],
  ['MGET', 'a', 'nope', 'b'],
  ['DEL', 'a', 'a', 'b', 'nope'],
  ['KEYS', 'k?'],
  ['KEYS', 'nomatch*'],
  ['DBSIZE'],
  ['SELECT', '0'],
  ['SELECT', '1000000'],
  ['SELECT', 'x'],
  ['FLUSHDB', 'bogus'],
  ['FLUSHALL', 'SYNC'],
  ['DBSIZE'],
  ['CLIENT', 'SETNAME', 'bad name'],
  ['CLIENT', 'SETNAME', 'good-name'],
  ['CLIENT', 'GETNAME'],
  ['CLIENT', 'SETNAME'],
  ['CLIENT', 'BOGUS'],
  ['CONFIG', 'GET', 'appendonly'],
  ['CONFIG', 'GET'],
  ['CONFIG', 'BOGUS'],
  ['COMMAND', 'BOGUS'],
  ['HELLO', '4'],
  ['HELLO', 'x'],
  ['PUBLISH', 'nobody', 'x'],
  ['foo', 'bar', 'baz'],
  ['foo', 'x\r\ny'],
  ['SUBSCRIBE', 'c1', 'c2'],
  ['GET', 'k'],
  ['PING'],
  ['PING', 'x'],
  ['PSUBSCRIBE', 'p*'],
  ['UNSUBSCRIBE', 'c2'],
  ['UNSUBSCRIBE', 'c1'],
  ['UNSUBSCRIBE'],
  ['PUNSUBSCRIBE', 'p*'],
  ['PUNSUBSCRIBE'],
  ['GET', 'k'],
  ['QUIT'],
  ['PING'],
];

test('redis-server and RespServer answer a scripted session byte for byte the same', async () => {
  const [mine, theirs] = await both(commands(SCRIPT));
  // Compare reply by reply first, for a readable failure.
  const split = (s: string) => s.split('\r\n');
  assert.deepEqual(split(mine), split(theirs));
  assert.equal(mine, theirs);
});

test('redis-server and RespServer agree on RESP3 replies after HELLO 3 (push frames, nulls, maps)', async () => {
  const script = [
    ['HELLO', '3'],
    ['FLUSHALL'],
    ['GET', 'nope'],
    ['MGET', 'nope', 'nope'],
    ['CONFIG', 'GET', 'save'],
    ['SUBSCRIBE', 'c'],
    ['SET', 'k', 'v'],
    ['PUBLISH', 'c', 'to myself'],
    ['PING'],
    ['UNSUBSCRIBE', 'c'],
    ['PUNSUBSCRIBE'],
    ['RESET'],
    ['GET', 'nope'],
  ];
  const [mine, theirs] = await both(commands(script));
  // HELLO's map carries the server version and client id: compare everything after it.
  const afterHello = (s: string) => s.slice(s.indexOf('*0\r\n') + 4);
  assert.equal(afterHello(mine), afterHello(theirs));
});

test('property: random command sequences get the same replies from redis-server and RespServer', async () => {
  const key = fc.constantFrom('a', 'b', 'c');
  const num = fc.constantFrom(
    '0',
    '1',
    '-1',
    '10',
    '007',
    'x',
    '9223372036854775807',
    '-9223372036854775808',
  );
  const command = fc.oneof(
    fc.tuple(fc.constant('SET'), key, fc.constantFrom('1', 'v', '10', '')),
    fc.tuple(
      fc.constant('SET'),
      key,
      fc.constant('v'),
      fc.constantFrom('NX', 'XX', 'GET', 'KEEPTTL', 'nx', 'bad'),
    ),
    fc.tuple(fc.constant('GET'), key),
    fc.tuple(fc.constantFrom('INCR', 'DECR', 'TTL', 'PERSIST', 'EXISTS', 'DEL'), key),
    fc.tuple(fc.constantFrom('INCRBY', 'DECRBY'), key, num),
    fc.tuple(
      fc.constant('EXPIRE'),
      key,
      fc.constantFrom('100', '200', '-1', 'x'),
      fc.constantFrom('NX', 'XX', 'GT', 'LT'),
    ),
    fc.tuple(fc.constant('MGET'), key, key),
    fc.tuple(fc.constant('MSET'), key, num, key, num),
    fc.tuple(fc.constantFrom('DBSIZE', 'PING')),
    fc.tuple(fc.constant('GETX'), num),
    // Only database 0 exists here (redis-server has 16): indexes 1-15 are left out on purpose.
    fc.tuple(
      fc.constant('SELECT'),
      fc.constantFrom('0', 'x', '-1', '16', '2147483648', '-9223372036854775808'),
    ),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(command, { maxLength: 30 }), async (list) => {
      const [mine, theirs] = await both(commands([['FLUSHALL'], ...list.map((c) => [...c])]));
      assert.equal(mine, theirs);
    }),
    { numRuns: 60 },
  );
});
