import { GrpcError } from './errors.js';
import { GrpcStatus } from './status.js';

/** Milliseconds per `grpc-timeout` unit (PROTOCOL-HTTP2: H, M, S, m, u, n). */
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The largest timeout we honour: about 100 days, far beyond any real deadline and far below timer limits. */
export const MAX_TIMEOUT_MS = 100 * 24 * 3_600_000;

/**
 * Parse `grpc-timeout` (at most 8 digits and a unit) into milliseconds, rounded up so a deadline
 * never fires early. A malformed value is an INTERNAL error, as grpc-go answers; "99999999H" is
 * clamped to MAX_TIMEOUT_MS instead of overflowing into an instant expiry.
 *
 * @example
 * parseGrpcTimeout('250m') // 250
 */
export function parseGrpcTimeout(value: string): number {
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!m) throw new GrpcError(GrpcStatus.INTERNAL, `malformed grpc-timeout: ${JSON.stringify(value)}`);
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return Math.min(MAX_TIMEOUT_MS, Math.ceil(ms));
}

/** Format milliseconds as `grpc-timeout`, in the finest unit that fits in 8 digits. */
export function formatGrpcTimeout(ms: number): string {
  const v = Math.max(0, ms);
  for (const [unit, size] of [
    ['u', 0.001],
    ['m', 1],
    ['S', 1000],
    ['M', 60_000],
    ['H', 3_600_000],
  ] as const) {
    const n = Math.ceil(v / size);
    if (n <= 99_999_999) return `${n}${unit}`;
  }
  return '99999999H';
}
