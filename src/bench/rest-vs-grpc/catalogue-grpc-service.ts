import { fileURLToPath } from 'node:url';
import { GrpcError } from '../../grpc/errors.js';
import type { ServiceHandlers } from '../../grpc/server.js';
import type { ServerCall } from '../../grpc/server-call.js';
import { GrpcStatus } from '../../grpc/status.js';
import { loadProtoSchema, type ProtoSchema } from '../../protobuf/index.js';
import {
  CatalogueError,
  type CatalogueStore,
  type Item,
  type ItemPage,
  type ItemUpdate,
} from './catalogue-store.js';

export const CATALOGUE_SERVICE = 'wirestack.demo.Catalogue';
export const CATALOGUE_PROTO = 'wirestack/demo/catalogue.proto';

/** The protos folder (this file runs from dist/src/bench/rest-vs-grpc/). */
export const PROTOS_DIR = fileURLToPath(new URL('../../../../protos', import.meta.url));

/** protos/wirestack/demo/catalogue.proto, parsed. */
export function loadCatalogueSchema(): ProtoSchema {
  return loadProtoSchema([CATALOGUE_PROTO], { includePaths: [PROTOS_DIR] });
}

/** gRPC status for each way a catalogue call fails. */
const STATUS: Record<CatalogueError['kind'], GrpcStatus> = {
  'not-found': GrpcStatus.NOT_FOUND,
  'invalid-argument': GrpcStatus.INVALID_ARGUMENT,
  'resource-exhausted': GrpcStatus.RESOURCE_EXHAUSTED,
};

function grpcError(err: unknown): unknown {
  return err instanceof CatalogueError ? new GrpcError(STATUS[err.kind], err.message) : err;
}

interface GetItemRequest {
  id: number;
}
interface ListItemsRequest {
  pageSize: number;
  pageToken: string;
}
interface CreateItemRequest {
  name: string;
  price: number;
}
interface WatchItemsRequest {
  count: number;
  after: number;
}

/**
 * wirestack.demo.Catalogue on a CatalogueStore, the gRPC side of the comparison (the REST side is
 * catalogue-rest-routes.ts, on the same store).
 *
 * @example
 * server.addService(loadCatalogueSchema(), CATALOGUE_SERVICE, catalogueServiceHandlers(store));
 */
export function catalogueServiceHandlers(store: CatalogueStore): ServiceHandlers {
  return {
    GetItem: (req: GetItemRequest): Item => {
      try {
        return store.get(req.id);
      } catch (err) {
        throw grpcError(err);
      }
    },
    ListItems: (req: ListItemsRequest): ItemPage => {
      try {
        return store.list(req.pageSize, req.pageToken);
      } catch (err) {
        throw grpcError(err);
      }
    },
    CreateItem: (req: CreateItemRequest): Item => {
      try {
        return store.create(req);
      } catch (err) {
        throw grpcError(err);
      }
    },
    WatchItems: async function* (req: WatchItemsRequest, call: ServerCall<WatchItemsRequest, ItemUpdate>) {
      try {
        store.checkWatch(req.count, req.after);
      } catch (err) {
        throw grpcError(err);
      }
      for (let i = 1; i <= req.count && !call.isFinished; i++) yield store.update(req.after + i);
    },
  };
}
