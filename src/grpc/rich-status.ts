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

/** Decodes the bytes of `grpc-status-details-bin`. */
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

/**
 * The rich status of a failed call: our client rejects with a RichGrpcError when the server sent
 * `grpc-status-details-bin` (a google.rpc.Status with the call's code); undefined otherwise.
 *
 * @example
 * try {
 *   await client.getItem({ id: 7 });
 * } catch (e) {
 *   for (const d of richStatusOf(e)?.details ?? []) console.log(unpackStatusDetail(loadRichStatusSchema(), d));
 * }
 */
export function richStatusOf(error: unknown): RichStatus | undefined {
  if (!(error instanceof RichGrpcError)) return undefined;
  return { code: error.status, message: error.details, details: error.statusDetails };
}

/**
 * Decodes one detail with `schema` when its type URL names a message the schema knows (the
 * google.rpc types are in loadRichStatusSchema()); undefined otherwise.
 *
 * @example
 * const bad = unpackStatusDetail<{ fieldViolations: { field: string }[] }>(loadRichStatusSchema(), detail);
 * if (bad?.typeName === 'google.rpc.BadRequest') console.log(bad.message.fieldViolations);
 */
export function unpackStatusDetail<T extends object = Record<string, unknown>>(
  schema: ProtoSchema,
  detail: StatusDetail,
): { typeName: string; message: T } | undefined {
  const typeName = detail.typeUrl.slice(detail.typeUrl.lastIndexOf('/') + 1);
  let type: ReturnType<ProtoSchema['message']>;
  try {
    type = schema.message<T>(typeName);
  } catch {
    return undefined;
  }
  return { typeName, message: type.decode(detail.value) as T };
}
