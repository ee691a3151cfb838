// Each test is named after the attack it stops; docs/hpack.md points here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HpackDecoder } from '../../src/hpack/decoder.js';
import type { DynamicTable } from '../../src/hpack/dynamic-table.js';
import { HpackEncoder } from '../../src/hpack/encoder.js';
import { HeaderListTooLarge, HpackDecodingError } from '../../src/hpack/errors.js';

const entries = (t: DynamicTable) =>
  Array.from({ length: t.length }, (_, i) => [t.name(i + 1), t.value(i + 1)]);
const decodingError = (code: string, limit?: string) => (e: unknown) =>
  e instanceof HpackDecodingError && e.code === code && (limit === undefined || e.limit === limit);

/** One ~4 KiB entry added to the dynamic table, then referenced `repeats` times by one octet each. */
function hpackBomb(repeats: number): Buffer {
  const value = Buffer.alloc(4000, 0x61);
  // 40: literal with incremental indexing, new name "x"; value length 4000 = 127 + 3873 (a1 1e).
  const head = Buffer.concat([Buffer.from('400178' + '7fa11e', 'hex'), value]);
  return Buffer.concat([head, Buffer.alloc(repeats, 0xbe)]); // be = index 62, the entry just added
}

test('HPACK bomb: 80 MB of fields from a 24 KB block stops at maxHeaderListSize without expanding', () => {
  const block = hpackBomb(20_000); // 20k x 4033 octets = ~80 MB if expanded
  const decoder = new HpackDecoder(); // maxHeaderListSize 64 KiB
  let emitted = 0;
  let emittedSize = 0;
  const t0 = process.hrtime.bigint();
  assert.throws(
    () =>
      decoder.decodeTo(block, (name, value) => {
        emitted++;
        emittedSize += name.length + value.length + 32;
      }),
    (e: unknown) =>
      e instanceof HeaderListTooLarge &&
      e.code === 'EHEADERLISTTOOLARGE' &&
      e.limit === 'maxHeaderListSize' &&
      e.max === 65536 &&
      e.tableInSync,
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(emittedSize <= 65536, `emitted ${emittedSize} octets`);
  assert.equal(emitted, Math.floor(65536 / 4033));
  assert.ok(ms < 500, `took ${ms} ms`);
  // The table is in sync, so the connection can go on: the next block may reference the entry.
  assert.deepEqual(
    decoder.decode(Buffer.from([0xbe])).map((f) => f.value.length),
    [4000],
  );
});

test('HPACK bomb with onHeaderListTooLarge "abort": fails at the first field over the limit', () => {
  const decoder = new HpackDecoder({ onHeaderListTooLarge: 'abort' });
  let emitted = 0;
  assert.throws(
    () => decoder.decodeTo(hpackBomb(20_000), () => emitted++),
    (e: unknown) => e instanceof HeaderListTooLarge && !e.tableInSync && e.offset < 4100,
  );
  assert.equal(emitted, Math.floor(65536 / 4033));
  assert.throws(() => decoder.decode(Buffer.from([0x82])), decodingError('EHPACKBROKEN'));
});

test('oversized but valid header list: the dynamic table stays in sync and the next block decodes', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder({ maxHeaderListSize: 1000 });
  const big = Array.from({ length: 40 }, (_, i): [string, string] => [`x-h${i}`, `value-${i}`.repeat(3)]);
  assert.throws(
    () => decoder.decode(encoder.encode(big)),
    (e: unknown) => e instanceof HeaderListTooLarge && e.tableInSync && e.actual > 1000,
  );
  assert.deepEqual(entries(decoder.table), entries(encoder.table));
  // The next block refers to entries added by the refused one.
  const next = encoder.encode([big[39], big[20], [':method', 'GET']]);
  assert.ok(next.length <= 4, 'encoded as indices');
  assert.deepEqual(
    decoder.decode(next).map((f) => [f.name, f.value]),
    [big[39], big[20], [':method', 'GET']],
  );
});

test('table size update above the advertised maximum is a decoding error (RFC 7541 §6.3)', () => {
  const decoder = new HpackDecoder({ maxTableSize: 4096 });
  // 3f e1 1f = update to 31 + 4065 = 4096: allowed.
  decoder.decode(Buffer.from('3fe11f', 'hex'));
  // 3f e2 1f = 4097.
  assert.throws(
    () => decoder.decode(Buffer.from('3fe21f', 'hex')),
    decodingError('EHPACKTABLESIZE', 'maxTableSize'),
  );
  // A peer announcing an 8 MiB table: 31 + 97 + 127 * 2^7 + 127 * 2^14 + 3 * 2^21.
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('3fe1ffff03', 'hex')),
    decodingError('EHPACKTABLESIZE', 'maxTableSize'),
  );
});

