import { readFileSync } from 'node:fs';
import { ProtoSchema } from './proto-schema.js';

/**
 * Loads `.proto` files from disk: the one place the protobuf layer touches the file system. Imports are
 * searched in `includePaths` (default ['.']), then `/usr/include` (where Debian's protobuf-compiler puts
 * google/protobuf/*.proto), then a bundled copy of the common well-known types.
 *
 * @example
 * const schema = loadProtoSchema(['greeter.proto'], { includePaths: ['protos'] });
 * const bytes = schema.message('helloworld.HelloRequest').encode({ name: 'world' });
 */
export function loadProtoSchema(
  paths: readonly string[],
  options?: { includePaths?: readonly string[] },
): ProtoSchema {
  return ProtoSchema.load(paths, {
    includePaths: [...(options?.includePaths ?? ['.']), '/usr/include'],
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if (
          (e as NodeJS.ErrnoException).code === 'ENOENT' ||
          (e as NodeJS.ErrnoException).code === 'EISDIR'
        ) {
          return undefined;
        }
        throw e;
      }
    },
  });
}
