import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HpackDecoder } from '../../src/hpack/decoder.js';
import type { DynamicTable } from '../../src/hpack/dynamic-table.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import type { HeaderFieldInput } from '../../src/hpack/header-field.js';

interface Block {
  section?: string;
  hex: string;
  headers: [string, string][];
  encodeAs?: { name: string; value: string; sensitive?: boolean; index?: boolean }[];
  sensitive?: boolean[];
  table: [string, string][];
  tableSize: number;
}
interface Example {
  section: string;
  title: string;
  maxTableSize: number;
  huffman: 'never' | 'always';
  blocks: Block[];
}

const vectors: { examples: Example[] } = JSON.parse(
  readFileSync('test/vectors/hpack/rfc7541-appendix-c.json', 'utf8'),
);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const entries = (t: DynamicTable) =>
  Array.from({ length: t.length }, (_, i) => [t.name(i + 1), t.value(i + 1)]);

test('the vector file holds C.2.1-C.2.4 and C.3-C.6', () => {
  assert.deepEqual(
    vectors.examples.map((e) => e.section),
    ['C.2.1', 'C.2.2', 'C.2.3', 'C.2.4', 'C.3', 'C.4', 'C.5', 'C.6'],
  );
});

for (const example of vectors.examples) {
  test(`RFC 7541 ${example.section} ${example.title}: decode, with the dynamic table after each block`, () => {
    const decoder = new HpackDecoder({ maxTableSize: example.maxTableSize });
    for (const block of example.blocks) {
      const fields = decoder.decode(Buffer.from(block.hex, 'hex'));
      assert.deepEqual(
        fields.map((f) => [f.name, f.value]),
        block.headers,
        block.section,
      );
      if (block.sensitive)
        assert.deepEqual(
          fields.map((f) => f.sensitive),
          block.sensitive,
        );
      assert.deepEqual(entries(decoder.table), block.table, block.section);
      assert.equal(decoder.table.size, block.tableSize, block.section);
    }
  });

  test(`RFC 7541 ${example.section} ${example.title}: encode to the same octets and table`, () => {
    const encoder = new HpackEncoder({
      maxTableSize: example.maxTableSize,
      huffman: example.huffman,
      sensitiveHeaders: [],
    });
    if (example.maxTableSize < 4096) {
      // Appendix C assumes the table already is 256 octets; a real encoder must first announce a
      // limit below the initial 4096 (RFC 7541 §4.2), and does so in its first block: 001 11111 + 225.
      assert.equal(hex(encoder.encode([])), '3fe101');
    }
    for (const block of example.blocks) {
      const input: HeaderFieldInput[] = block.encodeAs ?? block.headers;
      assert.equal(hex(encoder.encode(input)), block.hex, block.section);
      assert.deepEqual(entries(encoder.table), block.table, block.section);
      assert.equal(encoder.table.size, block.tableSize, block.section);
    }
  });
}
