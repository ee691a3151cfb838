import { DecodeError, LimitExceeded } from '../buf/errors.js';

/** The statuses a request-parsing failure maps to. */
export type Http1ErrorStatus = 400 | 408 | 413 | 414 | 417 | 431 | 501 | 505;

/**
 * A peer's bytes broke RFC 9112. `status` is the response to send before closing (always with
 * `Connection: close`: after a framing error nothing else on the connection can be trusted), and
 * `code` is stable to match on.
 *
 * @example
 * try { conn.nextEvent() } catch (e) { if (e instanceof Http1ProtocolError) reply(e.status) }
 */
export class Http1ProtocolError extends DecodeError {
  readonly status: Http1ErrorStatus;

  constructor(code: string, status: Http1ErrorStatus, message: string, offset = -1) {
    super(code, message, offset);
    this.status = status;
  }
}

/**
 * A configured limit was exceeded; `limit` names the option, `status` is 413, 414 or 431.
 *
 * @example
 * catch (e) { if (e instanceof Http1LimitExceeded) log(`raise ${e.limit} (max ${e.max}) if legitimate`) }
 */
export class Http1LimitExceeded extends LimitExceeded {
  readonly status: Http1ErrorStatus;

  constructor(
    code: string,
    status: Http1ErrorStatus,
    limit: string,
    max: number,
    actual: number,
    what: string,
  ) {
    super(code, limit, max, actual, what);
    this.status = status;
  }
}

/** Either kind of request error: both carry `status` and `code`. */
export type Http1RequestError = Http1ProtocolError | Http1LimitExceeded;

/** True for the errors the parser throws on bad input (never for our own bugs). */
export function isHttp1RequestError(err: unknown): err is Http1RequestError {
  return err instanceof Http1ProtocolError || err instanceof Http1LimitExceeded;
}

/**
 * Our side tried to send something the protocol does not allow in the current state (a body on a
 * 204, more bytes than the Content-Length, a response before a request). A bug in the caller.
 */
export class Http1LocalError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'Http1LocalError';
  }
}
