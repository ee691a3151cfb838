import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RespServer, type RespServerOptions } from '../../src/drivers/index.js';
import { sleep, waitFor } from '../support/processes.js';
import { type Reply, RespTestClient } from './resp-client.js';

let shared: RespServer;
let port: number;
const clients: RespTestClient[] = [];

async function connect(p = port): Promise<RespTestClient> {
  const c = await RespTestClient.connect(p);
  clients.push(c);
  return c;
}

async function startServer(options: RespServerOptions = {}): Promise<{ server: RespServer; port: number }> {
  const server = new RespServer(options);
  const address = await server.listen({ port: 0 });
  return { server, port: address.port };
}

before(async () => {
  ({ server: shared, port } = await startServer());
});

after(async () => {
  for (const c of clients) c.close();
  await shared.close({ drainTimeoutMs: 1000 });
});

const err = (text: string): Reply => ({ err: text });

test('PING, ECHO, SET/GET, DEL, EXISTS, MGET, MSET, DBSIZE, KEYS, FLUSHALL, SELECT answer as redis-server does', async () => {
  const c = await connect();
  assert.equal(await c.call('PING'), 'PONG');
  assert.equal(await c.call('ping', 'hi'), 'hi');
  assert.equal(await c.call('ECHO', 'hello world'), 'hello world');
  assert.equal(await c.call('FLUSHALL'), 'OK');
  assert.equal(await c.call('SET', 'k1', 'v1'), 'OK');
  assert.equal(await c.call('GET', 'k1'), 'v1');
  assert.equal(await c.call('GET', 'missing'), null);
  assert.equal(await c.call('MSET', 'k2', 'v2', 'k3', 'v3'), 'OK');
  assert.deepEqual(await c.call('MGET', 'k1', 'nope', 'k3'), ['v1', null, 'v3']);
  assert.equal(await c.call('EXISTS', 'k1', 'k1', 'nope'), 2);
  assert.equal(await c.call('DBSIZE'), 3);
  assert.deepEqual(((await c.call('KEYS', '*')) as string[]).sort(), ['k1', 'k2', 'k3']);
  assert.deepEqual(await c.call('KEYS', 'k[12]'), ['k1', 'k2']);
  assert.deepEqual(await c.call('KEYS', 'x*'), []);
  assert.equal(await c.call('DEL', 'k1', 'k2', 'nope'), 2);
  assert.equal(await c.call('DBSIZE'), 1);
  assert.equal(await c.call('SELECT', '0'), 'OK');
  assert.deepEqual(await c.call('SELECT', '1'), err('ERR DB index is out of range'));
  assert.deepEqual(await c.call('SELECT', 'x'), err('ERR value is not an integer or out of range'));
  assert.equal(await c.call('FLUSHDB', 'ASYNC'), 'OK');
  assert.deepEqual(await c.call('FLUSHALL', 'foo'), err('ERR syntax error'));
  assert.equal(await c.call('DBSIZE'), 0);
});

test('keys and values are binary-safe: CR, LF, NUL and every byte value round-trip', async () => {
  const c = await connect();
  const key = new Uint8Array([0, 13, 10, 255, 128, 42]);
  const value = new Uint8Array(256).map((_, i) => i);
  assert.equal(await c.call('SET', key, value), 'OK');
  c.send([new TextEncoder().encode('GET'), key]);
  await c.next();
  // The bulk payload bytes as received, not decoded as text.
  const tail = c.raw.subarray(c.raw.length - 256 - 2, c.raw.length - 2);
  assert.deepEqual(new Uint8Array(tail), value);
  assert.equal(await c.call('DEL', key), 1);
});

test('large values go out by writev, not through the shared reply buffer, in order with the replies around them', async () => {
  const c = await connect();
  const big = 'B'.repeat(3 * 1024 * 1024 + 7);
  assert.equal(await c.call('SET', 'big', big), 'OK');
  const session = [...shared.clients.values()].at(-1)!;
  const gathered: number[] = [];
  const writev = session.conn.writev.bind(session.conn);
  session.conn.writev = (chunks) => {
    gathered.push(chunks[1].length);
    return writev(chunks);
  };
  c.send(['PING'], ['GET', 'big'], ['ECHO', 'after'], ['MGET', 'nope', 'big', 'k-small'], ['PING']);
  assert.equal(await c.next(), 'PONG');
  assert.equal(await c.next(), big);
  assert.equal(await c.next(), 'after');
  assert.deepEqual(await c.next(), [null, big, null]);
  assert.equal(await c.next(), 'PONG');
  assert.deepEqual(gathered, [big.length, big.length], 'each large value was handed over as is');
  assert.equal(await c.call('DEL', 'big'), 1);
});

