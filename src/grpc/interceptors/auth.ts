import { WirestackError } from '../../buf/errors.js';
import { GrpcError } from '../errors.js';
import type { CallIdentity } from '../server-call.js';
import { GrpcStatus } from '../status.js';
import {
  checkMethodTable,
  type InterceptedServerCall,
  lookupByMethod,
  type ServerInterceptor,
} from './server-interceptor.js';

/** Longest bearer token looked at; longer is refused before any parsing. */
export const DEFAULT_MAX_TOKEN_LENGTH = 8 * 1024;

/**
 * A presented token that is not valid (unknown, malformed, badly signed, expired). Verifiers throw
 * it (or a subclass); the auth interceptor turns it into UNAUTHENTICATED. `reason` is a stable
 * code to match on: `unknown-token`, `malformed`, `bad-signature`, `expired`, ...
 */
export class InvalidTokenError extends WirestackError {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('EINVALIDTOKEN', message, options);
    this.reason = reason;
  }
}

/**
 * Checks a bearer token and says who presented it. Throws InvalidTokenError for a bad token (a
 * GrpcError passes through with its own status). May be async (a remote introspection call).
 */
export type TokenVerifier = (
  token: string,
  call: InterceptedServerCall,
) => CallIdentity | PromiseLike<CallIdentity>;

/**
 * A verifier for a fixed set of tokens (service accounts, tests, `grpc serve --auth-token`).
 * Lookup is by the token itself in a hash map: a guessed token costs the same whether or not it
 * shares a prefix with a real one, since it is hashed whole before any comparison.
 *
 * @example
 * const verifier = staticTokenVerifier({ 's3cr3t-ci-token': { subject: 'ci', scopes: ['deploy'] } });
 */
export function staticTokenVerifier(tokens: Readonly<Record<string, CallIdentity>>): TokenVerifier {
  const table = new Map<string, CallIdentity>();
  for (const [token, identity] of Object.entries(tokens)) {
    if (token.length === 0) throw new RangeError('staticTokenVerifier: empty token');
    table.set(token, Object.freeze({ ...identity, scopes: Object.freeze([...identity.scopes]) }));
  }
  return (token) => {
    const identity = table.get(token);
    if (identity === undefined) throw new InvalidTokenError('unknown-token', 'unknown bearer token');
    return identity;
  };
}

/** What a method asks of its caller. */
export interface AuthRule {
  /** No token needed (health checks, reflection, a login call): the call goes through unauthenticated. */
  public?: boolean;
  /** Scopes the caller must all have; a verified caller without them is PERMISSION_DENIED. */
  scopes?: readonly string[];
}

export interface AuthOptions {
  verifier: TokenVerifier;
  /**
   * Rules by method: `/pkg.Service/Method`, `/pkg.Service/*` or `*`; the most specific wins.
   * Methods without a rule use `defaultRule`.
   */
  rules?: Readonly<Record<string, AuthRule>>;
  /** For methods no rule names. Default `{}`: any verified caller. */
  defaultRule?: AuthRule;
  /** Tokens longer than this are refused unread. Default 8 KiB. */
  maxTokenLength?: number;
}

const BEARER_SCHEME = /^bearer +/i;
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * The token of `Bearer <token>` (the scheme is case-insensitive, RFC 7235), or undefined. Tests
 * instead of a capturing match: this runs on every call. Metadata values arrive trimmed.
 */
function bearerToken(header: string): string | undefined {
  if (!BEARER_SCHEME.test(header)) return undefined;
  let i = 7;
  while (header.charCodeAt(i) === 0x20) i++;
  const token = header.slice(i);
  return TOKEN_CHARS.test(token) ? token : undefined;
}

