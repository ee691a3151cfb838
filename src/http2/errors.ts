import { WirestackError } from '../buf/errors.js';
import { errorCodeName } from './error-code.js';

/**
 * A connection error (RFC 9113 §5.4.1): the whole connection is unusable. By the time the
 * connection throws it, a GOAWAY carrying `code` is already queued in its output; write the output,
 * then close the transport.
 *
 * @example
 * try { conn.receive(bytes) } catch (e) {
 *   if (e instanceof Http2ConnectionError) { socket.writev(conn.takeOutput()); socket.end(); }
 * }
 */
export class Http2ConnectionError extends WirestackError {
  /** The error code sent in GOAWAY (ErrorCode). */
  readonly errorCode: number;

  constructor(errorCode: number, message: string) {
    super('EH2CONNECTION', `${errorCodeName(errorCode)}: ${message}`);
    this.errorCode = errorCode;
  }
}

/**
 * A stream error (RFC 9113 §5.4.2): only `streamId` is affected. Inside the connection it becomes a
 * RST_STREAM frame and a `streamReset` event; it is thrown to callers only for commands on a stream
 * that can no longer send (e.g. sendData after a reset).
 *
 * @example
 * try { conn.sendData(1, body) } catch (e) { if (e instanceof Http2StreamError) drop(e.streamId) }
 */
export class Http2StreamError extends WirestackError {
  readonly streamId: number;
  readonly errorCode: number;

  constructor(streamId: number, errorCode: number, message: string) {
    super('EH2STREAM', `stream ${streamId}: ${errorCodeName(errorCode)}: ${message}`);
    this.streamId = streamId;
    this.errorCode = errorCode;
  }
}
