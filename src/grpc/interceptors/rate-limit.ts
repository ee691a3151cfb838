import { GrpcError } from '../errors.js';
import { Metadata } from '../metadata.js';
import type { CallIdentity } from '../server-call.js';
import { GrpcStatus } from '../status.js';
import {
  CallSlot,
  type InterceptedServerCall,
  MethodPattern,
  type ServerInterceptor,
} from './server-interceptor.js';
import { type Clock, DEFAULT_BUCKET_IDLE_MS, DEFAULT_MAX_BUCKETS, TokenBucketMap } from './token-bucket.js';

/**
 * What gets a bucket of its own: `identity` one per verified caller (its subject; callers without
 * one are keyed by their IP address), `peer` one per client IP address (not port: a client would
 * get a fresh bucket with each connection), `method` one per rpc. Several parts combine:
 * `['identity', 'method']` is one bucket per caller per rpc.
 */
export type RateLimitKeyPart = 'identity' | 'peer' | 'method';

/** One named limit: a token bucket per key, for the methods it covers. */
export interface RateLimit {
  /** Named in the status message, so a refused client (and its logs) know which limit it hit. */
  name: string;
  by: readonly RateLimitKeyPart[];
  /** Sustained rate, tokens per second. */
  ratePerSecond: number;
  /** Bucket size: how many tokens can be spent at once after a quiet spell. Default ratePerSecond. */
  burst?: number;
  /** Methods it applies to: `/pkg.Service/Method`, `/pkg.Service/*`, `*`. Default every method. */
  methods?: readonly string[];
}

export interface RateLimitOptions {
  limits: readonly RateLimit[];
  /** Buckets each limit keeps at most (memory bound); the least recently checked go first. Default 10 000. */
  maxBucketsPerLimit?: number;
  /** A bucket unused this long is forgotten (never before it would be full again). Default 60 000 ms. */
  idleBucketMs?: number;
  /** Tokens a call costs when it starts. Default 1. */
  callCost?: number;
  /** Tokens each request message of a client-streaming or bidi call costs. Default 1. */
  requestMessageCost?: number;
  /** Tokens each response message of a server-streaming or bidi call costs. Default 0. */
  responseMessageCost?: number;
  /**
   * Trailer that tells a refused client how many milliseconds to wait. Default
   * `grpc-retry-pushback-ms`, the key gRPC's retry design (A6) has clients honour.
   */
  retryHintKey?: string;
  /** Milliseconds, monotonic (tests inject one). Default performance.now. */
  now?: Clock;
}

export const DEFAULT_RETRY_HINT_KEY = 'grpc-retry-pushback-ms';

interface LimitState {
  limit: RateLimit;
  buckets: TokenBucketMap;
  pattern: MethodPattern | undefined;
}

/** The limits of one method, with each call's bucket keys kept for its stream messages. */
interface Applied {
  states: LimitState[];
  keys: string[];
}

/**
 * Token-bucket rate limiting (rateLimitInterceptor's engine), usable on its own: `limiter.size`
 * and `limiter.buckets(name)` for tests and metrics.
 */
export class RateLimiter {
  private readonly states: LimitState[];
  private readonly byPath = new Map<string, LimitState[]>();
  private readonly now: Clock;

  constructor(limits: readonly RateLimit[], options: Omit<RateLimitOptions, 'limits'> = {}) {
    const names = new Set<string>();
    const now = options.now ?? (() => performance.now());
    this.now = now;
    this.states = limits.map((limit) => {
      if (names.has(limit.name))
        throw new RangeError(`two rate limits are named ${JSON.stringify(limit.name)}`);
      names.add(limit.name);
      if (limit.by.length === 0)
        throw new RangeError(`rate limit ${limit.name}: by must name at least one key part`);
      return {
        limit,
        buckets: new TokenBucketMap({
          ratePerSecond: limit.ratePerSecond,
          burst: limit.burst,
          maxBuckets: options.maxBucketsPerLimit ?? DEFAULT_MAX_BUCKETS,
          idleMs: options.idleBucketMs ?? DEFAULT_BUCKET_IDLE_MS,
          now,
        }),
        pattern: limit.methods ? new MethodPattern(limit.methods) : undefined,
      };
    });
  }

  /** The buckets of the limit named `name`. */
  buckets(name: string): TokenBucketMap {
    const s = this.states.find((x) => x.limit.name === name);
    if (!s) throw new RangeError(`no rate limit named ${JSON.stringify(name)}`);
    return s.buckets;
  }

  /** The limits that apply to `path` (computed once per method). */
  limitsFor(path: string): LimitState[] {
    let found = this.byPath.get(path);
    if (found === undefined) {
      found = this.states.filter((s) => s.pattern === undefined || s.pattern.matches(path));
      this.byPath.set(path, found);
    }
    return found;
  }

  /**
   * Takes `cost` from every bucket in `keys` (one per limit), or from none: the first limit that
   * refuses gives back what the others took and is returned with its wait.
   */
  take(
    states: readonly LimitState[],
    keys: readonly string[],
    cost: number,
    now = this.now(),
  ): { state: LimitState; waitMs: number } | undefined {
    for (let i = 0; i < states.length; i++) {
      const waitMs = states[i].buckets.take(keys[i], cost, now);
      if (waitMs > 0) {
        for (let j = 0; j < i; j++) states[j].buckets.refund(keys[j], cost);
        return { state: states[i], waitMs };
      }
    }
    return undefined;
  }
}