/**
 * Bearer-token authentication and per-method authorization. The token comes from the
 * `authorization` metadata (`Bearer <token>`); the verifier says who it is. No token, or one the
 * verifier rejects: UNAUTHENTICATED. A verified caller lacking a scope the method's rule asks
 * for: PERMISSION_DENIED. The identity reaches the handler as `call.identity`.
 *
 * @example
 * const server = new GrpcServer({
 *   interceptors: [
 *     authInterceptor({
 *       verifier: jwtHs256Verifier({ secret: process.env.JWT_SECRET!, issuer: 'https://auth.example' }),
 *       rules: {
 *         '/grpc.health.v1.Health/*': { public: true },
 *         '/shop.Orders/*': { scopes: ['orders:read'] },
 *         '/shop.Orders/Cancel': { scopes: ['orders:write'] },
 *       },
 *     }),
 *   ],
 * });
 * // in a handler: call.identity?.subject
 */
export function authInterceptor(options: AuthOptions): ServerInterceptor {
  const rules = options.rules ?? {};
  checkMethodTable(rules, 'authInterceptor rules');
  const defaultRule = options.defaultRule ?? {};
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  const verifier = options.verifier;
  const ruleByPath = new Map<string, AuthRule>();
  const ruleFor = (path: string): AuthRule => {
    let rule = ruleByPath.get(path);
    if (rule === undefined) {
      rule = lookupByMethod(rules, path) ?? defaultRule;
      ruleByPath.set(path, rule);
    }
    return rule;
  };

  const authorize = (identity: CallIdentity, rule: AuthRule, call: InterceptedServerCall): void => {
    if (typeof identity?.subject !== 'string') {
      throw new GrpcError(GrpcStatus.INTERNAL, 'the token verifier returned no identity');
    }
    const needed = rule.scopes;
    if (needed !== undefined) {
      for (const scope of needed) {
        if (!identity.scopes.includes(scope)) {
          throw new GrpcError(
            GrpcStatus.PERMISSION_DENIED,
            `${call.method.path} needs scope ${needed.join(' ')}; ${identity.subject} has ${identity.scopes.join(' ') || 'none'}`,
          );
        }
      }
    }
    call.identity = identity;
  };

  return {
    name: 'auth',
    before(call) {
      const rule = ruleFor(call.method.path);
      if (rule.public) return;
      const n = call.metadata.count('authorization');
      if (n === 0) {
        throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'missing bearer token (authorization metadata)');
      }
      // Two credentials are ambiguous (a proxy may check one and a backend the other): refuse both.
      if (n > 1) {
        throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'more than one authorization metadata value');
      }
      const header = call.metadata.get('authorization');
      if (typeof header !== 'string' || header.length > maxTokenLength + 7) {
        throw new GrpcError(GrpcStatus.UNAUTHENTICATED, `authorization value longer than ${maxTokenLength}`);
      }
      const token = bearerToken(header);
      if (token === undefined) {
        throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'authorization metadata is not "Bearer <token>"');
      }
      let identity: CallIdentity | PromiseLike<CallIdentity>;
      try {
        identity = verifier(token, call);
      } catch (e) {
        throw unauthenticated(e);
      }
      if (typeof (identity as PromiseLike<CallIdentity>).then === 'function') {
        return Promise.resolve(identity).then(
          (id) => authorize(id, rule, call),
          (e) => {
            throw unauthenticated(e);
          },
        );
      }
      authorize(identity as CallIdentity, rule, call);
    },
  };
}

/** A verifier's error as the call's status: bad tokens UNAUTHENTICATED, a GrpcError its own, a bug INTERNAL. */
function unauthenticated(e: unknown): GrpcError {
  if (e instanceof GrpcError) return e;
  if (e instanceof InvalidTokenError) {
    return new GrpcError(GrpcStatus.UNAUTHENTICATED, `invalid bearer token: ${e.message}`, undefined, {
      cause: e,
    });
  }
  return new GrpcError(
    GrpcStatus.INTERNAL,
    `token verifier failed: ${(e as Error)?.message ?? String(e)}`,
    undefined,
    {
      cause: e,
    },
  );
}
