import * as zlib from 'node:zlib';

/**
 * The compression algorithms a frame can carry, with the number written in the frame header's flags.
 * The numbers are wire format: never renumber, only add.
 *
 * @example
 * const id = COMPRESSION_IDS.brotli; // 3, the value in the header's compression bits
 */
export const COMPRESSION_IDS = { none: 0, gzip: 1, deflate: 2, brotli: 3, zstd: 4 } as const;

/** A compression algorithm by name; `'none'` means the payload is sent as is. */
export type CompressionName = keyof typeof COMPRESSION_IDS;

/** Every algorithm name, in id order. */
export const COMPRESSION_NAMES: readonly CompressionName[] = ['none', 'gzip', 'deflate', 'brotli', 'zstd'];

/** The algorithm a header id stands for, or undefined for an id no version defines. */
export function compressionById(id: number): CompressionName | undefined {
  return COMPRESSION_NAMES[id];
}

// zstd arrived in node:zlib in Node 22.15 / 23.8. We look it up at run time so one build serves both,
// and so the type checker (which sees Node 20's types) does not reject the names.
interface ZstdFunctions {
  compress(data: Uint8Array, options: object): Buffer;
  decompress(data: Uint8Array, options: object): Buffer;
  levelParam: number;
}

const zstd: ZstdFunctions | undefined = (() => {
  const z = zlib as unknown as Record<string, unknown>;
  const compress = z.zstdCompressSync;
  const decompress = z.zstdDecompressSync;
  const constants = zlib.constants as unknown as Record<string, number>;
  if (typeof compress !== 'function' || typeof decompress !== 'function') return undefined;
  return {
    compress: compress as ZstdFunctions['compress'],
    decompress: decompress as ZstdFunctions['decompress'],
    levelParam: constants.ZSTD_c_compressionLevel ?? 100,
  };
})();

/** The zstd functions of this Node, or undefined before Node 22.15 / 23.8. */
export function zstdFunctions(): ZstdFunctions | undefined {
  return zstd;
}

/**
 * Whether this Node can compress and decompress with `name`. gzip, deflate and brotli always can;
 * zstd only from Node 22.15 / 23.8.
 *
 * @example
 * const preferred = isCompressionAvailable('zstd') ? 'zstd' : 'gzip';
 */
export function isCompressionAvailable(name: CompressionName): boolean {
  return name !== 'zstd' || zstd !== undefined;
}

/**
 * The algorithms this process can use, `'none'` first. A peer announces this list in the handshake.
 *
 * @example
 * availableCompressions(); // ['none', 'gzip', 'deflate', 'brotli'] on Node 20
 */
export function availableCompressions(): CompressionName[] {
  return COMPRESSION_NAMES.filter(isCompressionAvailable);
}

/**
 * The level range of each algorithm and the level used when none is configured. The defaults come from
 * `wirestack codec analyze` (see BENCHMARKS.md): the fastest levels save nearly as many bytes as the
 * middle ones on message-sized payloads at a fraction of the CPU.
 */
export const COMPRESSION_LEVELS: Readonly<
  Record<Exclude<CompressionName, 'none'>, { min: number; max: number; default: number }>
> = {
  gzip: { min: 1, max: 9, default: 1 },
  deflate: { min: 1, max: 9, default: 1 },
  brotli: { min: 0, max: 11, default: 1 },
  zstd: { min: 1, max: 19, default: 1 },
};