const APPLIED = new CallSlot<Applied>('rate-limit');
/** Bucket keys of identity objects (a static token's identity is one object for all its calls). */
const identityKeys = new WeakMap<CallIdentity, string>();

/** A call's bucket key for one limit. */
function keyOf(by: readonly RateLimitKeyPart[], call: InterceptedServerCall): string {
  if (by.length === 1) return keyPart(by[0], call);
  let key = keyPart(by[0], call);
  for (let i = 1; i < by.length; i++) key += `\n${keyPart(by[i], call)}`;
  return key;
}

function keyPart(part: RateLimitKeyPart, call: InterceptedServerCall): string {
  switch (part) {
    case 'method':
      return call.method.path;
    case 'peer':
      return `ip:${call.peerAddress?.host ?? 'unknown'}`;
    case 'identity': {
      const id = call.identity;
      if (id === undefined) return `ip:${call.peerAddress?.host ?? 'unknown'}`;
      let key = identityKeys.get(id);
      if (key === undefined) {
        key = `id:${id.subject}`;
        identityKeys.set(id, key);
      }
      return key;
    }
  }
}

/**
 * Rate limiting with named token-bucket limits, per caller, per client address and/or per method.
 * A call takes `callCost` tokens when it starts; stream messages take more as they pass (so a
 * stream cannot carry unlimited traffic under one call's token). A refused call or message ends
 * the call with RESOURCE_EXHAUSTED, naming the limit, with a trailer (`grpc-retry-pushback-ms` by
 * default) saying how many milliseconds until it would pass. Place it after the auth interceptor
 * so `identity` limits see the verified caller.
 *
 * @example
 * const server = new GrpcServer({
 *   interceptors: [
 *     authInterceptor({ verifier }),
 *     rateLimitInterceptor({
 *       limits: [
 *         { name: 'per-caller', by: ['identity'], ratePerSecond: 50, burst: 100 },
 *         { name: 'search', by: ['method'], ratePerSecond: 200, methods: ['/shop.Catalog/Search'] },
 *       ],
 *     }),
 *   ],
 * });
 */
export function rateLimitInterceptor(
  options: RateLimitOptions,
): ServerInterceptor & { limiter: RateLimiter } {
  const limiter = new RateLimiter(options.limits, options);
  // On the default clock a call's start time is "now" for its own admission: no second clock read.
  const startIsNow = options.now === undefined;
  const callCost = nonNegative(options.callCost ?? 1, 'callCost');
  const requestCost = nonNegative(options.requestMessageCost ?? 1, 'requestMessageCost');
  const responseCost = nonNegative(options.responseMessageCost ?? 0, 'responseMessageCost');
  const hintKey = options.retryHintKey ?? DEFAULT_RETRY_HINT_KEY;
  new Metadata().set(hintKey, '0'); // an invalid key fails here, not on the first refusal

  const refuse = (
    refused: { state: LimitState; waitMs: number },
    call: InterceptedServerCall,
    what: string,
  ): GrpcError => {
    const waitMs = Number.isFinite(refused.waitMs) ? Math.ceil(refused.waitMs) : -1;
    const { limit } = refused.state;
    const trailer = new Metadata();
    // A negative pushback tells an A6 client not to retry: the cost is over the burst, it never fits.
    trailer.set(hintKey, String(waitMs));
    return new GrpcError(
      GrpcStatus.RESOURCE_EXHAUSTED,
      `rate limit ${limit.name} (${limit.ratePerSecond}/s, burst ${refused.state.buckets.burst}) exceeded by ${what} ` +
        `on ${call.method.path}; ${waitMs >= 0 ? `retry in ${waitMs} ms` : 'it can never pass'}`,
      trailer,
    );
  };

  const perMessage = (cost: number, what: string) => (message: unknown, call: InterceptedServerCall) => {
    const applied = APPLIED.get(call);
    if (applied === undefined || cost === 0) return message;
    const refused = limiter.take(applied.states, applied.keys, cost);
    if (refused) throw refuse(refused, call, what);
    return message;
  };
  const onRequest = perMessage(requestCost, 'a request message');
  const onResponse = perMessage(responseCost, 'a response message');

  return {
    name: 'rate-limit',
    limiter,
    before(call) {
      const states = limiter.limitsFor(call.method.path);
      if (states.length === 0) return;
      const keys = states.map((s) => keyOf(s.limit.by, call));
      if (callCost > 0) {
        const refused = limiter.take(states, keys, callCost, startIsNow ? call.startedAt : undefined);
        if (refused) throw refuse(refused, call, 'a call');
      }
      const m = call.method;
      if ((m.clientStreaming && requestCost > 0) || (m.serverStreaming && responseCost > 0)) {
        APPLIED.set(call, { states, keys });
      }
    },
    onRequest(message, call) {
      return call.method.clientStreaming ? onRequest(message, call) : message;
    },
    onResponse(message, call) {
      return call.method.serverStreaming ? onResponse(message, call) : message;
    },
  };
}

function nonNegative(n: number, name: string): number {
  if (!(n >= 0) || !Number.isFinite(n)) throw new RangeError(`${name} must be a number >= 0, got ${n}`);
  return n;
}
