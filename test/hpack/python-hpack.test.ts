// Cross-checks against python3-hpack (Debian's package, for /usr/bin/python3): our encoder feeds
// their decoder and their encoder feeds ours, over sequences of header lists so that both dynamic
// tables must stay in sync. Python is spawned once per test with the whole batch.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { HpackDecoder } from '../../src/hpack/decoder.js';
import type { DynamicTable } from '../../src/hpack/dynamic-table.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from '../../src/hpack/huffman-code.js';
import { StaticTable } from '../../src/hpack/static-table.js';

const PYTHON = '/usr/bin/python3';
const PEER = 'test/hpack/hpack_peer.py';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the peer script
function askPython(request: unknown): any {
  const r = spawnSync(PYTHON, [PEER], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) assert.fail(`cannot run ${PYTHON} (${r.error.message}); install python3 and python3-hpack`);
  if (r.status === 3) assert.fail(r.stderr.trim());
  assert.equal(r.status, 0, `python3-hpack peer failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** mulberry32: a small seeded PRNG, so the corpus is the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Field {
  name: string;
  value: string;
  sensitive: boolean;
}

/** Request- and response-like header lists that repeat fields (to hit the dynamic table) and carry every octet. */
function corpus(seed: number, count: number): Field[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const octets = (max: number) => {
    let s = '';
    const n = Math.floor(r() * max);
    for (let i = 0; i < n; i++)
      s += String.fromCharCode(r() < 0.7 ? 32 + Math.floor(r() * 95) : Math.floor(r() * 256));
    return s;
  };
  const customNames = Array.from(
    { length: 30 },
    (_, i) => `x-custom-${i}-${octets(6).replace(/[^a-z0-9]/g, '')}`,
  );
  const paths = Array.from({ length: 20 }, (_, i) => `/api/v${i % 3}/items/${i * 7919}`);
  const lists: Field[][] = [];
  for (let i = 0; i < count; i++) {
    const list: Field[] = [];
    const f = (name: string, value: string, sensitive = false) => list.push({ name, value, sensitive });
    if (r() < 0.5) {
      f(':method', pick(['GET', 'POST', 'PUT', 'DELETE']));
      f(':scheme', pick(['http', 'https']));
      f(':path', pick(paths));
      f(':authority', pick(['example.com', 'api.example.com:8443']));
    } else {
      f(':status', pick(['200', '204', '404', '500', '302', '418']));
      f('date', `Mon, 21 Oct 2013 20:13:${String(i % 60).padStart(2, '0')} GMT`);
    }
    const extra = Math.floor(r() * 10);
    for (let k = 0; k < extra; k++) {
      const roll = r();
      if (roll < 0.3) f(pick(customNames), octets(60));
      else if (roll < 0.5)
        f(
          pick(['content-type', 'accept', 'user-agent', 'cache-control']),
          pick(['text/html', 'application/grpc', '*/*', 'no-cache', octets(30)]),
        );
      else if (roll < 0.6) f('authorization', `Bearer ${octets(40)}`, true);
      else if (roll < 0.7) f('x-big', octets(600));
      else if (roll < 0.8) f(octets(12).toLowerCase() || 'x', '');
      else f(pick(customNames), pick(['a', 'b', 'repeated value']));
    }
    lists.push(list);
  }
  return lists;
}

const toHex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
const tableHex = (t: DynamicTable) =>
  Array.from({ length: t.length }, (_, i) => [toHex(t.name(i + 1)), toHex(t.value(i + 1))]);

test('python3-hpack agrees on the Huffman code (Appendix B) and the static table (Appendix A)', () => {
  const py = askPython({ mode: 'tables' });
  assert.deepEqual(py.lengths, [...HUFFMAN_CODE_LENGTHS]);
  assert.deepEqual(py.codes, [...HUFFMAN_CODES]);
  assert.deepEqual(
    py.static,
    Array.from({ length: StaticTable.length }, (_, i) => [StaticTable.name(i + 1), StaticTable.value(i + 1)]),
  );
});

test('our encoder -> python3-hpack decoder over 300 header lists, tables in sync after each', () => {
  const lists = corpus(7541, 300);
  const encoder = new HpackEncoder();
  const blocks: string[] = [];
  const ourTables: string[][][] = [];
  lists.forEach((list, i) => {
    // Exercise size updates: shrink the table for a while, then restore it.
    if (i === 100) encoder.setMaxTableSize(512);
    if (i === 101) encoder.setMaxTableSize(0);
    if (i === 102) encoder.setMaxTableSize(4096);
    blocks.push(Buffer.from(encoder.encode(list)).toString('hex'));
    ourTables.push(tableHex(encoder.table));
  });
  const py = askPython({ mode: 'decode', blocks });
  for (let i = 0; i < lists.length; i++) {
    assert.deepEqual(
      py.lists[i],
      lists[i].map((f) => [toHex(f.name), toHex(f.value), f.sensitive]),
      `list ${i}`,
    );
    assert.deepEqual(py.tables[i], ourTables[i], `dynamic table after list ${i}`);
  }
  assert.ok(ourTables.some((t) => t.length > 20));
  assert.equal(ourTables[101].length, 0);
});

test('python3-hpack encoder -> our decoder over 300 header lists, tables in sync after each', () => {
  const lists = corpus(9113, 300);
  const items = lists.map((list, i) => ({
    list: list.map((f) => [toHex(f.name), toHex(f.value), f.sensitive]),
    huffman: i % 3 !== 0,
    tableSize: i === 50 ? 256 : i === 51 ? 1024 : i === 120 ? 4096 : null,
  }));
  const py = askPython({ mode: 'encode', items });
  const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
  for (let i = 0; i < lists.length; i++) {
    const fields = decoder.decode(Buffer.from(py.blocks[i], 'hex'));
    assert.deepEqual(
      fields.map((f) => [f.name, f.value, f.sensitive]),
      lists[i].map((f) => [f.name, f.value, f.sensitive]),
      `list ${i}`,
    );
    assert.deepEqual(tableHex(decoder.table), py.tables[i], `dynamic table after list ${i}`);
  }
  // The corpus did exercise the table and python's size updates (001xxxxx first).
  assert.ok(py.tables.some((t: unknown[]) => t.length > 20));
  assert.equal(Buffer.from(py.blocks[50], 'hex')[0] & 0xe0, 0x20);
});
