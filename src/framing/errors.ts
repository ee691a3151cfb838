import { DecodeError, LimitExceeded } from '../buf/errors.js';

/**
 * A length prefix announced a frame larger than `maxFrameSize`. Raised as soon as the header is read,
 * before any byte of the payload is buffered, so a hostile length costs nothing.
 */
export class FrameTooLarge extends LimitExceeded {
  constructor(max: number, actual: number, offset = -1) {
    super('EFRAMETOOLARGE', 'maxFrameSize', max, actual, 'frame length', offset);
  }
}

/**
 * A line grew past `maxLineLength` without its terminator. `actual` is reported as `max + 1` (the
 * least the line is known to have) so the error is the same however the input was chunked.
 */
export class LineTooLong extends LimitExceeded {
  constructor(max: number, offset = -1) {
    super('ELINETOOLONG', 'maxLineLength', max, max + 1, 'line length (at least)', offset);
  }
}

/**
 * A RESP peer broke the protocol. `message` is the text Redis itself would send (for example
 * `Protocol error: invalid bulk length`), so a server can answer `-ERR ${e.message}` and close.
 * `limit` names the option to raise when a configured limit, not malformed input, was the cause.
 *
 * @example
 * try { parser.read() } catch (e) { if (e instanceof RespProtocolError) reply(`-ERR ${e.message}\r\n`) }
 */
export class RespProtocolError extends DecodeError {
  // Redeclared so the message stays Redis's exact text (DecodeError would append the offset).
  override readonly offset: number;
  readonly limit: string | undefined;

  constructor(message: string, offset: number, limit?: string) {
    // As Redis's addReplyErrorFormat does: a CR or LF from the peer's bytes would break the `-ERR` line.
    super('ERESPPROTOCOL', message.replace(/[\r\n]/g, ' '));
    this.offset = offset;
    this.limit = limit;
  }
}
