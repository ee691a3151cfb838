import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ServerProcess, startServerProcess, waitFor } from '../support/processes.js';

/** The real Redis clients (Debian package redis-tools); a clear failure when they are missing. */
function findTool(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  throw new Error(
    `${name} not found on PATH: install the Debian package redis-tools (apt-get install redis-tools)`,
  );
}

let server: ServerProcess;
let redisCli: string;
let redisBenchmark: string;

before(async () => {
  redisCli = findTool('redis-cli');
  redisBenchmark = findTool('redis-benchmark');
  server = await startServerProcess(['resp', '--port', '0']);
});

after(async () => {
  server.kill('SIGTERM');
  await server.exited;
});

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

function run(
  file: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 10_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? null) : 0 });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** One redis-cli invocation with typed output ("(integer) 1", "(nil)", "(error) ..."). */
async function cli(...args: string[]): Promise<string> {
  const r = await run(redisCli, ['-p', String(server.port), '--no-raw', ...args]);
  assert.equal(r.stderr, '', `redis-cli ${args.join(' ')} wrote to stderr`);
  return r.stdout.trimEnd();
}

test('redis-cli: every command answers as redis-server would', async () => {
  const cases: Array<[string[], string | RegExp]> = [
    [['flushall'], 'OK'],
    [['ping'], 'PONG'],
    [['ping', 'hello'], '"hello"'],
    [['echo', 'hi there'], '"hi there"'],
    [['set', 'k', 'v'], 'OK'],
    [['get', 'k'], '"v"'],
    [['get', 'missing'], '(nil)'],
    [['set', 'k', 'w', 'nx'], '(nil)'],
    [['set', 'k', 'w', 'xx', 'get'], '"v"'],
    [['set', 'e', '1', 'ex', '100'], 'OK'],
    [['ttl', 'e'], '(integer) 100'],
    [['pttl', 'e'], /^\(integer\) (99\d\d\d|100000)$/],
    [['set', 'e', '1', 'px', '50000'], 'OK'],
    [['expire', 'e', '200'], '(integer) 1'],
    [['ttl', 'e'], '(integer) 200'],
    [['pexpire', 'e', '300000'], '(integer) 1'],
    [['ttl', 'e'], '(integer) 300'],
    [['ttl', 'missing'], '(integer) -2'],
    [['exists', 'k', 'e', 'missing'], '(integer) 2'],
    [['incr', 'n'], '(integer) 1'],
    [['incrby', 'n', '10'], '(integer) 11'],
    [['decr', 'n'], '(integer) 10'],
    [['decrby', 'n', '3'], '(integer) 7'],
    [['mset', 'a', '1', 'b', '2'], 'OK'],
    [['mget', 'a', 'missing', 'b'], '1) "1"\n2) (nil)\n3) "2"'],
    [['keys', '[ab]'], /^1\) "[ab]"\n2\) "[ab]"$/],
    [['dbsize'], '(integer) 5'],
    [['del', 'a', 'b', 'missing'], '(integer) 2'],
    [['select', '0'], 'OK'],
    [['select', '3'], '(error) ERR DB index is out of range'],
    [['client', 'setname', 'cli-test'], 'OK'],
    [['client', 'getname'], '(nil)'], // a new connection per invocation
    [['client', 'id'], /^\(integer\) \d+$/],
    [['client', 'setinfo', 'lib-name', 'x'], 'OK'],
    [['command', 'count'], /^\(integer\) \d\d$/],
    [['command', 'docs', 'get'], /^1\) "get"\n2\) 1\) "summary"/],
    [['config', 'get', 'appendonly'], '1) "appendonly"\n2) "no"'],
    [['info', 'server'], /# Server\r?\nredis_version:7\.0\.0/],
    [['publish', 'nobody', 'x'], '(integer) 0'],
    [['hello', '4'], '(error) NOPROTO unsupported protocol version'],
    [['foo', 'bar'], "(error) ERR unknown command 'foo', with args beginning with: 'bar'"],
    [['get'], "(error) ERR wrong number of arguments for 'get' command"],
    [['incr', 'k'], '(error) ERR value is not an integer or out of range'],
    [['flushdb'], 'OK'],
    [['dbsize'], '(integer) 0'],
  ];
  for (const [args, expected] of cases) {
    const got = await cli(...args);
    if (typeof expected === 'string') assert.equal(got, expected, `redis-cli ${args.join(' ')}`);
    else assert.match(got, expected, `redis-cli ${args.join(' ')}`);
  }
});

