import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = 'src';
const files: string[] = [];
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.ts')) files.push(p);
  }
};
walk(SRC);

const importsOf = (text: string) =>
  [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map(
    (m) => m[1],
  );

test('no library source imports a Node networking module (benchmark baselines may)', () => {
  const forbidden = /^(node:)?(net|http|https|http2|tls|dgram)$/;
  const offenders: string[] = [];
  for (const f of files) {
    if (relative(SRC, f).startsWith(join('bench', 'baselines'))) continue;
    for (const spec of importsOf(readFileSync(f, 'utf8')))
      if (forbidden.test(spec)) offenders.push(`${f}: ${spec}`);
  }
  assert.deepEqual(offenders, []);
});

test('the forbidden-import check sees every import form', () => {
  const sample = `import net from 'node:net';\nconst h = require("http");\nawait import('tls');\nimport 'dgram';`;
  assert.deepEqual(importsOf(sample), ['node:net', 'http', 'tls', 'dgram']);
});

// Layers, bottom to top. A layer may import only from itself and layers below it.
const LAYERS = [
  'buf',
  'sys',
  'loop',
  'tcp',
  'framing',
  'codec',
  'protobuf',
  'hpack',
  'http2',
  'http1',
  'drivers',
  'grpc',
  'bench',
  'cli',
];
const SANS_IO = new Set(['framing', 'codec', 'protobuf', 'hpack', 'http2', 'http1']);

test('dependencies point down the layer map; protocol cores stay sans-IO', () => {
  const problems: string[] = [];
  for (const f of files) {
    const layer = relative(SRC, f).split('/')[0];
    const rank = LAYERS.indexOf(layer);
    if (rank < 0) {
      problems.push(`${f}: folder ${layer} is not in the layer map`);
      continue;
    }
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, join(f, '..', spec)).split('/')[0];
      const targetRank = LAYERS.indexOf(target);
      if (targetRank > rank) problems.push(`${f} imports up from ${layer} into ${target}`);
      if (SANS_IO.has(layer) && ['sys', 'loop', 'tcp'].includes(target) && target !== layer) {
        problems.push(`${f}: protocol core ${layer} imports I/O layer ${target}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
