// Runs the real protoc as the reference implementation for the cross-checks in protoc.test.ts.
import { spawnSync } from 'node:child_process';

export const FIXTURES = 'test/protobuf/fixtures';

function run(args: string[], input: Uint8Array | string): Buffer {
  const r = spawnSync('protoc', [`-I${FIXTURES}`, ...args], { input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`protoc ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Text format in, binary out: `protoc --encode`. */
export function protocEncode(file: string, type: string, text: string): Uint8Array {
  return new Uint8Array(run([`--encode=${type}`, file], text));
}

/** Binary in, text format out: `protoc --decode`. */
export function protocDecode(file: string, type: string, bytes: Uint8Array): string {
  return run([`--decode=${type}`, file], bytes).toString('utf8');
}

/** Binary in, `field: value` lines out, no schema: `protoc --decode_raw`. */
export function protocDecodeRaw(bytes: Uint8Array): string {
  return run(['--decode_raw'], bytes).toString('utf8');
}

/** Turns null-prototype objects into plain ones (recursively) so assert.deepEqual compares only content. */
export function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, plain(x)]));
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string | symbol, unknown> = {};
    for (const k of Reflect.ownKeys(v)) out[k] = plain((v as Record<string | symbol, unknown>)[k]);
    return out;
  }
  return v;
}
