// Shared by the framing tests: ways to cut one byte stream into chunks, and a feeder that behaves
// like a socket reader (one read buffer, overwritten after every read).
import fc from 'fast-check';
import { DecodeError } from '../../src/buf/errors.js';
import { NEED_MORE } from '../../src/framing/need-more.js';

export interface StreamDecoder<T> {
  push(chunk: Uint8Array): unknown;
  read(): T | typeof NEED_MORE;
}

export interface Outcome<T> {
  values: T[];
  /** `typed` is false for anything but a DecodeError: a bug, whatever the input. */
  error?: { typed: boolean; name: string; code: string; message: string; offset: number };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Cuts `bytes` at the given offsets (sorted, deduplicated, clamped). */
export function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => Math.max(0, Math.min(bytes.length, p))))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...sorted, bytes.length]) {
    if (p > prev) chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

/** One chunk; one byte at a time; and the two halves of every split point (for short inputs). */
export function standardChunkings(bytes: Uint8Array, everySplitUpTo = 400): Uint8Array[][] {
  const out: Uint8Array[][] = [
    [bytes],
    cut(
      bytes,
      Array.from(bytes, (_, i) => i),
    ),
  ];
  if (bytes.length <= everySplitUpTo) for (let i = 1; i < bytes.length; i++) out.push(cut(bytes, [i]));
  return out;
}

/** Arbitrary cut points for a stream of `length` bytes. */
export const cutPoints = (length: number) =>
  fc.array(fc.integer({ min: 0, max: Math.max(0, length) }), { maxLength: 24 });

/**
 * Feeds chunks the way a socket loop would: each chunk is copied into one reused read buffer, the
 * decoder drained to NEED_MORE, and the read buffer scribbled over before the next read. Values are
 * cloned right after they are read (they may be views that expire at the next push).
 */
export function feed<T>(decoder: StreamDecoder<T>, chunks: Uint8Array[], clone: (v: T) => T): Outcome<T> {
  const readBuffer = new Uint8Array(Math.max(1, ...chunks.map((c) => c.length)));
  const values: T[] = [];
  try {
    for (const chunk of chunks) {
      readBuffer.set(chunk);
      decoder.push(readBuffer.subarray(0, chunk.length));
      for (let v = decoder.read(); v !== NEED_MORE; v = decoder.read()) values.push(clone(v));
      readBuffer.fill(0xee);
    }
    return { values };
  } catch (e) {
    const err = e as { name: string; code: string; message: string; offset: number };
    return {
      values,
      error: {
        typed: e instanceof DecodeError,
        name: err.name,
        code: err.code,
        message: err.message,
        offset: err.offset,
      },
    };
  }
}

export const copyBytes = (b: Uint8Array): Uint8Array => b.slice();
