/**
 * The base of every wirestack error: a stable `code` string to match on (never parse messages),
 * and a message that names the field, the value and the limit involved.
 *
 * @example
 * try { decoder.push(bytes) } catch (e) { if (e instanceof WirestackError && e.code === 'EFRAMETOOLARGE') ... }
 */
export class WirestackError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Bytes from a peer could not be decoded. `offset` is where in the input the problem was found
 * (-1 when unknown). Decoders throw this, or a subclass, and nothing else.
 */
export class DecodeError extends WirestackError {
  readonly offset: number;

  constructor(code: string, message: string, offset = -1, options?: { cause?: unknown }) {
    super(code, offset >= 0 ? `${message} (at offset ${offset})` : message, options);
    this.offset = offset;
  }
}

/** A configured limit was exceeded by input; `limit` names the option to raise if this was legitimate. */
export class LimitExceeded extends DecodeError {
  readonly limit: string;
  readonly max: number;
  readonly actual: number;

  constructor(code: string, limit: string, max: number, actual: number, what: string, offset = -1) {
    super(code, `${what}: ${actual} exceeds ${limit}=${max}`, offset);
    this.limit = limit;
    this.max = max;
    this.actual = actual;
  }
}