test('SET options EX/PX/NX/XX/GET/KEEPTTL and their error texts', async () => {
  const c = await connect();
  await c.call('DEL', 's');
  assert.equal(await c.call('SET', 's', '1', 'XX'), null);
  assert.equal(await c.call('SET', 's', '1', 'NX'), 'OK');
  assert.equal(await c.call('SET', 's', '2', 'NX'), null);
  assert.equal(await c.call('SET', 's', '2', 'NX', 'GET'), '1');
  assert.equal(await c.call('SET', 's', '3', 'xx', 'get'), '1');
  assert.equal(await c.call('GET', 's'), '3');
  assert.equal(await c.call('SET', 's', '4', 'EX', '100'), 'OK');
  assert.equal(await c.call('TTL', 's'), 100);
  assert.equal(await c.call('SET', 's', '5', 'KEEPTTL'), 'OK');
  assert.equal(await c.call('TTL', 's'), 100);
  assert.equal(await c.call('SET', 's', '6'), 'OK');
  assert.equal(await c.call('TTL', 's'), -1, 'a plain SET clears the TTL');
  assert.equal(await c.call('SET', 's', '7', 'PX', '5000'), 'OK');
  const pttl = (await c.call('PTTL', 's')) as number;
  assert.ok(pttl > 4000 && pttl <= 5000, `pttl ${pttl}`);
  assert.deepEqual(await c.call('SET', 's', 'v', 'NX', 'XX'), err('ERR syntax error'));
  assert.deepEqual(await c.call('SET', 's', 'v', 'EX', '1', 'PX', '1'), err('ERR syntax error'));
  assert.deepEqual(await c.call('SET', 's', 'v', 'EX'), err('ERR syntax error'));
  assert.deepEqual(await c.call('SET', 's', 'v', 'BOGUS'), err('ERR syntax error'));
  assert.deepEqual(
    await c.call('SET', 's', 'v', 'EX', 'x'),
    err('ERR value is not an integer or out of range'),
  );
  assert.deepEqual(await c.call('SET', 's', 'v', 'EX', '0'), err("ERR invalid expire time in 'set' command"));
  assert.deepEqual(
    await c.call('SET', 's', 'v', 'PX', '-5'),
    err("ERR invalid expire time in 'set' command"),
  );
  assert.deepEqual(
    await c.call('SET', 's', 'v', 'EX', '9999999999999999'),
    err("ERR invalid expire time in 'set' command"),
  );
});

