import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KeyValueStore, keyBytes, keyOf, matchesGlob } from '../../src/drivers/index.js';
import { addInt64, parseInt64 } from '../../src/drivers/int64-argument.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const glob = (pattern: string, subject: string) => matchesGlob(bytes(pattern), bytes(subject));

test('glob patterns match as Redis stringmatch does', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '', true],
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'hllo', true],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true], // reversed ranges are swapped, as in Redis
    ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['[\\]]', ']', true],
    ['user:*:name', 'user:42:name', true],
    ['user:*:name', 'user:42:email', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['', '', true],
    ['', 'a', false],
  ];
  for (const [pattern, subject, expected] of cases) {
    assert.equal(glob(pattern, subject), expected, `${pattern} vs ${subject}`);
  }
});

test('a hostile glob (*a*a*a*...b against a long run of a) finishes in linear-ish time', () => {
  const pattern = bytes(`${'*a'.repeat(30)}b`);
  const subject = bytes('a'.repeat(20_000));
  const start = performance.now();
  assert.equal(matchesGlob(pattern, subject), false);
  assert.ok(performance.now() - start < 2000, 'no exponential backtracking');
});

test('property: globs made of literals, ? and * agree with the equivalent regular expression', () => {
  const piece = fc.constantFrom('a', 'b', '?', '*');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), fc.stringMatching(/^[ab]{0,10}$/), (pieces, subject) => {
      const regex = new RegExp(
        `^${pieces.map((p) => (p === '*' ? '.*' : p === '?' ? '.' : p)).join('')}$`,
        's',
      );
      assert.equal(glob(pieces.join(''), subject), regex.test(subject));
    }),
  );
});

test('integer arguments parse as Redis string2ll: no +, no leading zeros, 64-bit range', () => {
  assert.equal(parseInt64(bytes('0')), 0);
  assert.equal(parseInt64(bytes('-42')), -42);
  assert.equal(parseInt64(bytes('9223372036854775807')), 9223372036854775807n);
  assert.equal(parseInt64(bytes('-9223372036854775808')), -9223372036854775808n);
  assert.equal(parseInt64(bytes('9007199254740991')), 9007199254740991);
  for (const bad of [
    '',
    '-',
    '+1',
    '01',
    '-0',
    ' 1',
    '1 ',
    '1.0',
    '9223372036854775808',
    'abc',
    '123456789012345678901',
  ]) {
    assert.equal(parseInt64(bytes(bad)), null, JSON.stringify(bad));
  }
  assert.equal(addInt64(9223372036854775806n, 1), 9223372036854775807n);
  assert.equal(addInt64(9223372036854775807n, 1), null);
  assert.equal(addInt64(-9223372036854775808n, -1), null);
  assert.equal(addInt64(2 ** 53 - 1, 1), 2n ** 53n);
});

test('store keys are byte strings: every byte sequence maps to a distinct key and back', () => {
  const all = new Uint8Array(256).map((_, i) => i);
  assert.deepEqual(new Uint8Array(keyBytes(keyOf(all))), all);
  const long = new Uint8Array(1000).map((_, i) => (i * 7) % 256);
  assert.deepEqual(new Uint8Array(keyBytes(keyOf(long))), long);
  assert.notEqual(keyOf(bytes('é')), keyOf(bytes('e')));
});

test('the expiry sweep visits each volatile key once per pass and never more than max per call', () => {
  let now = 0;
  const store = new KeyValueStore({ now: () => now });
  for (let i = 0; i < 10; i++) store.set(`k${i}`, bytes('v'), i < 5 ? 100 : 1000);
  store.set('forever', bytes('v'));
  now = 500;
  assert.equal(store.sweepExpired(3), 3);
  assert.equal(store.sweepExpired(3), 2);
  assert.equal(store.sweepExpired(100), 0, 'the rest are not due');
  assert.equal(store.size, 6);
  now = 2000;
  assert.equal(store.get('k7'), undefined, 'lazy expiry on read');
  assert.equal(store.sweepExpired(100), 4);
  assert.equal(store.size, 1);
  assert.equal(store.expiredKeys, 10);
});