test('redis-cli -3 (HELLO 3): RESP3 maps and nulls', async () => {
  const hello = await cli('-3', 'hello', '3');
  assert.match(hello, /^1# "server" => "redis"\n2# "version" => "7\.0\.0"\n3# "proto" => \(integer\) 3/);
  assert.equal(await cli('-3', 'get', 'missing'), '(nil)');
  assert.equal(await cli('-3', 'config', 'get', 'save'), '1# "save" => ""');
});

test('redis-cli with a batch of commands on stdin (quit ends it, as with redis-server)', async () => {
  const r = await run(redisCli, ['-p', String(server.port)], {
    input: 'set batch 1\nincr batch\nget batch\nquit\nget batch\n',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'OK\n2\n2\n');
});

test('redis-cli --pipe: 100000 commands, 0 errors, 100000 replies', async () => {
  let wire = '';
  for (let i = 0; i < 100_000; i++) {
    const key = `pipe:${i % 1000}`;
    wire +=
      i % 2 === 0
        ? `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${String(i).length}\r\n${i}\r\n`
        : `*2\r\n$4\r\nINCR\r\n$12\r\npipe:counter\r\n`;
  }
  const file = join(tmpdir(), `wirestack-pipe-${process.pid}.txt`);
  writeFileSync(file, wire);
  const r = await new Promise<Run>((resolve) => {
    const child = spawn('sh', ['-c', `"${redisCli}" -p ${server.port} --pipe < "${file}"`]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /errors: 0, replies: 100000/);
  assert.equal(await cli('get', 'pipe:counter'), '"50000"');
  assert.equal(await cli('del', 'pipe:counter'), '(integer) 1');
});

test('two redis-cli processes: one subscribes, the other publishes', async () => {
  const spawnSubscriber = (args: string[]) => {
    const child = spawn(redisCli, ['-p', String(server.port), ...args]);
    const state = { out: '' };
    child.stdout.on('data', (d) => {
      state.out += d;
    });
    return { child, state };
  };
  const children: ChildProcess[] = [];
  try {
    const sub = spawnSubscriber(['subscribe', 'news']);
    const psub = spawnSubscriber(['psubscribe', 'ne*']);
    children.push(sub.child, psub.child);
    await waitFor(() => sub.state.out === 'subscribe\nnews\n1\n', 5000, 'the subscription to be confirmed');
    await waitFor(() => psub.state.out === 'psubscribe\nne*\n1\n', 5000, 'the pattern subscription');
    assert.equal(await cli('publish', 'news', 'hello from the other side'), '(integer) 2');
    await waitFor(() => sub.state.out.includes('hello from the other side'), 5000, 'the message');
    assert.equal(sub.state.out, 'subscribe\nnews\n1\nmessage\nnews\nhello from the other side\n');
    await waitFor(() => psub.state.out.includes('hello'), 5000, 'the pattern message');
    assert.equal(psub.state.out, 'psubscribe\nne*\n1\npmessage\nne*\nnews\nhello from the other side\n');
    assert.equal(await cli('publish', 'other', 'x'), '(integer) 0');
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
});

test('redis-benchmark -t ping,set,get,incr -n 50000 -P 16 -c 10 completes with no errors', async () => {
  await cli('del', 'counter:__rand_int__');
  const r = await run(
    redisBenchmark,
    ['-p', String(server.port), '-t', 'ping,set,get,incr', '-n', '50000', '-P', '16', '-c', '10', '-q'],
    { timeoutMs: 50_000 },
  );
  assert.equal(r.code, 0, `redis-benchmark failed or timed out:\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.split(/[\r\n]/).filter((l) => /requests per second/.test(l));
  for (const name of ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR']) {
    assert.ok(
      lines.some((l) => l.startsWith(`${name}: `)),
      `no result line for ${name}:\n${r.stdout}`,
    );
  }
  assert.doesNotMatch(r.stdout + r.stderr, /error|WARNING/i);
  // Every INCR was applied exactly once: the benchmark's single counter key reached 50000.
  assert.equal(await cli('get', 'counter:__rand_int__'), '"50000"');
  assert.match(await cli('get', 'key:__rand_int__'), /^".{3}"$/, 'SET stored its 3-byte value');
});

test('redis-cli in interactive mode (on a terminal, via script(1)) starts cleanly and runs commands', async () => {
  const script = findTool('script');
  const child = spawn(script, ['-qec', `"${redisCli}" -p ${server.port}`, '/dev/null'], {
    env: { ...process.env, TERM: 'dumb' },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    const prompt = `127.0.0.1:${server.port}> `;
    await waitFor(() => out.includes(prompt), 10_000, 'the redis-cli prompt');
    child.stdin.write('set tty-key "from a terminal"\n');
    await waitFor(() => out.includes('OK'), 5000, 'the SET reply');
    child.stdin.write('get tty-key\n');
    await waitFor(() => out.includes('"from a terminal"'), 5000, 'the GET reply');
    child.stdin.write('quit\n');
    assert.equal(await exited, 0, out);
    assert.doesNotMatch(out, /error|ERR/i, out);
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
});
