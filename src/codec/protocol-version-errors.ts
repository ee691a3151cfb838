import { DecodeError } from '../buf/errors.js';

/**
 * Stable codes of protocol version and frame header failures.
 *
 * @example
 * if (err instanceof DecodeError && err.code === ProtocolVersionCode.unsupported) closeWith(err.message);
 */
export const ProtocolVersionCode = {
  /** The peer offered or used only versions this side does not speak. */
  unsupported: 'EVERSIONUNSUPPORTED',
  /** A frame header or handshake message is malformed (short, reserved bits set, unknown codec). */
  malformed: 'EVERSIONMALFORMED',
} as const;

/**
 * The peer speaks no version this side does. The message lists both sides' versions, so whoever reads the
 * log knows whether to upgrade the client or the server.
 *
 * @example
 * // "peer offers protocol versions [3]; this side supports [1, 2]"
 * if (err instanceof UnsupportedProtocolVersion) console.error(err.message, err.supported);
 */
export class UnsupportedProtocolVersion extends DecodeError {
  readonly offered: readonly number[];
  readonly supported: readonly number[];

  constructor(offered: readonly number[], supported: readonly number[], offset = -1) {
    super(
      ProtocolVersionCode.unsupported,
      `peer offers protocol version${offered.length === 1 ? '' : 's'} [${offered.join(', ')}]; this side supports [${supported.join(', ')}]`,
      offset,
    );
    this.offered = offered;
    this.supported = supported;
  }
}

/** Throws the error for a malformed frame header or handshake message. */
export function malformed(what: string, offset = -1): never {
  throw new DecodeError(ProtocolVersionCode.malformed, what, offset);
}
