import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallIdentity } from '../server-call.js';
import { InvalidTokenError, type TokenVerifier } from './auth.js';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_HS256_SECRET_BYTES = 32;
/** Clock difference tolerated on `exp` and `nbf`, unless told otherwise. */
export const DEFAULT_CLOCK_SKEW_MS = 30_000;
/** Longest token parsed; longer is refused before decoding. */
export const DEFAULT_MAX_JWT_LENGTH = 8 * 1024;

/** Why a JWT was refused (`JwtError.reason`). */
export type JwtFailure =
  | 'malformed'
  | 'unsupported-alg'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'missing-exp'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'missing-subject';

/** A JWT that failed verification; `reason` says which check. */
export class JwtError extends InvalidTokenError {
  declare readonly reason: JwtFailure;

  constructor(reason: JwtFailure, message: string) {
    super(reason, message);
  }
}

/** Registered claims (RFC 7519 §4.1) and whatever else the token carries. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** Seconds since the epoch. */
  exp?: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

export interface JwtVerifyOptions {
  /** The shared HMAC key, at least 32 bytes. */
  secret: string | Uint8Array;
  /** Required `iss`, if set. */
  issuer?: string;
  /** Required `aud` (one of them, when the token lists several), if set. */
  audience?: string;
  /** Tolerance on `exp` and `nbf` for clocks that disagree. Default 30 000 ms. */
  clockSkewMs?: number;
  /** Refuse tokens without `exp` (they would never expire). Default true. */
  requireExpiry?: boolean;
  /** Default 8 KiB. */
  maxTokenLength?: number;
  /** Epoch milliseconds. Default Date.now (tests pass their own). */
  now?: () => number;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function secretBytes(secret: string | Uint8Array): Buffer {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (key.byteLength < MIN_HS256_SECRET_BYTES) {
    throw new RangeError(
      `an HS256 secret needs at least ${MIN_HS256_SECRET_BYTES} bytes, got ${key.byteLength}`,
    );
  }
  return key;
}

function base64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  // Buffer's base64url decoder skips characters outside the alphabet; refuse them instead.
  if (part.length === 0 || !B64URL.test(part) || part.length % 4 === 1) {
    throw new JwtError('malformed', `JWT ${what} is not base64url`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('malformed', `JWT ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new JwtError('malformed', `JWT ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Signs `claims` as a compact HS256 JWT (for clients, tools and tests).
 *
 * @example
 * const token = signJwtHs256({ sub: 'alice', scope: 'orders:read', exp: Math.floor(Date.now() / 1000) + 300 }, secret);
 */
export function signJwtHs256(claims: JwtClaims, secret: string | Uint8Array): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', secretBytes(secret)).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/**
 * Verifies a compact HS256 JWT and returns its claims. Checks, in order: shape and base64url, a
 * header whose `alg` is exactly HS256 (never `none`, never an asymmetric alg that a confused
 * verifier would check with the shared secret as a "public key"), the signature (constant-time
 * compare), then `exp` and `nbf` with clock skew, `iss` and `aud`. Throws JwtError.
 *
 * @example
 * const claims = verifyJwtHs256(token, { secret, issuer: 'https://auth.example' });
 */
export function verifyJwtHs256(token: string, options: JwtVerifyOptions): JwtClaims {
  return verifyWithKey(token, secretBytes(options.secret), options);
}

function verifyWithKey(token: string, key: Buffer, options: JwtVerifyOptions): JwtClaims {
  if (token.length > (options.maxTokenLength ?? DEFAULT_MAX_JWT_LENGTH)) {
    throw new JwtError('malformed', 'JWT too long');
  }
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
    throw new JwtError('malformed', 'a JWT has three dot-separated parts');
  }
  const header = decodeJsonPart(token.slice(0, first), 'header');
  if (header.alg !== 'HS256') {
    throw new JwtError('unsupported-alg', `JWT alg ${JSON.stringify(header.alg)} is not HS256`);
  }
  if (header.crit !== undefined) {
    // RFC 7515 §4.1.11: extensions we do not understand must make the token invalid.
    throw new JwtError('malformed', 'JWT header has crit extensions');
  }
  // Compared as text, not as decoded bytes: base64url's unused low bits would otherwise let several
  // spellings of one signature pass. The length is public (43 characters for HS256); the
  // characters are compared in constant time.
  const sigPart = token.slice(second + 1);
  if (!B64URL.test(sigPart)) throw new JwtError('malformed', 'JWT signature is not base64url');
  const given = Buffer.from(sigPart, 'latin1');
  const expected = Buffer.from(
    createHmac('sha256', key).update(token.slice(0, second)).digest('base64url'),
    'latin1',
  );
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
    throw new JwtError('bad-signature', 'JWT signature does not match');
  }
  const claims = decodeJsonPart(token.slice(first + 1, second), 'payload') as JwtClaims;
  const nowMs = (options.now ?? Date.now)();
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  if (claims.exp !== undefined) {
    if (typeof claims.exp !== 'number') throw new JwtError('malformed', 'JWT exp is not a number');
    if (nowMs - skew >= claims.exp * 1000) throw new JwtError('expired', 'JWT expired');
  } else if (options.requireExpiry ?? true) {
    throw new JwtError('missing-exp', 'JWT has no exp');
  }
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number') throw new JwtError('malformed', 'JWT nbf is not a number');
    if (nowMs + skew < claims.nbf * 1000) throw new JwtError('not-yet-valid', 'JWT not valid yet (nbf)');
  }
  if (options.issuer !== undefined && claims.iss !== options.issuer) {
    throw new JwtError('wrong-issuer', `JWT issuer is not ${options.issuer}`);
  }
  if (options.audience !== undefined) {
    const aud = claims.aud;
    const ok = Array.isArray(aud) ? aud.includes(options.audience) : aud === options.audience;
    if (!ok) throw new JwtError('wrong-audience', `JWT audience is not ${options.audience}`);
  }
  return claims;
}

export interface JwtVerifierOptions extends JwtVerifyOptions {
  /**
   * Claim holding the scopes: a space-separated string (OAuth `scope`) or an array of strings
   * (`scp`, `scopes`). Default `scope`.
   */
  scopeClaim?: string;
}

/**
 * A TokenVerifier for HS256 JWTs: the identity is `sub`, the scopes come from `scopeClaim`, and
 * every claim is kept in `identity.claims`.
 *
 * @example
 * authInterceptor({ verifier: jwtHs256Verifier({ secret, audience: 'orders-api' }) });
 */
export function jwtHs256Verifier(options: JwtVerifierOptions): TokenVerifier {
  const key = secretBytes(options.secret);
  const scopeClaim = options.scopeClaim ?? 'scope';
  return (token): CallIdentity => {
    const claims = verifyWithKey(token, key, options);
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw new JwtError('missing-subject', 'JWT has no sub');
    }
    const raw = claims[scopeClaim];
    const scopes =
      typeof raw === 'string'
        ? raw.split(' ').filter((s) => s !== '')
        : Array.isArray(raw)
          ? raw.filter((s): s is string => typeof s === 'string')
          : [];
    return { subject: claims.sub, scopes, claims };
  };
}
