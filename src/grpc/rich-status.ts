import { fileURLToPath } from 'node:url';
import { loadProtoSchema, type ProtoSchema } from '../protobuf/index.js';
import { GrpcError } from './errors.js';
import type { Metadata } from './metadata.js';
import type { GrpcStatus } from './status.js';

/** One typed detail: a google.protobuf.Any (`type.googleapis.com/google.rpc.ErrorInfo` and its bytes). */
export interface StatusDetail {
  typeUrl: string;
  value: Uint8Array;
}

/** A decoded google.rpc.Status. */
export interface RichStatus {
  code: number;
  message: string;
  details: StatusDetail[];
}

let cached: ProtoSchema | undefined;

/** google/rpc/status.proto and error_details.proto from the repository's protos/ directory. */
export function loadRichStatusSchema(): ProtoSchema {
  cached ??= loadProtoSchema(['google/rpc/status.proto', 'google/rpc/error_details.proto'], {
    includePaths: [fileURLToPath(new URL('../../../protos', import.meta.url))],
  });
  return cached;
}

/**
 * Packs a message of `schema` as a StatusDetail (type URL `type.googleapis.com/<full name>`).
 *
 * @example
 * const info = packStatusDetail(loadRichStatusSchema(), 'google.rpc.ErrorInfo', { reason: 'QUOTA', domain: 'example.com' });
 */
export function packStatusDetail(schema: ProtoSchema, typeName: string, message: object): StatusDetail {
  return {
    typeUrl: `type.googleapis.com/${typeName}`,
    value: schema.message<object>(typeName).encode(message),
  };
}

/** The bytes of `grpc-status-details-bin`: a google.rpc.Status. */
export function encodeRichStatus(status: RichStatus): Uint8Array {
  return loadRichStatusSchema().message<RichStatus>('google.rpc.Status').encode(status);
}

export function decodeRichStatus(bytes: Uint8Array): RichStatus {
  const s = loadRichStatusSchema()
    .message<{ code?: number; message?: string; details?: StatusDetail[] }>('google.rpc.Status')
    .decode(bytes);
  return { code: s.code ?? 0, message: s.message ?? '', details: s.details ?? [] };
}

/**
 * A GrpcError with typed details (gRPC's richer error model): the server sends them as a
 * google.rpc.Status in `grpc-status-details-bin`, which grpc-js, grpcio and grpc-go clients read
 * (`@grpc/grpc-js`: `err.metadata.get('grpc-status-details-bin')`; Python: `grpc_status.rpc_status`).
 *
 * @example
 * const schema = loadRichStatusSchema();
 * throw new RichGrpcError(GrpcStatus.INVALID_ARGUMENT, 'bad name', [
 *   packStatusDetail(schema, 'google.rpc.BadRequest', { fieldViolations: [{ field: 'name', description: 'empty' }] }),
 * ]);
 */
export class RichGrpcError extends GrpcError {
  readonly statusDetails: StatusDetail[];

  constructor(status: GrpcStatus, details: string, statusDetails: StatusDetail[], metadata?: Metadata) {
    super(status, details, metadata);
    this.statusDetails = statusDetails;
  }

  /** The `grpc-status-details-bin` value: code and message equal to the call's status, as the model requires. */
  encodeStatusDetails(): Uint8Array {
    return encodeRichStatus({ code: this.status, message: this.details, details: this.statusDetails });
  }
}