test('INCR/DECR/INCRBY/DECRBY: counters, 64-bit range, overflow and non-integer errors', async () => {
  const c = await connect();
  await c.call('DEL', 'n');
  assert.equal(await c.call('INCR', 'n'), 1);
  assert.equal(await c.call('INCRBY', 'n', '41'), 42);
  assert.equal(await c.call('DECR', 'n'), 41);
  assert.equal(await c.call('DECRBY', 'n', '50'), -9);
  assert.equal(await c.call('GET', 'n'), '-9');
  assert.equal(await c.call('SET', 'n', '9223372036854775806'), 'OK');
  assert.equal(await c.call('INCR', 'n'), 9223372036854775807n);
  assert.deepEqual(await c.call('INCR', 'n'), err('ERR increment or decrement would overflow'));
  assert.equal(await c.call('GET', 'n'), '9223372036854775807', 'a failed INCR leaves the value alone');
  assert.equal(await c.call('SET', 'n', 'abc'), 'OK');
  assert.deepEqual(await c.call('INCR', 'n'), err('ERR value is not an integer or out of range'));
  assert.equal(await c.call('SET', 'n', '007'), 'OK');
  assert.deepEqual(await c.call('INCR', 'n'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(await c.call('INCRBY', 'n', '1.5'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(await c.call('DECRBY', 'x', '-9223372036854775808'), err('ERR decrement would overflow'));
  assert.equal(await c.call('SET', 'n', '5', 'EX', '100'), 'OK');
  assert.equal(await c.call('INCR', 'n'), 6);
  assert.equal(await c.call('TTL', 'n'), 100, 'INCR keeps the TTL');
});

test('EXPIRE/PEXPIRE/TTL/PTTL with NX/XX/GT/LT; expiry is lazy on access and swept in bounded passes', async () => {
  let clock = 1_000_000;
  const { server, port: p } = await startServer({ now: () => clock, expirySweepIntervalMs: 60_000 });
  try {
    const c = await connect(p);
    assert.equal(await c.call('SET', 'a', '1'), 'OK');
    assert.equal(await c.call('TTL', 'a'), -1);
    assert.equal(await c.call('TTL', 'nope'), -2);
    assert.equal(await c.call('PTTL', 'nope'), -2);
    assert.equal(await c.call('EXPIRE', 'nope', '10'), 0);
    assert.equal(await c.call('EXPIRE', 'a', '10', 'XX'), 0);
    assert.equal(await c.call('EXPIRE', 'a', '10', 'GT'), 0, 'no TTL counts as infinite for GT');
    assert.equal(await c.call('EXPIRE', 'a', '10', 'NX'), 1);
    assert.equal(await c.call('EXPIRE', 'a', '20', 'NX'), 0);
    assert.equal(await c.call('EXPIRE', 'a', '5', 'GT'), 0);
    assert.equal(await c.call('EXPIRE', 'a', '5', 'LT'), 1);
    assert.equal(await c.call('TTL', 'a'), 5);
    assert.equal(await c.call('PEXPIRE', 'a', '2500'), 1);
    assert.equal(await c.call('PTTL', 'a'), 2500);
    assert.equal(await c.call('TTL', 'a'), 3, 'TTL rounds to the nearest second, as Redis');
    assert.deepEqual(
      await c.call('EXPIRE', 'a', '1', 'NX', 'XX'),
      err('ERR NX and XX, GT or LT options at the same time are not compatible'),
    );
    assert.deepEqual(await c.call('EXPIRE', 'a', '1', 'foo'), err('ERR Unsupported option foo'));
    assert.deepEqual(await c.call('EXPIRE', 'a', 'x'), err('ERR value is not an integer or out of range'));
    clock += 2500;
    assert.equal(await c.call('GET', 'a'), null, 'expired on access');
    assert.equal(await c.call('TTL', 'a'), -2);

    // A negative EXPIRE deletes at once.
    assert.equal(await c.call('SET', 'b', '1'), 'OK');
    assert.equal(await c.call('EXPIRE', 'b', '-1'), 1);
    assert.equal(await c.call('EXISTS', 'b'), 0);

    // The sweep removes keys nobody touches, at most expirySweepMaxKeys per pass.
    const many: string[][] = [];
    for (let i = 0; i < 2500; i++) many.push(['SET', `t${i}`, 'x', 'PX', '100']);
    c.send(...many);
    for (let i = 0; i < 2500; i++) assert.equal(await c.next(), 'OK');
    assert.equal(await c.call('DBSIZE'), 2500);
    clock += 200;
    server.maintain();
    assert.equal(await c.call('DBSIZE'), 1500, 'one pass examines at most 1000 keys');
    server.maintain();
    server.maintain();
    assert.equal(await c.call('DBSIZE'), 0);
    assert.equal(server.store.expiredKeys, 2501);
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('unknown commands and wrong arity get Redis exact error text; command names are case-insensitive', async () => {
  const c = await connect();
  assert.deepEqual(
    await c.call('foo', 'bar', 'baz'),
    err("ERR unknown command 'foo', with args beginning with: 'bar' 'baz' "),
  );
  assert.deepEqual(await c.call('NOPE'), err("ERR unknown command 'NOPE', with args beginning with: "));
  assert.deepEqual(
    await c.call('xyz', 'a\r\nb'),
    err("ERR unknown command 'xyz', with args beginning with: 'a  b' "),
    'CR/LF from the client cannot break the error line',
  );
  const long = (await c.call('foo', 'a'.repeat(300), 'b')) as { err: string };
  assert.ok(long.err.length < 200, 'the argument list is cut near 128 bytes, as Redis does');
  assert.deepEqual(await c.call('GET'), err("ERR wrong number of arguments for 'get' command"));
  assert.deepEqual(await c.call('get', 'a', 'b'), err("ERR wrong number of arguments for 'get' command"));
  assert.deepEqual(
    await c.call('PING', 'x', 'y', 'z'),
    err("ERR wrong number of arguments for 'ping' command"),
  );
  assert.deepEqual(await c.call('MSET', 'a'), err("ERR wrong number of arguments for 'mset' command"));
  assert.deepEqual(
    await c.call('MSET', 'a', 'b', 'c'),
    err("ERR wrong number of arguments for 'mset' command"),
  );
  assert.deepEqual(await c.call('PUBLISH', 'a'), err("ERR wrong number of arguments for 'publish' command"));
  assert.equal(await c.call('pInG'), 'PONG');
  c.sendRaw('PING\r\nset inl "a b"\r\nget inl\r\n');
  assert.equal(await c.next(), 'PONG', 'inline commands work (redis-cli and telnet use them)');
  assert.equal(await c.next(), 'OK');
  assert.equal(await c.next(), 'a b');
});

test('HELLO 2/3 switches the protocol (RESP3 maps and nulls); unknown versions get NOPROTO', async () => {
  const c = await connect();
  assert.deepEqual(await c.call('HELLO', '4'), err('NOPROTO unsupported protocol version'));
  assert.deepEqual(await c.call('HELLO', 'x'), err('ERR Protocol version is not an integer or out of range'));
  const hello3 = (await c.call('HELLO', '3')) as { map: Reply[] };
  assert.ok('map' in hello3, 'RESP3 HELLO answers with a map');
  const fields = Object.fromEntries(
    hello3.map.flatMap((v, i, a) => (i % 2 === 0 ? [[v as string, a[i + 1]]] : [])),
  );
  assert.equal(fields.server, 'redis');
  assert.equal(fields.proto, 3);
  assert.equal(fields.mode, 'standalone');
  assert.equal(fields.role, 'master');
  assert.equal(typeof fields.id, 'number');
  const before = c.raw.length;
  assert.equal(await c.call('GET', 'no-such-key'), null);
  assert.equal(c.raw.subarray(before).toString(), '_\r\n', 'RESP3 null');
  const hello2 = await c.call('HELLO', '2', 'SETNAME', 'conn-a');
  assert.ok(Array.isArray(hello2) && hello2[0] === 'server', 'RESP2 HELLO answers with a flat array');
  assert.equal(await c.call('CLIENT', 'GETNAME'), 'conn-a');
  const mark = c.raw.length;
  assert.equal(await c.call('GET', 'no-such-key'), null);
  assert.equal(c.raw.subarray(mark).toString(), '$-1\r\n', 'back to RESP2 null');
  assert.deepEqual(
    await c.call('HELLO', '3', 'AUTH', 'someone', 'pw'),
    err('WRONGPASS invalid username-password pair or user is disabled.'),
  );
  assert.ok('map' in ((await c.call('HELLO', '3', 'AUTH', 'default', 'anything')) as object));
  assert.deepEqual(await c.call('HELLO', '3', 'BOGUS'), err("ERR Syntax error in HELLO option 'BOGUS'"));
});

test('CLIENT SETNAME/GETNAME/ID/SETINFO, COMMAND/COMMAND COUNT/DOCS/INFO, CONFIG GET, INFO', async () => {
  const c = await connect();
  assert.equal(await c.call('CLIENT', 'GETNAME'), null);
  assert.equal(await c.call('CLIENT', 'SETNAME', 'worker-1'), 'OK');
  assert.equal(await c.call('CLIENT', 'GETNAME'), 'worker-1');
  assert.deepEqual(
    await c.call('CLIENT', 'SETNAME', 'a b'),
    err('ERR Client names cannot contain spaces, newlines or special characters.'),
  );
  assert.deepEqual(
    await c.call('CLIENT', 'SETNAME'),
    err("ERR wrong number of arguments for 'client|setname' command"),
  );
  const id = await c.call('CLIENT', 'ID');
  assert.ok(typeof id === 'number' && shared.clients.has(id));
  assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'wirestack-test'), 'OK');
  assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', '1.0'), 'OK');
  assert.deepEqual(await c.call('CLIENT', 'SETINFO', 'color', 'red'), err("ERR Unrecognized option 'color'"));
  assert.match(
    (await c.call('CLIENT', 'INFO')) as string,
    /name=worker-1 .*lib-name=wirestack-test lib-ver=1\.0/,
  );
  assert.deepEqual(await c.call('CLIENT', 'FOO'), err("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));

  const count = await c.call('COMMAND', 'COUNT');
  assert.ok(typeof count === 'number' && count >= 30);
  const all = (await c.call('COMMAND')) as Reply[][];
  assert.equal(all.length, count);
  const get = all.find((e) => e[0] === 'get')!;
  assert.deepEqual(get.slice(0, 6), ['get', 2, ['readonly', 'fast'], 1, 1, 1]);
  const docs = (await c.call('COMMAND', 'DOCS', 'get', 'nosuch')) as Reply[];
  assert.equal(docs.length, 2);
  assert.equal(docs[0], 'get');
  assert.deepEqual(docs[1], ['summary', 'Get the value of a key', 'since', '1.0.0', 'group', 'string']);
  assert.deepEqual(await c.call('COMMAND', 'INFO', 'nosuch'), [null]);
  assert.deepEqual(await c.call('COMMAND', 'FOO'), err("ERR unknown subcommand 'FOO'. Try COMMAND HELP."));

  assert.deepEqual(await c.call('CONFIG', 'GET', 'save', 'appendonly'), ['save', '', 'appendonly', 'no']);
  assert.deepEqual(await c.call('CONFIG', 'GET', 'nosuch*'), []);
  const cobl = (await c.call('CONFIG', 'GET', 'client-output-buffer-limit')) as string[];
  assert.match(cobl[1], /pubsub 33554432 8388608 60$/);
  assert.deepEqual(
    await c.call('CONFIG', 'GET'),
    err("ERR wrong number of arguments for 'config|get' command"),
  );
  assert.deepEqual(await c.call('CONFIG', 'FOO'), err("ERR unknown subcommand 'FOO'. Try CONFIG HELP."));

  const info = (await c.call('INFO')) as string;
  assert.match(info, /^# Server\r\nredis_version:7\.0\.0\r\n/);
  assert.match(info, /connected_clients:\d+/);
  assert.match(info, /total_commands_processed:\d+/);
  const server = (await c.call('INFO', 'server')) as string;
  assert.doesNotMatch(server, /# Stats/);
});

test('pipelining: every complete command of a read is answered with one write, in order', async () => {
  const c = await connect();
  await c.call('PING');
  const session = [...shared.clients.values()].at(-1)!;
  let writes = 0;
  const write = session.conn.write.bind(session.conn);
  session.conn.write = (data) => {
    writes++;
    return write(data);
  };
  const commands: string[][] = [];
  for (let i = 0; i < 200; i++) commands.push(i % 2 === 0 ? ['SET', `p${i}`, `${i}`] : ['GET', `p${i - 1}`]);
  c.send(...commands);
  for (let i = 0; i < 200; i++) assert.equal(await c.next(), i % 2 === 0 ? 'OK' : `${i - 1}`);
  assert.equal(writes, 1, 'one write for the whole pipelined batch');
  // A command cut at any byte still gets exactly one answer once it is complete.
  const cmd = '*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$5\r\nvalue\r\n';
  for (let cut = 1; cut < cmd.length; cut += 5) {
    c.sendRaw(cmd.slice(0, cut));
    await sleep(2);
    c.sendRaw(cmd.slice(cut));
    assert.equal(await c.next(), 'OK');
  }
  assert.equal(c.replies.length, 0);
});

test('QUIT answers +OK and closes the connection', async () => {
  const c = await connect();
  c.send(['QUIT'], ['PING']);
  assert.equal(await c.next(), 'OK');
  assert.ok(await c.waitClosed(1000), 'closed after QUIT');
  assert.equal(c.replies.length, 0, 'commands after QUIT are not run');
});

test('pub/sub RESP2: SUBSCRIBE, PSUBSCRIBE, PUBLISH counts, messages, UNSUBSCRIBE replies and subscribed-mode rules', async () => {
  const sub = await connect();
  const pub = await connect();
  sub.send(['SUBSCRIBE', 'news', 'sport']);
  assert.deepEqual(await sub.next(), ['subscribe', 'news', 1]);
  assert.deepEqual(await sub.next(), ['subscribe', 'sport', 2]);
  sub.send(['PSUBSCRIBE', 'n*']);
  assert.deepEqual(await sub.next(), ['psubscribe', 'n*', 3]);
  assert.equal(await pub.call('PUBLISH', 'news', 'hello'), 2, 'channel and pattern both count');
  assert.deepEqual(await sub.next(), ['message', 'news', 'hello']);
  assert.deepEqual(await sub.next(), ['pmessage', 'n*', 'news', 'hello']);
  assert.equal(await pub.call('PUBLISH', 'nobody', 'x'), 1);
  assert.deepEqual(await sub.next(), ['pmessage', 'n*', 'nobody', 'x']);
  assert.equal(await pub.call('PUBLISH', 'other', 'x'), 0);

  assert.deepEqual(
    await sub.call('GET', 'k'),
    err(
      "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    ),
  );
  assert.deepEqual(await sub.call('PING'), ['pong', '']);
  assert.deepEqual(await sub.call('PING', 'x'), ['pong', 'x']);
  assert.deepEqual(
    await sub.call('GET'),
    err("ERR wrong number of arguments for 'get' command"),
    'arity first',
  );

  sub.send(['UNSUBSCRIBE', 'sport']);
  assert.deepEqual(await sub.next(), ['unsubscribe', 'sport', 2]);
  sub.send(['UNSUBSCRIBE']);
  assert.deepEqual(await sub.next(), ['unsubscribe', 'news', 1]);
  sub.send(['UNSUBSCRIBE']);
  assert.deepEqual(await sub.next(), ['unsubscribe', null, 1]);
  sub.send(['PUNSUBSCRIBE']);
  assert.deepEqual(await sub.next(), ['punsubscribe', 'n*', 0]);
  assert.equal(await sub.call('GET', 'k'), null, 'out of subscribed mode, every command runs again');
  assert.equal(await pub.call('PUBLISH', 'news', 'gone'), 0);
  assert.equal(shared.hub.channelCount, 0);
  assert.equal(shared.hub.patternCount, 0);
});

test('pub/sub RESP3: push frames, every command allowed while subscribed, own messages after earlier replies', async () => {
  const c = await connect();
  await c.call('HELLO', '3');
  c.send(['SUBSCRIBE', 'r3']);
  assert.deepEqual(await c.next(), { push: ['subscribe', 'r3', 1] });
  assert.equal(await c.call('SET', 'r3key', 'v'), 'OK');
  assert.equal(await c.call('PING'), 'PONG');
  c.send(['GET', 'r3key'], ['PUBLISH', 'r3', 'self'], ['GET', 'r3key']);
  assert.equal(await c.next(), 'v');
  assert.deepEqual(await c.next(), { push: ['message', 'r3', 'self'] });
  assert.equal(await c.next(), 1);
  assert.equal(await c.next(), 'v');
  assert.equal(await c.call('RESET'), 'RESET');
  assert.equal(shared.hub.channelCount, 0, 'RESET unsubscribes');
});

test('a subscriber disconnecting removes its subscriptions', async () => {
  const sub = await connect();
  sub.send(['SUBSCRIBE', 'leaving']);
  await sub.next();
  sub.close();
  await waitFor(() => shared.hub.channelCount === 0, 2000, 'subscriptions to be dropped');
});

test('pubsub output buffer limit (hard) disconnects a subscriber who does not read; the publisher and others are unaffected', async () => {
  const { server, port: p } = await startServer({
    pubsubOutputLimit: { hardBytes: 1024 * 1024, softBytes: 0 },
  });
  try {
    const slow = await connect(p);
    const fine = await connect(p);
    slow.send(['SUBSCRIBE', 'firehose']);
    await slow.next();
    slow.socket.pause(); // stop reading: the kernel buffers fill, then our queue grows
    const pub = await connect(p);
    const message = 'm'.repeat(64 * 1024);
    let published = 0;
    while (!slow.isClosed && published < 2000) {
      await pub.call('PUBLISH', 'firehose', message);
      published++;
      if (server.stats.pubsubLimitDisconnects > 0) break;
    }
    assert.equal(server.stats.pubsubLimitDisconnects, 1, `disconnected after ${published} messages`);
    assert.equal(server.hub.channelCount, 0);
    assert.equal(await pub.call('PUBLISH', 'firehose', 'x'), 0);
    assert.equal(await fine.call('PING'), 'PONG');
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('pubsub output buffer limit (soft) disconnects a subscriber that stays above it for softSeconds, not before', async () => {
  const { server, port: p } = await startServer({
    pubsubOutputLimit: { hardBytes: 0, softBytes: 256 * 1024, softSeconds: 0.5 },
    expirySweepIntervalMs: 50,
  });
  try {
    const slow = await connect(p);
    slow.send(['SUBSCRIBE', 'drip']);
    await slow.next();
    slow.socket.pause();
    const session = [...server.clients.values()][0];
    const pub = await connect(p);
    const message = 'm'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && session.conn.queuedBytes <= 256 * 1024; i++) {
      await pub.call('PUBLISH', 'drip', message);
    }
    assert.ok(session.conn.queuedBytes > 256 * 1024, 'the queue passed the soft limit');
    const over = performance.now();
    await sleep(200);
    assert.equal(server.stats.pubsubLimitDisconnects, 0, 'still within softSeconds');
    await waitFor(() => server.stats.pubsubLimitDisconnects === 1, 3000, 'the soft limit to disconnect');
    assert.ok(performance.now() - over >= 450);
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

// Ported from Redis's tests/unit/protocol.tcl: each answers -ERR Protocol error and closes (FIN) within 1 s.
const protocolErrors: Array<[string, string, string]> = [
  ['Out of range multibulk length', '*20000000\r\n', 'ERR Protocol error: invalid multibulk length'],
  [
    'Wrong multibulk payload header',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
    "ERR Protocol error: expected '$', got 'f'",
  ],
  [
    'Negative multibulk payload length',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
    'ERR Protocol error: invalid bulk length',
  ],
  [
    'Out of range multibulk payload length',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n',
    'ERR Protocol error: invalid bulk length',
  ],
  [
    'Non-number multibulk payload length',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n',
    'ERR Protocol error: invalid bulk length',
  ],
  [
    'Multi bulk request not followed by bulk arguments',
    '*1\r\nfoo\r\n',
    "ERR Protocol error: expected '$', got 'f'",
  ],
  [
    'Unbalanced quotes in an inline request',
    'set """test-key""" test-value\r\n',
    'ERR Protocol error: unbalanced quotes in request',
  ],
];

for (const [name, input, expected] of protocolErrors) {
  test(`protocol error closes only that connection: ${name}`, async () => {
    const bystander = await connect();
    await bystander.call('SET', 'bystander', 'still here');
    const c = await connect();
    assert.equal(await c.call('PING'), 'PONG');
    const sentAt = performance.now();
    c.sendRaw(input);
    assert.deepEqual(await c.next(), err(expected));
    assert.ok(await c.waitClosed(1000), 'FIN within 1 s');
    assert.ok(c.finAt - sentAt < 1000);
    assert.equal(await bystander.call('GET', 'bystander'), 'still here');
  });
}

test('Handle an empty query and a negative multibulk length (protocol.tcl): ignored, the connection stays usable', async () => {
  const c = await connect();
  c.sendRaw('\r\n*-10\r\n');
  assert.equal(await c.call('PING'), 'PONG');
});

for (const [i, seq] of ['\x00', '*\x00', '$\x00'].entries()) {
  test(`Protocol desync regression test #${i + 1} (protocol.tcl): error reply then FIN within 1 s`, async () => {
    const bystander = await connect();
    const c = await connect();
    c.sendRaw(seq);
    const payload = 'payload'.repeat(1024);
    // Bounded: the inline/header limit is 64 KiB, so this stops long before 4 MiB.
    for (
      let sent = 0;
      sent < 4 * 1024 * 1024 && c.replies.length === 0 && !c.isClosed;
      sent += payload.length
    ) {
      c.sendRaw(payload);
      await sleep(1);
    }
    const sentAt = performance.now();
    const reply = (await c.next()) as { err: string };
    assert.match(reply.err, /^ERR Protocol error: too big (inline request|mbulk count string)$/);
    assert.ok(await c.waitClosed(1000), 'FIN within 1 s');
    assert.ok(c.finAt - sentAt < 1000);
    assert.equal(await bystander.call('PING'), 'PONG');
  });
}

test('a bulk longer than the configured proto-max-bulk-len is refused before it is buffered', async () => {
  const { server, port: p } = await startServer({ parser: { maxBulkLength: 1024 } });
  try {
    const c = await connect(p);
    assert.equal(await c.call('SET', 'k', 'v'.repeat(1024)), 'OK');
    c.sendRaw('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1025\r\n');
    assert.deepEqual(await c.next(), err('ERR Protocol error: invalid bulk length'));
    assert.ok(await c.waitClosed(1000));
    assert.equal(server.stats.protocolErrors, 1);
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('past maxConnections and backlog a client gets a RESP error it can read (max number of clients reached)', async () => {
  const { server, port: p } = await startServer({ maxConnections: 1, backlog: 0 });
  try {
    const first = await connect(p);
    assert.equal(await first.call('PING'), 'PONG');
    const second = await connect(p);
    assert.deepEqual(await second.next(), err('ERR max number of clients reached'));
    assert.ok(await second.waitClosed(1000));
    assert.equal(await first.call('PING'), 'PONG');
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('one command larger than the query buffer limit (client-query-buffer-limit) is refused at its bulk header', async () => {
  const { server, port: p } = await startServer({ parser: { maxQueryBufferSize: 4096 } });
  try {
    const c = await connect(p);
    assert.equal(await c.call('MSET', 'a', 'x'.repeat(1000), 'b', 'y'.repeat(1000)), 'OK');
    c.send(['MSET', 'a', 'x'.repeat(3000), 'b', 'y'.repeat(3000), 'c', 'z']);
    assert.deepEqual(await c.next(), err('ERR Protocol error: query buffer limit reached'));
    assert.ok(await c.waitClosed(1000));
    assert.equal(server.store.get('c'), undefined, 'the refused command did not run');
  } finally {
    await server.close({ drainTimeoutMs: 500 });
  }
});

test('a small read whose replies are huge (GET amplification) is answered in bounded writes, not one giant buffer', async () => {
  const c = await connect();
  assert.equal(await c.call('SET', 'amp', 'v'.repeat(8000)), 'OK');
  const session = [...shared.clients.values()].at(-1)!;
  const sizes: number[] = [];
  const write = session.conn.write.bind(session.conn);
  session.conn.write = (data) => {
    sizes.push(data.length);
    return write(data);
  };
  const gets = Array.from({ length: 500 }, () => ['GET', 'amp']); // about 7 KiB of requests, 4 MB of replies
  c.send(...gets);
  for (let i = 0; i < 500; i++) assert.equal(((await c.next()) as string).length, 8000);
  assert.ok(sizes.length > 1, 'sent in several writes');
  assert.ok(Math.max(...sizes) < 64 * 1024 + 8100, `largest write ${Math.max(...sizes)} bytes`);
});

test('graceful drain: a command cut mid-way when close() starts is finished and answered, then the client is closed', async () => {
  const { server, port: p } = await startServer({ drainQuietMs: 20 });
  try {
    const idle = await connect(p);
    await idle.call('PING');
    const c = await connect(p);
    const cmd = '*3\r\n$3\r\nSET\r\n$7\r\ndrained\r\n$3\r\nyes\r\n';
    c.sendRaw(cmd.slice(0, 20));
    await waitFor(
      () => [...server.clients.values()].some((s) => s.conn.busy),
      2000,
      'the half command to be read',
    );
    await sleep(60); // past drainQuietMs: only the busy flag keeps this connection open
    const summary = server.close({ drainTimeoutMs: 5000 });
    assert.ok(await idle.waitClosed(1000), 'the idle client is closed at once');
    await sleep(100);
    assert.ok(!c.isClosed && c.finAt === 0, 'the half-sent command keeps its connection open');
    c.sendRaw(cmd.slice(20));
    assert.equal(await c.next(), 'OK');
    assert.ok(await c.waitClosed(2000));
    const s = await summary;
    assert.equal(s.drained, 1);
    assert.equal(s.cut, 0);
    assert.equal(server.store.get('drained')?.length, 3);
  } finally {
    for (const s of server.clients.values()) s.conn.destroy();
    await server.close({ drainTimeoutMs: 500 });
  }
});
