import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { GrpcError } from './errors.js';
import { GrpcStatus } from './status.js';

/** Message encodings we speak, in `grpc-accept-encoding` order. */
export const SUPPORTED_ENCODINGS = ['identity', 'gzip', 'deflate'] as const;
export type GrpcEncoding = (typeof SUPPORTED_ENCODINGS)[number];

export function isSupportedEncoding(name: string): name is GrpcEncoding {
  return (SUPPORTED_ENCODINGS as readonly string[]).includes(name);
}

export function compressMessage(encoding: GrpcEncoding, payload: Uint8Array): Uint8Array {
  if (encoding === 'gzip') return gzipSync(payload);
  if (encoding === 'deflate') return deflateSync(payload);
  return payload;
}

/**
 * Decompress one message, producing at most `maxBytes`: zlib stops at the cap, so a small bomb
 * never inflates into memory (grpc-go reads limit+1 bytes for the same reason). Over the cap is
 * RESOURCE_EXHAUSTED; corrupt data is INTERNAL.
 */
export function decompressMessage(encoding: GrpcEncoding, payload: Uint8Array, maxBytes: number): Uint8Array {
  if (encoding === 'identity') return payload;
  const inflate = encoding === 'gzip' ? gunzipSync : inflateSync;
  try {
    return inflate(payload, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (
      code === 'ERR_BUFFER_TOO_LARGE' ||
      (err instanceof RangeError && /maxOutputLength|too large/i.test(err.message))
    ) {
      throw new GrpcError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `grpc: received message after decompression larger than max (${maxBytes})`,
      );
    }
    throw new GrpcError(
      GrpcStatus.INTERNAL,
      `grpc: failed to decompress the message: ${(err as Error).message}`,
    );
  }
}
