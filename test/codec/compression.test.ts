import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { LimitExceeded } from '../../src/buf/errors.js';
import {
  availableCompressions,
  COMPRESSION_LEVELS,
  type CompressionName,
  CompressionPolicy,
  CompressionUnavailable,
  CorruptCompressedPayload,
  compressMessage,
  DecompressionLimitExceeded,
  decompressMessage,
  isCompressionAvailable,
  MsgpackEncoder,
} from '../../src/codec/index.js';
import { brotliBomb, deflateBomb, GIB, gzipBomb, zstdBomb } from './compression-bombs.js';

const ALGORITHMS: Exclude<CompressionName, 'none'>[] = ['gzip', 'deflate', 'brotli', 'zstd'];
const MIB = 1024 * 1024;

const logLines = (n: number) =>
  new TextEncoder().encode(
    Array.from(
      { length: n },
      (_, i) =>
        `2026-11-23T12:00:${String(i % 60).padStart(2, '0')}Z INFO request id=${i} path=/api/orders status=200\n`,
    ).join(''),
  );

test('every available algorithm round-trips at its lowest, default and highest level', () => {
  const data = logLines(200);
  for (const name of ALGORITHMS) {
    if (!isCompressionAvailable(name)) continue;
    const range = COMPRESSION_LEVELS[name];
    for (const level of [range.min, range.default, range.max]) {
      const packed = compressMessage(name, data, level);
      assert.ok(packed.length < data.length / 4, `${name}@${level}: ${packed.length} of ${data.length}`);
      assert.deepEqual(decompressMessage(name, packed), new Uint8Array(data));
    }
    assert.throws(() => compressMessage(name, data, range.max + 1), RangeError);
  }
  assert.deepEqual(availableCompressions().slice(0, 4), ['none', 'gzip', 'deflate', 'brotli']);
});

test('zstd is used where Node has it and is a typed CompressionUnavailable error where it does not', () => {
  const data = logLines(50);
  if (isCompressionAvailable('zstd')) {
    assert.deepEqual(decompressMessage('zstd', compressMessage('zstd', data)), new Uint8Array(data));
    assert.ok(availableCompressions().includes('zstd'));
  } else {
    assert.throws(() => compressMessage('zstd', data), CompressionUnavailable);
    assert.throws(() => decompressMessage('zstd', data), CompressionUnavailable);
    assert.throws(() => new CompressionPolicy({ algorithm: 'zstd' }), /zstd is not available/);
    assert.ok(!availableCompressions().includes('zstd'));
  }
});

test('a corrupt or truncated compressed payload is a typed CorruptCompressedPayload, never a zlib error', () => {
  const data = logLines(100);
  for (const name of ALGORITHMS) {
    if (!isCompressionAvailable(name)) continue;
    const packed = compressMessage(name, data);
    const garbage = randomBytes(64);
    garbage[0] = 0x00; // not a gzip or zlib header
    for (const bad of [packed.subarray(0, packed.length >> 1), garbage]) {
      assert.throws(
        () => decompressMessage(name, bad),
        (e: unknown) => {
          assert.ok(e instanceof CorruptCompressedPayload, `${name}: ${e}`);
          assert.equal(e.code, 'ECOMPRESSCORRUPT');
          return true;
        },
      );
    }
  }
});

test('maxDecompressedBytes: a payload one byte over the limit fails, one at the limit passes', () => {
  const data = new Uint8Array(10_000).fill(7);
  for (const name of ALGORITHMS) {
    if (!isCompressionAvailable(name)) continue;
    const packed = compressMessage(name, data);
    assert.equal(decompressMessage(name, packed, { maxDecompressedBytes: 10_000 }).length, 10_000);
    assert.throws(
      () => decompressMessage(name, packed, { maxDecompressedBytes: 9_999 }),
      (e: unknown) =>
        e instanceof DecompressionLimitExceeded && e.limit === 'maxDecompressedBytes' && e.max === 9_999,
    );
    assert.throws(
      () => decompressMessage(name, packed, { maxDecompressedBytes: 0 }),
      DecompressionLimitExceeded,
    );
  }
  assert.throws(
    () => decompressMessage('none', data, { maxDecompressedBytes: 100 }),
    DecompressionLimitExceeded,
  );
});

