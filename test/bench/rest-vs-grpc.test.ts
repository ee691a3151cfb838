// The REST-vs-gRPC comparison: both bindings of the catalogue against real clients (@grpc/grpc-js,
// curl), the wire-size figures against real byte counts, and a very short run of the whole suite.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { CATALOGUE_CALLS } from '../../src/bench/rest-vs-grpc/catalogue-calls.js';
import { CatalogueError, CatalogueStore } from '../../src/bench/rest-vs-grpc/catalogue-store.js';
import { countCodeLines } from '../../src/bench/rest-vs-grpc/developer-experience.js';
import { restVsGrpcHtml, restVsGrpcMarkdown } from '../../src/bench/rest-vs-grpc/rest-vs-grpc-report.js';
import { runRestVsGrpc } from '../../src/bench/rest-vs-grpc/rest-vs-grpc-suite.js';
import { measureWireSizes } from '../../src/bench/rest-vs-grpc/wire-size.js';
import { parseWrkOutput } from '../../src/bench/wrk.js';
import { CLI, startServerProcess } from '../support/processes.js';

const run = promisify(execFile);
const curl = async (...args: string[]) => (await run('curl', ['-sS', '--max-time', '10', ...args])).stdout;

// biome-ignore lint/suspicious/noExplicitAny: grpc-js stubs built at run time are untyped
type Stub = any;

