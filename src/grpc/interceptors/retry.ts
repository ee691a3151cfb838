import type { CallStatus } from '../client-call.js';
import { GrpcStatus } from '../status.js';
import {
  type ClientInterceptor,
  DEFAULT_RETRY_BUFFER_BYTES,
  type InterceptedClientCall,
} from './client-interceptor.js';
import { MethodPattern } from './server-interceptor.js';

/** gRPC's retry design (A6) caps attempts at 5; we allow a little more, never unbounded. */
export const MAX_RETRY_ATTEMPTS = 10;
/** The trailer a server sets to say when to come back (A6); negative means "do not retry". */
export const RETRY_PUSHBACK_KEY = 'grpc-retry-pushback-ms';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3, at most 10. */
  maxAttempts?: number;
  /** Wait before the second attempt. Default 100 ms. */
  initialBackoffMs?: number;
  /** Each further wait is this many times longer. Default 2. */
  backoffMultiplier?: number;
  /** No wait is longer. Default 5000 ms. */
  maxBackoffMs?: number;
  /** Random spread of each wait, ± this fraction, so clients that failed together do not return together. Default 0.2. */
  jitter?: number;
  /** Statuses worth another attempt. Default UNAVAILABLE only (the server did not process the call). */
  retryableStatuses?: readonly GrpcStatus[];
  /**
   * Methods safe to send twice, besides those whose .proto says so
   * (`option idempotency_level = IDEMPOTENT`): `/pkg.Service/Method`, `/pkg.Service/*`, `*`.
   */
  idempotentMethods?: readonly string[];
  /** Honour the server's `grpc-retry-pushback-ms` trailer. Default true. */
  honourPushback?: boolean;
  /** Request bytes kept for a retry; a call that sends more is not retried. Default 256 KiB. */
  retryBufferBytes?: number;
  /** A number in [0, 1). Default Math.random (tests pass their own). */
  random?: () => number;
}

/**
 * Retries idempotent calls that fail with a retryable status (UNAVAILABLE by default) before any
 * of the response arrived, with exponential backoff and jitter, within the call's deadline. The
 * server's `grpc-retry-pushback-ms` trailer, when present, replaces the computed wait (a negative
 * one stops retrying). Non-idempotent methods are never retried: the server may have acted on
 * the first attempt. `call.attempts` tells how many attempts a call took.
 *
 * @example
 * const channel = new GrpcChannel('127.0.0.1:50051', {
 *   interceptors: [retryInterceptor({ maxAttempts: 4, idempotentMethods: ['/shop.Catalog/*'] })],
 * });
 */
export function retryInterceptor(options: RetryOptions = {}): ClientInterceptor {
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_RETRY_ATTEMPTS) {
    throw new RangeError(`maxAttempts must be an integer 1..${MAX_RETRY_ATTEMPTS}, got ${maxAttempts}`);
  }
  const initial = positive(options.initialBackoffMs ?? 100, 'initialBackoffMs');
  const multiplier = options.backoffMultiplier ?? 2;
  if (!(multiplier >= 1)) throw new RangeError(`backoffMultiplier must be >= 1, got ${multiplier}`);
  const max = positive(options.maxBackoffMs ?? 5000, 'maxBackoffMs');
  const jitter = options.jitter ?? 0.2;
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);
  const retryable = new Set(options.retryableStatuses ?? [GrpcStatus.UNAVAILABLE]);
  const idempotent = new MethodPattern(options.idempotentMethods ?? []);
  const honourPushback = options.honourPushback ?? true;
  const random = options.random ?? Math.random;
  return {
    name: 'retry',
    retryBufferBytes: options.retryBufferBytes ?? DEFAULT_RETRY_BUFFER_BYTES,
    retryDelay(call: InterceptedClientCall, failure: CallStatus): number | undefined {
      if (call.attempts >= maxAttempts || !retryable.has(failure.code)) return undefined;
      if (!call.method.idempotent && !idempotent.matches(call.method.path)) return undefined;
      if (honourPushback) {
        const pushback = failure.metadata.get(RETRY_PUSHBACK_KEY);
        if (typeof pushback === 'string') {
          // A6: a non-negative integer is the wait; anything else means "do not retry".
          return /^\d{1,9}$/.test(pushback) ? Number(pushback) : undefined;
        }
      }
      const base = Math.min(max, initial * multiplier ** (call.attempts - 1));
      return base * (1 + jitter * (random() * 2 - 1));
    },
  };
}

function positive(n: number, name: string): number {
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`${name} must be a positive number, got ${n}`);
  return n;
}
