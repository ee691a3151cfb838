import { fileURLToPath } from 'node:url';
import { loadProtoSchema, type ProtoSchema } from '../protobuf/index.js';
import { GrpcError } from './errors.js';
import type { GrpcServer } from './server.js';
import type { ServerCall } from './server-call.js';
import { GrpcStatus } from './status.js';

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export enum ServingStatus {
  UNKNOWN = 0,
  SERVING = 1,
  NOT_SERVING = 2,
  SERVICE_UNKNOWN = 3,
}

interface HealthCheckRequest {
  service?: string;
}
interface HealthCheckResponse {
  status: ServingStatus;
}

/** Loads protos/grpc/health/v1/health.proto (this file runs from dist/src/grpc/). */
export function loadHealthSchema(): ProtoSchema {
  const protos = fileURLToPath(new URL('../../../protos', import.meta.url));
  return loadProtoSchema(['grpc/health/v1/health.proto'], { includePaths: [protos] });
}

/**
 * The standard health service (grpc.health.v1.Health, grpc/doc/health-checking.md): Check answers
 * a service's status (NOT_FOUND for one never set), Watch streams it and every change. The
 * server as a whole is the service named "".
 *
 * @example
 * const health = new HealthService();
 * health.addTo(server);                  // "" is SERVING
 * health.setStatus('grpc.testing.TestService', ServingStatus.SERVING);
 * // on shutdown: health.shutdown() (everything NOT_SERVING, so load balancers move away first)
 */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>([['', ServingStatus.SERVING]]);
  private readonly watchers = new Map<string, Set<(s: ServingStatus) => void>>();

  setStatus(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const w of this.watchers.get(service) ?? []) w(status);
  }

  getStatus(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every service NOT_SERVING: call before a graceful close. */
  shutdown(): void {
    for (const name of this.statuses.keys()) this.setStatus(name, ServingStatus.NOT_SERVING);
  }

  /** Registers grpc.health.v1.Health on `server`. */
  addTo(server: GrpcServer, schema: ProtoSchema = loadHealthSchema()): this {
    server.addService(schema, 'grpc.health.v1.Health', {
      Check: async (req: HealthCheckRequest): Promise<HealthCheckResponse> => {
        const status = this.statuses.get(req.service ?? '');
        if (status === undefined) throw new GrpcError(GrpcStatus.NOT_FOUND, `unknown service ${req.service}`);
        return { status };
      },
      Watch: (req: HealthCheckRequest, call: ServerCall<HealthCheckRequest, HealthCheckResponse>) =>
        this.watch(req.service ?? '', call),
    });
    return this;
  }

  private async watch(
    service: string,
    call: ServerCall<HealthCheckRequest, HealthCheckResponse>,
  ): Promise<void> {
    const pending: ServingStatus[] = [this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN];
    let wake: (() => void) | undefined;
    const listener = (s: ServingStatus) => {
      pending.push(s);
      wake?.();
    };
    let set = this.watchers.get(service);
    if (!set) this.watchers.set(service, (set = new Set()));
    set.add(listener);
    const aborted = new Promise<void>((resolve) => call.signal.addEventListener('abort', () => resolve()));
    try {
      while (!call.signal.aborted) {
        const next = pending.shift();
        if (next !== undefined) {
          await call.write({ status: next });
          continue;
        }
        await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
      }
    } finally {
      set.delete(listener);
    }
  }
}
