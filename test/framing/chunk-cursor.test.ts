import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkCursor, TOO_LONG } from '../../src/framing/chunk-cursor.js';
import { parseRespInteger } from '../../src/framing/resp-integer.js';
import { cut } from './chunkings.js';

type Op =
  | { kind: 'exact'; n: number; keep: number }
  | { kind: 'line'; bareLf: boolean }
  | { kind: 'byte' }
  | { kind: 'count' };
type Result = number[] | 'TOO_LONG' | number;

const MAX_LINE = 12;

function apply(cursor: ChunkCursor, op: Op): Uint8Array | number | null | typeof TOO_LONG {
  if (op.kind === 'exact') return cursor.readExact(op.n, Math.min(op.keep, op.n));
  if (op.kind === 'count') {
    // the fast path must agree with the general one: a whole line's number, or nothing consumed
    const fast = cursor.readCountLine(MAX_LINE);
    if (fast >= 0) return fast;
    const line = cursor.readLine(MAX_LINE, false);
    return line instanceof Uint8Array ? parseRespInteger(line, 1) : line;
  }
  if (op.kind === 'line') return cursor.readLine(MAX_LINE, op.bareLf);
  const b = cursor.readByte();
  return b < 0 ? null : b;
}

/**
 * Runs `ops` over the stream delivered as `chunks`, pushing `groups[i]` chunks at a time whenever an
 * op needs more. Views are checked to be intact just before each push (their promised lifetime).
 */
function run(chunks: Uint8Array[], groups: number[], ops: Op[]): Result[] {
  const cursor = new ChunkCursor();
  const results: Result[] = [];
  let live: { view: Uint8Array; copy: number[] }[] = [];
  const pushed: Uint8Array[] = [];
  let next = 0;
  let group = 0;
  const pushMore = (): boolean => {
    if (next >= chunks.length) return false;
    for (const { view, copy } of live)
      assert.deepEqual([...view], copy, 'a view changed before the next push');
    live = [];
    // The caller may reuse every chunk it pushed once a read came back empty.
    for (const chunk of pushed) chunk.fill(0xee);
    const take = Math.max(1, groups[group++ % Math.max(1, groups.length)] ?? 1);
    for (let i = 0; i < take && next < chunks.length; i++) {
      const chunk = chunks[next++].slice();
      pushed.push(chunk);
      cursor.push(chunk);
    }
    return true;
  };
  for (const op of ops) {
    let r = apply(cursor, op);
    while (r === null && pushMore()) r = apply(cursor, op);
    if (r === null) break;
    if (r === TOO_LONG) {
      results.push('TOO_LONG');
      break;
    }
    if (typeof r === 'number') results.push(r);
    else {
      const copy = [...r];
      live.push({ view: r, copy });
      results.push(copy);
    }
  }
  return results;
}

const streamArb = fc
  .array(fc.constantFrom(13, 10, 65, 66, 0), { maxLength: 200 })
  .map((a) => Uint8Array.from(a));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .tuple(fc.nat({ max: 30 }), fc.nat({ max: 30 }))
    .map(([n, keep]) => ({ kind: 'exact' as const, n, keep })),
  fc.constant({ kind: 'count' as const }),
  fc.boolean().map((bareLf) => ({ kind: 'line' as const, bareLf })),
  fc.constant({ kind: 'byte' as const }),
);

test('property: any mix of exact reads, line reads and byte reads sees the same bytes for any chunking', () => {
  fc.assert(
    fc.property(
      streamArb,
      fc.array(fc.nat({ max: 200 }), { maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }),
      fc.array(opArb, { maxLength: 40 }),
      (stream, points, groups, ops) => {
        const reference = run([stream], [1], ops);
        assert.deepEqual(run(cut(stream, points), groups, ops), reference);
        assert.deepEqual(
          run(
            cut(
              stream,
              Array.from(stream, (_, i) => i),
            ),
            groups,
            ops,
          ),
          reference,
        );
      },
    ),
    { numRuns: 400 },
  );
});

test('views handed out stay intact until the next push even when spilled bytes keep arriving', () => {
  const cursor = new ChunkCursor();
  cursor.push(Uint8Array.of(1, 2, 3));
  assert.equal(cursor.readExact(4), null); // spills 1 2 3
  cursor.push(Uint8Array.of(4, 5, 6, 7, 8)); // not drained before the next push
  cursor.push(Uint8Array.of(9));
  const a = cursor.readExact(4); // from the spill buffer
  const b = cursor.readExact(5); // spill again, plus new bytes: must not overwrite `a`
  assert.deepEqual([...(a ?? [])], [1, 2, 3, 4]);
  assert.deepEqual([...(b ?? [])], [5, 6, 7, 8, 9]);
  assert.equal(cursor.offset, 9);
  assert.equal(cursor.buffered, 0);
});

test('bytes already searched in one line mode are searched again in the other', () => {
  const cursor = new ChunkCursor();
  cursor.push(Uint8Array.of(65, 10, 66));
  assert.equal(cursor.readLine(10, false), null); // strict: the lone \n is data
  const line = cursor.readLine(10, true); // lenient: it ends a line
  assert.ok(line instanceof Uint8Array);
  assert.deepEqual([...line], [65]);
});