test('table size update after a header field is a decoding error (RFC 7541 §4.2)', () => {
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('8220', 'hex')),
    decodingError('EHPACKTABLESIZE'),
  );
  // Several updates at the start are fine.
  assert.equal(new HpackDecoder().decode(Buffer.from('203f0182', 'hex')).length, 1);
});

test('missing table size update after we lowered SETTINGS_HEADER_TABLE_SIZE is a decoding error (RFC 7541 §4.2)', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decoder.decode(encoder.encode([['x-a', 'b']]));
  decoder.setMaxTableSize(0);
  // A peer that ignores the new setting keeps referencing its table.
  assert.throws(() => decoder.decode(Buffer.from([0xbe])), decodingError('EHPACKTABLESIZE', 'maxTableSize'));
  // A compliant peer starts the next block with the update, after which the entry is gone.
  const ok = new HpackDecoder();
  ok.decode(new HpackEncoder().encode([['x-a', 'b']]));
  ok.setMaxTableSize(0);
  assert.equal(ok.decode(Buffer.from('2082', 'hex')).length, 1);
  assert.equal(ok.table.length, 0);
  assert.throws(() => ok.decode(Buffer.from('3f0182', 'hex')), decodingError('EHPACKTABLESIZE'));
});

test('bad Huffman padding or EOS in a header value is a decoding error (RFC 7541 §5.2)', () => {
  // Literal without indexing, name index 1 (:authority), Huffman value of one octet.
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('0181ff', 'hex')),
    decodingError('EHPACKHUFFMAN'),
  );
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('018106', 'hex')),
    decodingError('EHPACKHUFFMAN'),
  );
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('0184ffffffff', 'hex')),
    decodingError('EHPACKHUFFMAN'),
  );
  assert.equal(new HpackDecoder().decode(Buffer.from('018107', 'hex'))[0].value, '0');
});

test('integer overflow in an index or a length is a decoding error (RFC 7541 §5.1)', () => {
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('ffffffffff0f', 'hex')),
    decodingError('EHPACKINTEGER'),
  );
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('00' + '7fffffffff0f', 'hex')),
    decodingError('EHPACKINTEGER'),
  );
  assert.throws(
    () => new HpackDecoder().decode(Buffer.from('ff808080808000', 'hex')),
    decodingError('EHPACKINTEGER'),
  );
});

test('oversized string literal: a declared length above maxStringLength fails before any copy', () => {
  const decoder = new HpackDecoder({ maxStringLength: 1024 });
  // Literal with new name, name length 1 MiB (7f + 2^20 - 127), and no data behind it.
  assert.throws(
    () => decoder.decode(Buffer.from('007f81ff3f', 'hex')),
    decodingError('EHPACKSTRINGTOOLONG', 'maxStringLength'),
  );
  // The decoded length counts too: 1000 Huffman octets of "0" (5 bits each) decode to 1600.
  const zeros = Buffer.concat([Buffer.from('000178ffe906', 'hex'), Buffer.alloc(1000, 0)]);
  assert.throws(
    () => new HpackDecoder({ maxStringLength: 1200 }).decode(zeros),
    decodingError('EHPACKSTRINGTOOLONG', 'maxStringLength'),
  );
  assert.equal(new HpackDecoder({ maxStringLength: 1600 }).decode(zeros)[0].value, '0'.repeat(1600));
});

test('index 0 and indices beyond both tables are decoding errors (RFC 7541 §6.1, §2.3.3)', () => {
  assert.throws(() => new HpackDecoder().decode(Buffer.from('80', 'hex')), decodingError('EHPACKINDEX'));
  assert.throws(() => new HpackDecoder().decode(Buffer.from('be', 'hex')), decodingError('EHPACKINDEX'));
  assert.throws(() => new HpackDecoder().decode(Buffer.from('7e0161', 'hex')), decodingError('EHPACKINDEX'));
});

test('truncated blocks are decoding errors, and a failed decoder refuses further blocks', () => {
  const decoder = new HpackDecoder();
  assert.throws(() => decoder.decode(Buffer.from('400a6375', 'hex')), decodingError('EHPACKTRUNCATED'));
  assert.throws(() => decoder.decode(Buffer.from('82', 'hex')), decodingError('EHPACKBROKEN'));
  assert.throws(() => new HpackDecoder().decode(Buffer.from('40', 'hex')), decodingError('EHPACKTRUNCATED'));
});

test('an exception from the sink leaves the decoder unusable, since the block was not finished', () => {
  const decoder = new HpackDecoder();
  assert.throws(
    () =>
      decoder.decodeTo(Buffer.from('8284', 'hex'), () => {
        throw new Error('handler bug');
      }),
    /handler bug/,
  );
  assert.throws(() => decoder.decode(Buffer.from('82', 'hex')), decodingError('EHPACKBROKEN'));
});