// The attack: a tiny body that inflates to 1 GiB. It must stop at the limit with a typed error, and the
// process must never hold anything like 1 GiB (peak RSS measured across the call).
test('zip bomb: 1 GiB of zeros fails at maxDecompressedBytes for every algorithm, RSS bounded', async () => {
  const bombs: [CompressionName, Uint8Array | undefined][] = [
    ['gzip', gzipBomb()],
    ['deflate', deflateBomb()],
    ['brotli', await brotliBomb()],
    ['zstd', await zstdBomb()],
  ];
  assert.ok(bombs[2][1] !== undefined && bombs[2][1].length < 10 * 1024, 'brotli bomb is under 10 KiB');
  assert.ok(
    bombs[0][1] !== undefined && bombs[0][1].length < 1.1 * MIB,
    'gzip bomb is ~1 MiB (deflate tops out near 1032:1)',
  );
  for (const [name, bomb] of bombs) {
    if (bomb === undefined) {
      assert.equal(isCompressionAvailable(name), false);
      continue;
    }
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const started = performance.now();
    assert.throws(
      () => decompressMessage(name, bomb, { maxDecompressedBytes: 16 * MIB }),
      (e: unknown) => {
        assert.ok(e instanceof DecompressionLimitExceeded, `${name}: ${e}`);
        assert.ok(e instanceof LimitExceeded);
        assert.equal(e.code, 'ECOMPRESSLIMIT');
        assert.equal(e.algorithm, name);
        assert.match(e.message, /maxDecompressedBytes=16777216/);
        return true;
      },
    );
    const grew = process.resourceUsage().maxRSS * 1024 - peakBefore;
    assert.ok(
      grew < 160 * MIB,
      `${name}: peak RSS grew by ${(grew / MIB).toFixed(0)} MiB for a ${GIB / MIB} MiB bomb`,
    );
    assert.ok(performance.now() - started < 5_000, `${name} stopped early`);
  }
});

test('CompressionPolicy: never below minBytes', () => {
  const policy = new CompressionPolicy({ minBytes: 1024 });
  const small = logLines(100).subarray(0, 1023);
  assert.deepEqual(policy.apply(small), { compression: 'none', body: small });
  assert.equal(policy.apply(logLines(100).subarray(0, 1024)).compression, 'brotli');
});

test('CompressionPolicy: the fallback serves a peer without the preferred algorithm', () => {
  const data = logLines(100);
  const policy = new CompressionPolicy();
  assert.equal(policy.apply(data).compression, 'brotli', 'brotli at level 1 is the measured default');
  const gz = policy.apply(data, ['none', 'gzip']);
  assert.equal(gz.compression, 'gzip');
  assert.deepEqual(decompressMessage('gzip', gz.body), new Uint8Array(data));
  assert.equal(policy.apply(data, ['none', 'deflate']).compression, 'none');
  assert.equal(
    new CompressionPolicy({ fallback: 'deflate' }).apply(data, ['none', 'deflate']).compression,
    'deflate',
  );
  assert.equal(new CompressionPolicy({ algorithm: 'none' }).apply(data).compression, 'none');
});

test('CompressionPolicy: random bytes are probed by a sample and sent as is', () => {
  const policy = new CompressionPolicy({ algorithm: 'brotli', sampleBytes: 4096 });
  const noise = new Uint8Array(randomBytes(256 * 1024));
  assert.equal(policy.choose(noise), 'none');
  assert.equal(policy.apply(noise).body, noise);
  // Small enough to skip the probe: compressed, found not to pay, sent as is.
  const smallNoise = new Uint8Array(randomBytes(4096));
  assert.equal(policy.choose(smallNoise), 'brotli');
  assert.equal(policy.apply(smallNoise).compression, 'none');
});

test('CompressionPolicy: only a ratio at or below maxRatio is sent compressed', () => {
  // Half noise, half zeros: compresses to about 50%.
  const half = new Uint8Array(8192);
  half.set(randomBytes(4096));
  assert.equal(
    new CompressionPolicy({ algorithm: 'gzip', maxRatio: 0.4, sampleBytes: 0 }).apply(half).compression,
    'none',
  );
  const taken = new CompressionPolicy({ algorithm: 'gzip', maxRatio: 0.6, sampleBytes: 0 }).apply(half);
  assert.equal(taken.compression, 'gzip');
  assert.ok(taken.body.length <= half.length * 0.6);
  assert.deepEqual(decompressMessage('gzip', taken.body), half);
});

test('CompressionPolicy: per-algorithm levels, peer acceptance, and option validation', () => {
  const data = new MsgpackEncoder().encode(
    Array.from({ length: 500 }, (_, i) => ({ id: i, name: `user ${i}`, ok: true })),
  );
  const fast = new CompressionPolicy({ algorithm: 'brotli', levels: { brotli: 0 } }).apply(data);
  const best = new CompressionPolicy({ algorithm: 'brotli', levels: { brotli: 11 } }).apply(data);
  assert.equal(fast.compression, 'brotli');
  assert.ok(
    best.body.length < fast.body.length,
    `level 11 ${best.body.length} < level 0 ${fast.body.length}`,
  );
  assert.equal(
    new CompressionPolicy({ algorithm: 'brotli', fallback: 'none' }).apply(data, ['none', 'gzip'])
      .compression,
    'none',
  );
  assert.throws(() => new CompressionPolicy({ levels: { gzip: 10 } }), RangeError);
  assert.throws(() => new CompressionPolicy({ maxRatio: 0 }), RangeError);
  assert.throws(() => new CompressionPolicy({ minBytes: -1 }), RangeError);
});
