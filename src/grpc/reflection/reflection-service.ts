import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type FileDescriptor, ProtoSchema } from '../../protobuf/index.js';
import type { GrpcServer } from '../server.js';
import type { ServerCall } from '../server-call.js';
import { GrpcStatus } from '../status.js';
import { encodeFileDescriptorProto } from './file-descriptor-proto.js';

interface ReflectionRequest {
  host?: string;
  fileByFilename?: string;
  fileContainingSymbol?: string;
  fileContainingExtension?: { containingType?: string; extensionNumber?: number };
  allExtensionNumbersOfType?: string;
  listServices?: string;
}

/** The reflection protocol's two package names: v1 is the final one, v1alpha what older tools ask for. */
export type ReflectionVersion = 'v1' | 'v1alpha';

/** protos/grpc/reflection/v1alpha/reflection.proto (this file runs from dist/src/grpc/reflection/). */
const V1ALPHA_PROTO = fileURLToPath(
  new URL('../../../../protos/grpc/reflection/v1alpha/reflection.proto', import.meta.url),
);

/**
 * The .proto text of reflection `version`. v1 is v1alpha's wire contract under its final package
 * name, so it is derived from the one file rather than kept as a second copy.
 */
export function reflectionProtoSource(version: ReflectionVersion): string {
  const text = readFileSync(V1ALPHA_PROTO, 'utf8');
  return version === 'v1alpha'
    ? text
    : text.replace(/^package grpc\.reflection\.v1alpha;$/m, 'package grpc.reflection.v1;');
}

export function loadReflectionSchema(version: ReflectionVersion = 'v1alpha'): ProtoSchema {
  return ProtoSchema.fromSources({
    [`grpc/reflection/${version}/reflection.proto`]: reflectionProtoSource(version),
  });
}

/**
 * gRPC server reflection (grpc.reflection.v1.ServerReflection and its wire-identical predecessor
 * grpc.reflection.v1alpha), so grpcurl and similar tools can list and call services without the
 * .proto files. Answers from the schemas the server's services were registered with; add it last
 * so it lists everything.
 *
 * @example
 * server.addService(schema, 'demo.Greeter', handlers);
 * addReflectionService(server); // grpcurl -plaintext 127.0.0.1:50051 list
 */
export function addReflectionService(
  server: GrpcServer,
  options: { versions?: readonly ReflectionVersion[] } = {},
): void {
  for (const version of options.versions ?? ['v1', 'v1alpha']) {
    server.addService(loadReflectionSchema(version), `grpc.reflection.${version}.ServerReflection`, {
      ServerReflectionInfo: async function* (call: ServerCall<ReflectionRequest, object>) {
        for await (const req of call) yield answer(server, req);
      },
    });
  }
}

function answer(server: GrpcServer, req: ReflectionRequest): object {
  const base = { validHost: req.host ?? '', originalRequest: req };
  const schemas = [...new Set(server.serviceSchemas.values())];
  if (req.listServices !== undefined) {
    const names = [...server.serviceSchemas.keys()].map((name) => ({ name }));
    return { ...base, listServicesResponse: { service: names } };
  }
  if (req.fileByFilename !== undefined) {
    for (const schema of schemas) {
      const file = schema.files.get(req.fileByFilename);
      if (file)
        return { ...base, fileDescriptorResponse: { fileDescriptorProto: withImports(schema, file) } };
    }
    return notFound(base, `file ${req.fileByFilename} not found`);
  }
  if (req.fileContainingSymbol !== undefined) {
    const symbol = req.fileContainingSymbol.replace(/^\./, '');
    for (const schema of schemas) {
      for (const file of schema.files.values()) {
        if (defines(file, symbol)) {
          return { ...base, fileDescriptorResponse: { fileDescriptorProto: withImports(schema, file) } };
        }
      }
    }
    return notFound(base, `symbol ${symbol} not found`);
  }
  if (req.allExtensionNumbersOfType !== undefined) {
    // Extensions are parsed but not served: an empty list is the truthful answer.
    return {
      ...base,
      allExtensionNumbersResponse: { baseTypeName: req.allExtensionNumbersOfType, extensionNumber: [] },
    };
  }
  return notFound(base, 'extensions are not supported by this server');
}

function notFound(base: object, message: string): object {
  return { ...base, errorResponse: { errorCode: GrpcStatus.NOT_FOUND, errorMessage: message } };
}

/** The file and every file it imports, transitively, each once (dependencies after dependents). */
function withImports(schema: ProtoSchema, file: FileDescriptor): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  const visit = (f: FileDescriptor) => {
    if (seen.has(f.name)) return;
    seen.add(f.name);
    out.push(encodeFileDescriptorProto(f));
    for (const imp of f.imports) {
      const dep = schema.files.get(imp.path);
      if (dep) visit(dep);
    }
  };
  visit(file);
  return out;
}

function defines(file: FileDescriptor, symbol: string): boolean {
  for (const s of file.services) {
    if (s.fullName === symbol) return true;
    for (const m of s.methods) if (`${s.fullName}.${m.name}` === symbol) return true;
  }
  const walk = (ms: typeof file.messages): boolean =>
    ms.some((m) => m.fullName === symbol || m.enums.some((e) => e.fullName === symbol) || walk(m.messages));
  return file.enums.some((e) => e.fullName === symbol) || walk(file.messages);
}
