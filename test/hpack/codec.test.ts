import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HpackDecoder } from '../../src/hpack/decoder.js';
import type { DynamicTable } from '../../src/hpack/dynamic-table.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { HeaderListTooLarge, HpackDecodingError, HpackEncodingError } from '../../src/hpack/errors.js';
import { StaticTable } from '../../src/hpack/static-table.js';

const entries = (t: DynamicTable) =>
  Array.from({ length: t.length }, (_, i) => [t.name(i + 1), t.value(i + 1)]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const latin1 = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((b) => Buffer.from(b).toString('latin1'));
const name = fc.oneof(
  fc.constantFrom(
    ':method',
    ':path',
    ':status',
    'content-type',
    'cookie',
    'authorization',
    'x-trace',
    'accept',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
);
const field = fc.record({
  name,
  value: fc.oneof(fc.constantFrom('GET', '/', '200', ''), latin1(40)),
  sensitive: fc.boolean(),
  index: fc.constantFrom(true, false, undefined),
});
const headerList = fc.array(field, { maxLength: 12 });

test('encode then decode round-trips header lists, with tables in sync after every block', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ list: headerList, resize: fc.option(fc.integer({ min: 0, max: 4096 })) }), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.integer({ min: 0, max: 4096 }),
      fc.constantFrom('auto' as const, 'always' as const, 'never' as const),
      (blocks, maxTableSize, huffman) => {
        const encoder = new HpackEncoder({ maxTableSize, huffman });
        const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
        for (const { list, resize } of blocks) {
          if (resize !== null) {
            // We (the decoder's side) advertise a new SETTINGS_HEADER_TABLE_SIZE; the peer's encoder applies it.
            decoder.setMaxTableSize(resize);
            encoder.setMaxTableSize(resize);
          }
          const fields = decoder.decode(encoder.encode(list));
          assert.deepEqual(
            fields.map((f) => [f.name, f.value]),
            list.map((f) => [f.name, f.value]),
          );
          // Sensitive fields arrive never-indexed; default-sensitive names too.
          for (let i = 0; i < list.length; i++) {
            if (list[i].sensitive) assert.equal(fields[i].sensitive, true);
          }
          assert.deepEqual(entries(decoder.table), entries(encoder.table));
          assert.equal(decoder.table.size, encoder.table.size);
          assert.ok(encoder.table.size <= encoder.table.maxSize && encoder.table.maxSize <= maxTableSize);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('random bytes give fields or a typed error, and nothing else', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { minLength: 1, maxLength: 4 }), (blocks) => {
      const decoder = new HpackDecoder({ maxHeaderListSize: 2048, maxStringLength: 512 });
      for (const block of blocks) {
        try {
          decoder.decode(block);
        } catch (e) {
          assert.ok(e instanceof HpackDecodingError || e instanceof HeaderListTooLarge, String(e));
          if (!(e instanceof HeaderListTooLarge)) return;
        }
      }
    }),
    { numRuns: 2000 },
  );
});

