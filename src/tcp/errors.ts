/** Why a connection was closed by us, for logs and counters. Stable strings: safe to match on. */
export type CloseReason =
  | 'peer-closed'
  | 'local-end'
  | 'destroyed'
  | 'error'
  | 'idle-timeout'
  | 'heartbeat-timeout'
  | 'fin-timeout'
  | 'drain-timeout'
  | 'output-overflow'
  | 'handler-error';

/**
 * The peer did not read its responses and our per-connection output queue passed its hard cap
 * (`maxQueuedBytes`). The connection is closed; nobody else is affected.
 */
export class OutputBufferOverflow extends Error {
  readonly code = 'EOUTPUTOVERFLOW';
  constructor(
    readonly queuedBytes: number,
    readonly limit: number,
  ) {
    super(`output queue of ${queuedBytes} bytes exceeds maxQueuedBytes=${limit}: the peer is not reading`);
    this.name = 'OutputBufferOverflow';
  }
}

/** A write was attempted on a connection that we already ended or that is closed. */
export class ConnectionClosed extends Error {
  readonly code = 'ECONNCLOSED';
  constructor(what: string) {
    super(`connection is closed: ${what}`);
    this.name = 'ConnectionClosed';
  }
}
