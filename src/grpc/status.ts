/** gRPC status codes (grpc/doc/statuscodes.md). The numbers go on the wire in `grpc-status`. */
export enum GrpcStatus {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** The status name for a code (`statusName(4) === 'DEADLINE_EXCEEDED'`); unknown codes read as UNKNOWN(n). */
export function statusName(code: number): string {
  return GrpcStatus[code] ?? `UNKNOWN(${code})`;
}

/**
 * Parse a `grpc-status` value: a decimal integer without leading zeros. Anything else is not a
 * status a peer may send, and the caller synthesises UNKNOWN/INTERNAL as PROTOCOL-HTTP2 asks.
 */
export function parseStatus(value: string | undefined): number | null {
  if (value === undefined || !/^(0|[1-9]\d{0,9})$/.test(value)) return null;
  const n = Number(value);
  return n <= 0x7fffffff ? n : null;
}

/**
 * HTTP/2 RST_STREAM error codes mapped to the status a call fails with (PROTOCOL-HTTP2,
 * "Errors"). CANCEL from a server reads as CANCELLED; REFUSED_STREAM means nothing ran: UNAVAILABLE.
 */
export function statusForResetCode(h2Code: number): GrpcStatus {
  switch (h2Code) {
    case 0x7:
      return GrpcStatus.UNAVAILABLE;
    case 0x8:
      return GrpcStatus.CANCELLED;
    case 0xb:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 0xc:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

/** The status for a non-gRPC HTTP response (grpc/doc/http-grpc-status-mapping.md). */
export function statusForHttpStatus(httpStatus: number): GrpcStatus {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}
