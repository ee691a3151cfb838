import { DecodeError, LimitExceeded, WirestackError } from '../buf/errors.js';

/**
 * Stable codes of MessagePack decode failures. Match on `error.code`, never on the message.
 * Every decode failure is a {@link DecodeError} (limits: {@link LimitExceeded}) carrying the offset.
 *
 * @example
 * try {
 *   decoder.decode(bytes);
 * } catch (e) {
 *   if (e instanceof LimitExceeded) log(`raise ${e.limit} above ${e.max}? value at ${e.offset}`);
 *   else if (e instanceof DecodeError && e.code === MsgpackDecodeCode.truncated) log('short input');
 * }
 */
export const MsgpackDecodeCode = {
  /** The input ended inside a value, or a declared length/count exceeds the bytes that remain. */
  truncated: 'EMSGPACKTRUNCATED',
  /** Bytes remain after the value in a one-shot `decode()`. */
  trailing: 'EMSGPACKTRAILING',
  /** 0xc1, the one byte the spec says is never used. */
  reserved: 'EMSGPACKRESERVED',
  /** A str payload is not valid UTF-8. */
  utf8: 'EMSGPACKUTF8',
  /** A timestamp extension (type -1) with a bad length, nanoseconds >= 1e9, or outside Date's range. */
  timestamp: 'EMSGPACKTIMESTAMP',
  /** A registered extension decoder threw; the original error is the `cause`. */
  extension: 'EMSGPACKEXT',
  /** A length, count, depth or buffer limit was exceeded (see `LimitExceeded.limit`). */
  limit: 'EMSGPACKLIMIT',
} as const;

/**
 * Stable codes of MessagePack encode failures.
 *
 * @example
 * try { encoder.encode(value) } catch (e) {
 *   if (e instanceof MsgpackEncodeError && e.code === MsgpackEncodeCode.unsupported) registerExtension();
 * }
 */
export const MsgpackEncodeCode = {
  /** The value has no MessagePack form (function, symbol, a class without a registered extension...). */
  unsupported: 'EMSGPACKTYPE',
  /** A bigint outside the 64-bit range, a length above 2^32-1, an invalid Date, a bad extension type. */
  range: 'EMSGPACKRANGE',
  /** Nesting deeper than the encoder's `maxDepth` (this is also how a cyclic structure is reported). */
  depth: 'EMSGPACKDEPTH',
} as const;

/**
 * A value could not be encoded; `code` is one of {@link MsgpackEncodeCode}.
 *
 * @example
 * new MsgpackEncoder().encode(() => 1); // throws MsgpackEncodeError { code: 'EMSGPACKTYPE' }
 */
export class MsgpackEncodeError extends WirestackError {}

/** Throws the error a truncated input or a too-large declared length gets. */
export function truncated(what: string, need: number, remain: number, offset: number): never {
  throw new DecodeError(
    MsgpackDecodeCode.truncated,
    `${what} needs ${need} bytes but only ${remain} remain`,
    offset,
  );
}

/** Throws the error for an exceeded decode limit; `limit` is the option name the caller can raise. */
export function overLimit(limit: string, max: number, actual: number, what: string, offset: number): never {
  throw new LimitExceeded(MsgpackDecodeCode.limit, limit, max, actual, what, offset);
}