test('mutated valid blocks give fields or a typed error, and nothing else', () => {
  const encoder = new HpackEncoder();
  const valid = encoder.encode([
    [':method', 'POST'],
    [':path', '/api/v1/items?id=42'],
    ['content-type', 'application/grpc'],
    ['x-custom', 'some value'],
    ['authorization', 'Bearer abc'],
  ]);
  const base = Uint8Array.from(valid);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.nat(base.length),
      (edits, cut) => {
        const block = base.slice(0, Math.max(cut, 1));
        for (const [at, byte] of edits) if (at < block.length) block[at] = byte;
        try {
          new HpackDecoder().decode(block);
        } catch (e) {
          assert.ok(e instanceof HpackDecodingError, String(e));
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test('decode time is linear: a 1.2 MB block of 100k small literal fields decodes quickly', () => {
  const one = Buffer.from('000361626303787979', 'hex'); // literal without indexing, "abc: xyy"
  const block = Buffer.concat(Array.from({ length: 100_000 }, () => one));
  const indexed = Buffer.alloc(100_000, 0x82); // ":method: GET" x 100k
  const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 30 });
  const t0 = process.hrtime.bigint();
  let n = 0;
  decoder.decodeTo(block, () => n++);
  decoder.decodeTo(indexed, () => n++);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(n, 200_000);
  assert.ok(ms < 2000, `took ${ms} ms`);
});

test('the encoder uses an index for full matches, static before dynamic', () => {
  const encoder = new HpackEncoder();
  assert.equal(hex(encoder.encode([[':method', 'GET']])), '82');
  encoder.encode([['x-a', 'b']]);
  assert.equal(hex(encoder.encode([['x-a', 'b']])), 'be'); // dynamic index 62
});

test('sensitive headers are never indexed by default: authorization, proxy-authorization, cookie, set-cookie', () => {
  const encoder = new HpackEncoder();
  const block = encoder.encode([
    ['authorization', 'Basic dXNlcjpwYXNz'],
    ['cookie', 'session=1'],
    ['set-cookie', 'a=b'],
    ['proxy-authorization', 'x'],
  ]);
  assert.equal(encoder.table.length, 0);
  const fields = new HpackDecoder().decode(block);
  assert.deepEqual(
    fields.map((f) => f.sensitive),
    [true, true, true, true],
  );
  // 0001xxxx with the static name index of authorization (23 = 15 + 8): 1f 08.
  assert.equal(hex(block.subarray(0, 2)), '1f08');
  // Repeating a sensitive field does not turn it into an index.
  assert.equal(hex(encoder.encode([['cookie', 'session=1']])).slice(0, 2), '1f');
});

test('the sensitive list is configurable, and a field can be marked sensitive or not indexed', () => {
  const encoder = new HpackEncoder({ sensitiveHeaders: ['x-api-key'] });
  encoder.encode([
    ['cookie', 'a=1'],
    ['x-api-key', 'k'],
    { name: 'x-one-off', value: 'v', index: false },
    { name: 'x-secret', value: 's', sensitive: true },
  ]);
  assert.deepEqual(entries(encoder.table), [['cookie', 'a=1']]);
  // A decoded never-indexed field passed back to an encoder stays never-indexed (RFC 7541 §7.1.3).
  const relayed = new HpackDecoder().decode(new HpackEncoder().encode([['authorization', 'x']]));
  const relay = new HpackEncoder({ sensitiveHeaders: [] });
  const fields = new HpackDecoder().decode(relay.encode(relayed));
  assert.equal(fields[0].sensitive, true);
});

test('Huffman is used only when shorter in auto mode', () => {
  const encoder = new HpackEncoder({ huffman: 'auto', maxTableSize: 0 });
  encoder.encode([]); // flush the table size update
  // "307" is 3 octets raw and 3 with Huffman: raw wins the tie.
  assert.equal(hex(encoder.encode([[':status', '307']])), '0803333037');
  // "www.example.com" is 12 octets with Huffman instead of 15.
  assert.equal(hex(encoder.encode([[':authority', 'www.example.com']])), '018cf1e3c2e5f23a6ba0ab90f4ff');
  // Octets with long codes stay raw.
  assert.equal(hex(encoder.encode([['x', '\u00ff']])), '000178' + '01ff');
});

test('table size changes are announced at the start of the next block: the minimum, then the final size', () => {
  const encoder = new HpackEncoder();
  encoder.encode([['x-a', 'b']]);
  encoder.setMaxTableSize(0);
  encoder.setMaxTableSize(100);
  assert.equal(encoder.table.length, 0);
  const block = encoder.encode([[':method', 'GET']]);
  assert.equal(hex(block), '20' + '3f45' + '82'); // update 0, update 100 (31 + 69), then the field
  assert.equal(hex(encoder.encode([[':method', 'GET']])), '82');
  // An own limit below 4096 is announced in the first block.
  assert.equal(hex(new HpackEncoder({ maxTableSize: 1000 }).encode([])), '3fc907');
  // The peer cannot make the encoder use more than its own limit.
  const small = new HpackEncoder({ maxTableSize: 1000 });
  small.setMaxTableSize(65536);
  assert.equal(small.table.maxSize, 1000);
});

test('a field larger than the table is sent without indexing', () => {
  const encoder = new HpackEncoder({ maxTableSize: 64 });
  encoder.encode([]);
  encoder.encode([['x-big', 'v'.repeat(100)]]);
  assert.equal(encoder.table.length, 0);
});

test('a character above U+00FF is an encoding error, not a silently wrong octet', () => {
  assert.throws(
    () => new HpackEncoder().encode([['x', 'caf\u00e9 \u20ac']]),
    (e: unknown) => e instanceof HpackEncodingError && e.code === 'EHPACKCHAR',
  );
  // U+00E9 alone is the octet 0xe9.
  const fields = new HpackDecoder().decode(new HpackEncoder().encode([['x', 'caf\u00e9']]));
  assert.equal(fields[0].value, 'caf\u00e9');
});

test('the static table holds the 61 entries of RFC 7541 Appendix A', () => {
  assert.equal(StaticTable.length, 61);
  assert.deepEqual([StaticTable.name(1), StaticTable.value(1)], [':authority', '']);
  assert.deepEqual([StaticTable.name(16), StaticTable.value(16)], ['accept-encoding', 'gzip, deflate']);
  assert.deepEqual([StaticTable.name(61), StaticTable.value(61)], ['www-authenticate', '']);
  assert.equal(StaticTable.findField(':status', '404'), 13);
  assert.equal(StaticTable.findName(':status'), 8);
  assert.equal(StaticTable.findName('x-nope'), 0);
});

test('the dynamic table evicts oldest first and counts 32 octets per entry (RFC 7541 §4.1, §4.4)', () => {
  const decoder = new HpackDecoder({ maxTableSize: 100 });
  const encoder = new HpackEncoder({ maxTableSize: 100 });
  decoder.decode(encoder.encode([['aa', 'bb']])); // 36
  decoder.decode(encoder.encode([['cc', 'dd']])); // 72
  decoder.decode(encoder.encode([['ee', 'ff']])); // 108 > 100: evicts aa
  assert.deepEqual(entries(decoder.table), [
    ['ee', 'ff'],
    ['cc', 'dd'],
  ]);
  assert.equal(decoder.table.size, 72);
  // An entry larger than the table empties it and is not an error.
  // 40: literal with incremental indexing, new name "a", then a 100-octet value: 133 > 100.
  const big = Buffer.concat([Buffer.from('40016164', 'hex'), Buffer.alloc(100, 0x7a)]);
  decoder.decode(big);
  assert.equal(decoder.table.length, 0);
  assert.equal(decoder.table.size, 0);
});
