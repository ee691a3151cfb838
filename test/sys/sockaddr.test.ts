import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeSockaddr,
  encodeSockaddr,
  formatIPv6,
  InvalidAddress,
  parseIPv6,
} from '../../src/sys/sockaddr.js';

test('IPv4 sockaddr round-trips with the port in network byte order', () => {
  const buf = new Uint8Array(28);
  assert.equal(encodeSockaddr('127.0.0.1', 0x1f40, buf), 16);
  assert.deepEqual([...buf.subarray(0, 8)], [2, 0, 0x1f, 0x40, 127, 0, 0, 1]);
  assert.deepEqual(decodeSockaddr(buf), { family: 4, host: '127.0.0.1', port: 8000 });
});

test('IPv6 literals parse in every RFC 4291 text form and format per RFC 5952', () => {
  const cases: [string, string][] = [
    ['::1', '::1'],
    ['::', '::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1%lo', 'fe80::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['[2001:db8::]', '2001:db8::'],
  ];
  for (const [text, shown] of cases) {
    const bytes = parseIPv6(text);
    assert.ok(bytes, text);
    assert.equal(formatIPv6(bytes), shown);
  }
  for (const bad of ['1::2::3', '12345::', ':::', '1:2:3:4:5:6:7:8:9', 'g::1'])
    assert.equal(parseIPv6(bad), null, bad);
  const buf = new Uint8Array(28);
  assert.equal(encodeSockaddr('::1', 443, buf), 28);
  assert.deepEqual(decodeSockaddr(buf), { family: 6, host: '::1', port: 443 });
});

test('hostnames and bad ports are refused with a typed error', () => {
  const buf = new Uint8Array(28);
  assert.throws(() => encodeSockaddr('example.com', 80, buf), InvalidAddress);
  assert.throws(() => encodeSockaddr('127.0.0.1', 70000, buf), RangeError);
  assert.throws(() => encodeSockaddr('256.0.0.1', 80, buf), InvalidAddress);
});