test('the store pages by id, validates input and numbers its updates', () => {
  const store = new CatalogueStore({ items: 25 });
  assert.deepEqual(store.get(1), { id: 1, name: 'kettle', price: 24.9 });
  assert.equal(store.get(4).name, 'item 4');
  const first = store.list(10, '');
  assert.deepEqual(
    first.items.map((i) => i.id),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal(first.nextPageToken, '10');
  const last = store.list(10, '20');
  assert.deepEqual(
    last.items.map((i) => i.id),
    [21, 22, 23, 24, 25],
  );
  assert.equal(last.nextPageToken, '');
  assert.equal(store.list(0, '').items.length, 10, 'page size 0 means the default');
  assert.throws(() => store.list(1001, ''), CatalogueError);
  assert.throws(() => store.list(5, 'abc'), CatalogueError);
  assert.throws(() => store.get(99), /no item 99/);
  assert.throws(() => store.create({ name: '', price: 1 }), /name/);
  assert.throws(() => store.create({ name: 'x', price: '1' }), /price/);
  assert.equal(store.create({ name: 'lamp', price: 1 }).id, 26);
  assert.deepEqual(store.update(2), { seq: 2, item: store.get(2) });
  assert.equal(store.update(26).item.id, 1, 'updates cycle over the items the store started with');
  const full = new CatalogueStore({ items: 1, maxItems: 1 });
  assert.throws(
    () => full.create({ name: 'x', price: 1 }),
    (e) => e instanceof CatalogueError && e.kind === 'resource-exhausted',
  );
});

test('the catalogue over gRPC (@grpc/grpc-js client) and over REST (curl) gives the same data', async (t) => {
  const rest = await startServerProcess(['http', '--port', '0', '--items', '30']);
  t.after(() => rest.kill('SIGKILL'));
  const served = await startServerProcess(['grpc', 'serve', '--port', '0', '--items', '30']);
  t.after(() => served.kill('SIGKILL'));

  const definition = protoLoader.loadSync(['wirestack/demo/catalogue.proto'], { includeDirs: ['protos'] });
  const pkg = grpc.loadPackageDefinition(definition) as Stub;
  const client = new pkg.wirestack.demo.Catalogue(
    `127.0.0.1:${served.port}`,
    grpc.credentials.createInsecure(),
  );
  t.after(() => client.close());
  const unary = (name: string, req: object): Promise<Stub> =>
    new Promise((resolve, reject) =>
      client[name](req, { deadline: Date.now() + 5000 }, (err: Error | null, res: Stub) =>
        err ? reject(err) : resolve(res),
      ),
    );
  const base = `http://127.0.0.1:${rest.port}`;

  assert.deepEqual(await unary('GetItem', { id: 2 }), { id: 2, name: 'teapot', price: 18.5 });
  assert.deepEqual(JSON.parse(await curl(`${base}/items/2`)), { id: 2, name: 'teapot', price: 18.5 });

  const page = await unary('ListItems', { pageSize: 10 });
  const restPage = JSON.parse(await curl(`${base}/items?page_size=10`));
  assert.equal(page.items.length, 10);
  assert.deepEqual(restPage, { items: page.items, nextPageToken: page.nextPageToken });
  const next = await unary('ListItems', { pageSize: 10, pageToken: page.nextPageToken });
  assert.deepEqual(JSON.parse(await curl(`${base}/items?page_size=10&page_token=${page.nextPageToken}`)), {
    items: next.items,
    nextPageToken: next.nextPageToken,
  });
  assert.equal(next.items[0].id, 11);

  const created = await unary('CreateItem', { name: 'desk lamp', price: 12.5 });
  assert.deepEqual(created, { id: 31, name: 'desk lamp', price: 12.5 });
  const restCreated = await curl(
    '-i',
    '-H',
    'content-type: application/json',
    '--data-raw',
    '{"name":"desk lamp","price":12.5}',
    `${base}/items`,
  );
  assert.match(restCreated, /^HTTP\/1\.1 201 Created\r\n/);
  assert.deepEqual(
    JSON.parse(restCreated.split('\r\n\r\n')[1]),
    created,
    'each server had 30 items: both create id 31',
  );

  const updates = await new Promise<Stub[]>((resolve, reject) => {
    const got: Stub[] = [];
    const call = client.WatchItems({ count: 5 }, { deadline: Date.now() + 5000 });
    call.on('data', (u: Stub) => got.push(u));
    call.on('error', reject);
    call.on('end', () => resolve(got));
  });
  const lines = (await curl(`${base}/stream?n=5`))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(updates.length, 5);
  assert.deepEqual(lines, updates);
  assert.deepEqual(JSON.parse(await curl(`${base}/updates?after=2`)), updates[2]);

  await assert.rejects(
    unary('GetItem', { id: 999 }),
    (e: Stub) => e.code === grpc.status.NOT_FOUND && /no item 999/.test(e.details),
  );
  await assert.rejects(
    unary('CreateItem', { name: '', price: 1 }),
    (e: Stub) => e.code === grpc.status.INVALID_ARGUMENT,
  );
  assert.match(await curl('-i', `${base}/items/999`), /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(
    await curl('-i', '-H', 'content-type: application/json', '--data-raw', '{"name":""}', `${base}/items`),
    /^HTTP\/1\.1 422 /,
  );
});

test('wire sizes: computed bodies match protobufjs and the socket counts match the bytes sent', async () => {
  const wire = await measureWireSizes({ calls: 5, updates: 50 });
  const root = protobuf.loadSync('protos/wirestack/demo/catalogue.proto');
  const store = new CatalogueStore({ items: 100 });
  for (const call of CATALOGUE_CALLS) {
    const p = wire.payloads.find((x) => x.method === call.method)!;
    const s = wire.sockets.find((x) => x.method === call.method)!;
    // Protobuf sizes from an independent encoder.
    const reqType = root.lookupType(call.grpc.requestType);
    assert.equal(
      p.proto.request,
      reqType.encode(reqType.fromObject(call.grpc.request)).finish().length,
      call.method,
    );
    assert.equal(p.grpc.request, p.proto.request + 5);
    assert.equal(p.json.request, Buffer.byteLength(call.rest.body ?? ''));
    // HTTP/1.1 has no connection setup: the first call costs what every call costs.
    assert.deepEqual(s.rest, s.restFirst, call.method);
    // The REST response on the socket is exactly head + JSON body.
    const status = call.rest.httpMethod === 'POST' ? '201 Created' : '200 OK';
    // The POST's answer also says where the new item is (ids 101..106 here: three digits).
    const location = call.method === 'CreateItem' ? 'location: /items/101\r\n' : '';
    const head = `HTTP/1.1 ${status}\r\ndate: Mon, 23 Nov 2026 15:00:00 GMT\r\n${location}content-type: application/json\r\ncontent-length: ${p.json.response}\r\n\r\n`;
    assert.equal(s.rest.response, head.length + p.json.response, call.method);
    // gRPC: the message, a DATA frame header, response HEADERS and trailers (9-byte frame headers
    // each) and their HPACK blocks, which are small once indexed.
    const floor = p.grpc.response + 9 * 3;
    assert.ok(
      s.grpc.response >= floor && s.grpc.response <= floor + 80,
      `${call.method} gRPC response ${s.grpc.response}, floor ${floor}`,
    );
    assert.ok(s.grpc.request >= p.grpc.request + 18, `${call.method} gRPC request ${s.grpc.request}`);
    assert.ok(s.grpcFirst.request > s.grpc.request, 'the first call carries the connection preface');
  }
  // Streams: at least every message's bytes.
  const update = root.lookupType('wirestack.demo.ItemUpdate');
  let protoBytes = 0;
  let jsonBytes = 0;
  for (let i = 1; i <= 50; i++) {
    protoBytes += update.encode(update.fromObject(store.update(i))).finish().length + 5;
    jsonBytes += JSON.stringify(store.update(i)).length + 1;
  }
  assert.ok(
    wire.stream.grpcStream.response >= protoBytes,
    `${wire.stream.grpcStream.response} < ${protoBytes}`,
  );
  assert.ok(wire.stream.grpcStream.response < protoBytes + 50 * 9 + 200);
  assert.ok(wire.stream.restChunked.response >= jsonBytes);
  assert.ok(wire.stream.restPolling.response > jsonBytes + 50 * 100, 'each poll has its own response head');
  assert.ok(wire.stream.restPolling.request > 50 * 40, 'and its own request');
  // Error model, measured.
  assert.match(wire.errors[0].rest, /^404 Not Found \{"error":"no item 999999"\}$/);
  assert.match(wire.errors[0].grpc, /^NOT_FOUND \(5\): no item 999999$/);
  assert.match(wire.errors[1].grpc, /^INVALID_ARGUMENT \(3\)/);
});

test('code lines skip blanks and comments', () => {
  assert.equal(
    countCodeLines('// a\n\nconst x = 1;\n/**\n * doc\n */\nfoo(); // trailing\n  /* one */\n'),
    2,
  );
  assert.equal(countCodeLines('syntax = "proto3";\n// c\nmessage A {}\n'), 2);
});

test("wrk's --latency output is read into figures", () => {
  const f = parseWrkOutput(`Running 1s test @ http://127.0.0.1:1/
  1 threads and 64 connections
  Latency Distribution
     50%  661.00us
     75%    1.20ms
     90%    2.00ms
     99%    6.59ms
  54776 requests in 1.00s, 6.64MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  54776.96
Transfer/sec:      6.64MB
`);
  assert.deepEqual(f, {
    requests: 54776,
    reqPerSec: 54776.96,
    p50Ms: 0.661,
    p75Ms: 1.2,
    p90Ms: 2,
    p99Ms: 6.59,
    errors: 7,
  });
  assert.throws(() => parseWrkOutput('unable to connect'), /could not read wrk/);
});

test('a one-second run of rest-vs-grpc produces every table row, markdown and HTML', {
  timeout: 240_000,
}, async () => {
  for (const tool of ['wrk', 'h2load', 'curl']) {
    await run('which', [tool]).catch(() =>
      assert.fail(`${tool} is not on PATH: apt-get install -y wrk nghttp2-client curl`),
    );
  }
  const result = await runRestVsGrpc(
    { durationS: 1, rounds: 1, concurrencies: [4], streamUpdates: 100, pin: false },
    'wirestack bench rest-vs-grpc --duration 1 --rounds 1 --concurrency 4 --updates 100 --no-pin',
  );
  assert.equal(result.throughput.length, 6);
  for (const r of result.throughput) {
    assert.ok(r.requests > 0 && r.reqPerSec > 0, `${r.protocol} ${r.method}: ${r.requests} requests`);
    assert.equal(r.errors, 0, `${r.protocol} ${r.method}`);
    assert.ok(r.cpuUsPerReq > 0 && Number.isFinite(r.p99Ms));
  }
  assert.deepEqual(result.stream.map((s) => s.mode).sort(), [
    'REST chunked response',
    'REST polling',
    'gRPC server streaming',
  ]);
  const md = restVsGrpcMarkdown(result);
  for (const method of ['GetItem', 'ListItems', 'CreateItem']) {
    assert.match(
      md,
      new RegExp(`\\| ${method} \\| 4 \\| [\\d,]+ \\| [\\d,]+ \\| [\\d.]+x \\|`),
      `throughput row ${method}`,
    );
    assert.match(
      md,
      new RegExp(
        `\\| ${method} \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\| \\d+ \\|`,
      ),
      `payload row ${method}`,
    );
    assert.match(
      md,
      new RegExp(
        `\\| ${method} \\| [\\d.,]+ \\| [\\d.,]+ \\| [\\d.,]+ \\| [\\d.,]+ \\| [\\d.,]+ \\| [\\d.,]+ \\| [\\d.]+x \\|`,
      ),
      `socket row ${method}`,
    );
  }
  for (const mode of ['gRPC server streaming', 'REST chunked response', 'REST polling']) {
    assert.match(
      md,
      new RegExp(`\\| ${mode} \\| [\\d.,]+ \\| [\\d,]+ \\| [\\d.]+ \\| [\\d,]+ \\| [\\d.]+ \\| 0 \\|`),
      mode,
    );
  }
  assert.match(md, /\| \*\*gRPC\*\* \| hand-written server side/);
  assert.match(
    md,
    /\| gRPC \| compiles \| `client\.ts\(\d+,\d+\): error TS2339: Property 'name' does not exist on type 'Item'\.` \|/,
  );
  assert.match(md, /\| REST \| compiles \| compiles \| "undefined costs 24\.9"/);
  assert.match(md, /\| no such item \| `404 Not Found/);
  assert.match(
    md,
    /\| gRPC \| `npx wirestack grpc call .*` \| `\{"id":1,"name":"kettle","price":24\.9\}` \|/,
  );
  const html = restVsGrpcHtml(result);
  assert.equal(html.match(/<svg /g)?.length, 6);
  assert.match(html, /<table>/);
  assert.doesNotMatch(html, /NaN/);
});

test('wirestack bench --help lists rest-vs-grpc and http-compare', async () => {
  const { stdout } = await run(process.execPath, [CLI, 'bench', '--help']);
  assert.match(stdout, /rest-vs-grpc/);
  assert.match(stdout, /http-compare/);
  assert.match(stdout, /--markdown FILE/);
});
