/**
 * Every bound the HTTP/1.1 core enforces on a peer's bytes. Each has a safe default; each has a
 * test named after the attack it stops (test/http1/limits.test.ts).
 */
export interface Http1Limits {
  /** Longest request line (method, target, version, CRLF); past it: 414. Default 8 KiB. */
  maxRequestLineBytes: number;
  /** Most header (and, separately, trailer) fields in one message; past it: 431. Default 100. */
  maxHeaderCount: number;
  /** Total bytes of the header section (and, separately, of the trailers); past it: 431. Default 32 KiB. */
  maxHeaderBytes: number;
  /** Largest request body, announced or chunked; past it: 413. Default 1 MiB. */
  maxBodyBytes: number;
  /** Longest chunk-size line including chunk extensions; past it: 400. Default 4 KiB. */
  maxChunkLineBytes: number;
  /** Empty lines tolerated before a request line (RFC 9112 section 2.2). Default 8. */
  maxLeadingEmptyLines: number;
}

export const DEFAULT_HTTP1_LIMITS: Readonly<Http1Limits> = {
  maxRequestLineBytes: 8 * 1024,
  maxHeaderCount: 100,
  maxHeaderBytes: 32 * 1024,
  maxBodyBytes: 1024 * 1024,
  maxChunkLineBytes: 4 * 1024,
  maxLeadingEmptyLines: 8,
};

/**
 * Defaults filled in, and every value checked to be a whole number >= 0.
 *
 * @example
 * const conn = new Http1Connection(resolveHttp1Limits({ maxBodyBytes: 16 * 1024 * 1024 }));
 */
export function resolveHttp1Limits(partial: Partial<Http1Limits> = {}): Http1Limits {
  const limits = { ...DEFAULT_HTTP1_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${name} must be a whole number >= 0`);
  }
  return limits;
}
