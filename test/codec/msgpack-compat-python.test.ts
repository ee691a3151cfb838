// Wire compatibility with Python's msgpack (Debian python3-msgpack), both directions, in one spawn of
// /usr/bin/python3: it decodes our bytes and re-encodes them, and it generates a corpus of its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { MsgpackDecoder } from '../../src/codec/msgpack-decoder.js';
import { MsgpackEncoder } from '../../src/codec/msgpack-encoder.js';
import { MsgpackExt } from '../../src/codec/msgpack-ext.js';
import { MsgpackRecord } from '../../src/codec/msgpack-record.js';
import { MsgpackTimestamp } from '../../src/codec/msgpack-timestamp.js';
import { commonScalars, fromHex, hex, hostileKeys, wideBigInts } from './msgpack-values.js';

const PYTHON = '/usr/bin/python3';

// Python side: values are described as tagged JSON so both sides compare exactly (floats as the
// hex of their IEEE 754 bytes, integers as decimal strings).
const SCRIPT = `
import json, random, struct, sys
import msgpack

def tag(v):
    if v is None: return ['nil']
    if isinstance(v, bool): return ['bool', v]
    if isinstance(v, int): return ['int', str(v)]
    if isinstance(v, float): return ['float', struct.pack('>d', v).hex()]
    if isinstance(v, str): return ['str', v]
    if isinstance(v, bytes): return ['bin', v.hex()]
    if isinstance(v, list): return ['array', [tag(x) for x in v]]
    if isinstance(v, dict): return ['map', [[tag(k), tag(x)] for k, x in v.items()]]
    if isinstance(v, msgpack.Timestamp): return ['ts', str(v.seconds), v.nanoseconds]
    if isinstance(v, msgpack.ExtType): return ['ext', v.code, v.data.hex()]
    raise TypeError(type(v))

def unpack(b):
    return msgpack.unpackb(b, raw=False, strict_map_key=False, timestamp=0)

def pack(v):
    return msgpack.packb(v, use_bin_type=True)

def rand_str(rng):
    alphabet = 'abcxyz_-  AZ09' + 'éüß' + 'Ωж' + '€中文' + '😀🎉'
    return ''.join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 31, 32, 40, 300])))

def rand_int(rng):
    edges = [0, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53 - 1, 2**53, 2**63, 2**64 - 1,
             -1, -32, -33, -128, -129, -32768, -32769, -2**31, -2**31 - 1, -2**53 + 1, -2**53, -2**63]
    if rng.random() < 0.5: return rng.choice(edges)
    return rng.randint(-2**63, 2**64 - 1) >> rng.randint(0, 63)

def rand_float(rng):
    v = rng.choice([float('nan'), float('inf'), float('-inf'), -0.0, 1e300, 5e-324,
                    rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-20, 20)])
    # An integral float below 2^53 is an integer in JavaScript and would be re-encoded as one.
    if v == v and abs(v) != float('inf') and v.is_integer() and abs(v) < 2**53 and str(v) != '-0.0': v = 0.5
    return v

def rand_key(rng):
    # Not integer-like: JavaScript objects list such keys first, which would reorder the map.
    return 'k' + rand_str(rng)[:12]

def gen(rng, depth):
    kinds = ['nil', 'bool', 'int', 'float', 'str', 'bin', 'ts', 'ext']
    if depth < 3: kinds += ['array', 'map', 'intmap']
    k = rng.choice(kinds)
    if k == 'nil': return None
    if k == 'bool': return rng.random() < 0.5
    if k == 'int': return rand_int(rng)
    if k == 'float': return rand_float(rng)
    if k == 'str': return rand_str(rng)
    if k == 'bin': return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 255, 256, 70000])))
    if k == 'ts':
        sec = rng.choice([0, 2**32 - 1, 2**32, 2**34 - 1, 2**34, -1, rng.randint(-2**63, 2**63 - 1), rng.randint(0, 2**34)])
        return msgpack.Timestamp(sec, rng.choice([0, 1, 999999999, rng.randint(0, 999999999)]))
    if k == 'ext':
        return msgpack.ExtType(rng.randint(0, 127), bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 2, 3, 4, 8, 16, 17, 300]))))
    if k == 'array': return [gen(rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 15, 16]))]
    if k == 'map': return {rand_key(rng): gen(rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 15, 16]))}
    return {rng.randint(-1000, 1000): gen(rng, depth + 1) for _ in range(rng.choice([1, 3]))}

req = json.load(sys.stdin)
out = {'decoded': [], 'generated': []}
for h in req['decode']:
    try:
        v = unpack(bytes.fromhex(h))
        out['decoded'].append({'tag': tag(v), 'hex': pack(v).hex()})
    except Exception as e:
        out['decoded'].append({'error': repr(e)})
rng = random.Random(req['seed'])
for _ in range(req['count']):
    v = gen(rng, 0)
    out['generated'].append({'tag': tag(v), 'hex': pack(v).hex()})
json.dump(out, sys.stdout)
`;

