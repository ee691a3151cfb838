// Decompression bombs for every algorithm: small inputs that inflate to 1 GiB of zeros. Built without ever
// holding 1 GiB: deflate-family bombs repeat a flushed segment, brotli's is streamed from a zero chunk.
import * as zlib from 'node:zlib';

export const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

/**
 * gzip: deflate's best ratio is about 1032:1, so 1 GiB needs about 1 MiB whatever the trick; here, 1024
 * gzip members of 1 MiB of zeros each, concatenated (a valid multi-member gzip file).
 */
export function gzipBomb(): Uint8Array {
  const member = zlib.gzipSync(Buffer.alloc(MIB), { level: 9 });
  return Buffer.concat(Array.from({ length: GIB / MIB }, () => member));
}

/**
 * zlib-wrapped deflate: a raw segment compressing 1 MiB of zeros that ends in a full flush (byte-aligned,
 * no history needed), repeated 1024 times, then an empty final block and the Adler-32 of 1 GiB of zeros.
 */
export function deflateBomb(): Uint8Array {
  const segment = zlib.deflateRawSync(Buffer.alloc(MIB), {
    level: 9,
    finishFlush: zlib.constants.Z_FULL_FLUSH,
  });
  const adler = Buffer.alloc(4);
  adler.writeUInt16BE(GIB % 65521, 0); // b = n mod 65521 for n zero bytes
  adler.writeUInt16BE(1, 2); // a = 1 + sum of bytes = 1
  return Buffer.concat([
    Buffer.from([0x78, 0xda]),
    ...Array.from({ length: GIB / MIB }, () => segment),
    Buffer.from([0x03, 0x00]), // final block, fixed Huffman, end-of-block only
    adler,
  ]);
}

/** brotli: 1 GiB of zeros streamed through the compressor in 16 MiB chunks; well under 10 KiB. */
export async function brotliBomb(): Promise<Uint8Array> {
  const c = zlib.createBrotliCompress({
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 },
  });
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((resolve, reject) => {
    c.on('end', resolve);
    c.on('error', reject);
  });
  const chunk = Buffer.alloc(16 * MIB);
  for (let i = 0; i < GIB / (16 * MIB); i++) {
    if (!c.write(chunk)) await new Promise((r) => c.once('drain', r));
  }
  c.end();
  await done;
  return Buffer.concat(parts);
}

/** zstd (Node 22.15+): a zero-filled 1 GiB frame built by streaming, or undefined where zstd is absent. */
export async function zstdBomb(): Promise<Uint8Array | undefined> {
  const create = (zlib as unknown as Record<string, unknown>).createZstdCompress as
    | (() => zlib.Gzip)
    | undefined;
  if (typeof create !== 'function') return undefined;
  const c = create();
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((resolve, reject) => {
    c.on('end', resolve);
    c.on('error', reject);
  });
  const chunk = Buffer.alloc(16 * MIB);
  for (let i = 0; i < GIB / (16 * MIB); i++) {
    if (!c.write(chunk)) await new Promise((r) => c.once('drain', r));
  }
  c.end();
  await done;
  return Buffer.concat(parts);
}
