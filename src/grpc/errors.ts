import { WirestackError } from '../buf/errors.js';
import type { Metadata } from './metadata.js';
import { GrpcStatus, statusName } from './status.js';

/**
 * A call that ended with a non-OK status. Handlers throw it to choose the status a client sees;
 * clients get it when a call fails. `code` is the stable string form (`GRPC_DEADLINE_EXCEEDED`),
 * `status` the wire number.
 *
 * @example
 * throw new GrpcError(GrpcStatus.NOT_FOUND, `no item ${id}`);
 */
export class GrpcError extends WirestackError {
  readonly status: GrpcStatus;
  /** The status message as sent in `grpc-message` (before percent-encoding). */
  readonly details: string;
  /** Trailing metadata that came with the status (or is to be sent with it). */
  readonly metadata: Metadata | undefined;

  constructor(status: GrpcStatus, details: string, metadata?: Metadata, options?: { cause?: unknown }) {
    super(`GRPC_${statusName(status)}`, `${statusName(status)}: ${details}`, options);
    this.status = status;
    this.details = details;
    this.metadata = metadata;
  }
}

/**
 * The status an error ends a call with: a GrpcError's own; anything else is UNKNOWN with its
 * message (handlers, interceptors, either side).
 *
 * @example
 * toGrpcError(new Error('boom')).status; // GrpcStatus.UNKNOWN
 */
export function toGrpcError(error: unknown): GrpcError | undefined {
  if (error === undefined) return undefined;
  if (error instanceof GrpcError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GrpcError(GrpcStatus.UNKNOWN, message, undefined, { cause: error });
}