type Tag = [string, ...unknown[]];
interface PythonResult {
  decoded: { tag?: Tag; hex?: string; error?: string }[];
  generated: { tag: Tag; hex: string }[];
}

/** Byte equality with a short message: where the two encodings first differ. */
function assertSameHex(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  const at = i - (i % 2);
  assert.fail(
    `${what}: encodings differ at byte ${at / 2} (lengths ${actual.length / 2} vs ${expected.length / 2}): ` +
      `…${actual.slice(Math.max(0, at - 20), at + 40)} vs …${expected.slice(Math.max(0, at - 20), at + 40)}`,
  );
}

function runPython(decodeHex: string[], seed: number, count: number): PythonResult {
  const probe = spawnSync(PYTHON, ['-c', 'import msgpack'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    assert.fail(
      `Python's msgpack is missing: ${PYTHON} -c 'import msgpack' failed (${probe.error?.message ?? probe.stderr.trim()}). ` +
        'Install it with: apt-get install python3-msgpack',
    );
  }
  const r = spawnSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify({ decode: decodeHex, seed, count }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PythonResult;
}

/** The value our decoder (timestamp: 'object') gives for a Python value described by `tag`. */
function fromTag(t: Tag): unknown {
  const [kind, a, b] = t;
  switch (kind) {
    case 'nil':
      return null;
    case 'bool':
    case 'str':
      return a;
    case 'int': {
      const n = BigInt(a as string);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float':
      return new DataView(fromHex(a as string).buffer).getFloat64(0);
    case 'bin':
      return fromHex(a as string);
    case 'array':
      return (a as Tag[]).map(fromTag);
    case 'map': {
      const entries = (a as [Tag, Tag][]).map(([k, v]) => [fromTag(k), fromTag(v)] as const);
      if (entries.every(([k]) => typeof k === 'string')) {
        const record = new MsgpackRecord();
        for (const [k, v] of entries) {
          Object.defineProperty(record, k as string, {
            value: v,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        }
        return record;
      }
      return new Map(entries);
    }
    case 'ts': {
      const sec = BigInt(a as string);
      return new MsgpackTimestamp(Number.isSafeInteger(Number(sec)) ? Number(sec) : sec, b as number);
    }
    case 'ext':
      return new MsgpackExt(a as number, fromHex(b as string));
    default:
      throw new Error(`unknown tag ${kind}`);
  }
}

// Everything Python can hold: no booleans as map keys (Python's True == 1), ext types 0..127.
const pythonValues = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    commonScalars,
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, undefined),
    wideBigInts,
    fc
      .integer({ min: 0, max: 127 })
      .chain((type) => fc.uint8Array({ maxLength: 40 }).map((d) => new MsgpackExt(type, d))),
    fc
      .tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 999_999_999 }))
      .map(([s, ns]) => new MsgpackTimestamp(s, ns)),
    fc.array(tie('value'), { maxLength: 16 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), hostileKeys), tie('value'), { maxKeys: 16 }),
    fc
      .uniqueArray(fc.tuple(fc.integer(), tie('value')), { minLength: 1, maxLength: 6, selector: ([k]) => k })
      .map((entries) => new Map(entries)),
  ),
})).value;

test('Python msgpack: it decodes what we encode, and we decode and re-encode what it encodes, byte for byte', () => {
  const encoder = new MsgpackEncoder();
  const decoder = new MsgpackDecoder({ timestamp: 'object' });
  // A new corpus each run; the seed is in every failure message to replay it.
  const seed = Date.now() % 2 ** 31;
  const ourValues = fc.sample(pythonValues, { numRuns: 400, seed });
  const ourBytes = ourValues.map((v) => encoder.encode(v));
  const result = runPython(ourBytes.map(hex), seed, 400);

  // Direction 1: ours → Python. Python reads the value we meant and writes back the same bytes.
  assert.equal(result.decoded.length, ourBytes.length);
  result.decoded.forEach((r, i) => {
    const what = `seed ${seed}, value #${i}`;
    assert.equal(r.error, undefined, `${what}: python failed: ${r.error}`);
    assert.deepStrictEqual(fromTag(r.tag!), decoder.decode(ourBytes[i]), what);
    assertSameHex(r.hex!, hex(ourBytes[i]), `${what}: python re-encodes differently`);
  });

  // Direction 2: Python → ours. We read Python's value and write the same bytes it wrote.
  assert.equal(result.generated.length, 400);
  for (const [i, g] of result.generated.entries()) {
    const what = `seed ${seed}, python value #${i}`;
    const decoded = decoder.decode(fromHex(g.hex));
    assert.deepStrictEqual(decoded, fromTag(g.tag), what);
    assertSameHex(hex(encoder.encode(decoded)), g.hex, `${what}: we re-encode differently`);
  }
});
