import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Http1Server } from '../../drivers/http1-server.js';
import { GrpcServer } from '../../grpc/server.js';
import { generateTypeScript, ProtoSchema } from '../../protobuf/index.js';
import { CATALOGUE_ITEMS } from './catalogue-calls.js';
import {
  CATALOGUE_PROTO,
  CATALOGUE_SERVICE,
  catalogueServiceHandlers,
  loadCatalogueSchema,
  PROTOS_DIR,
} from './catalogue-grpc-service.js';
import { addCatalogueRoutes } from './catalogue-rest-routes.js';
import { CatalogueStore } from './catalogue-store.js';

/** The repository root (this file runs from dist/src/bench/rest-vs-grpc/). */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const PROTOBUF_RUNTIME = fileURLToPath(new URL('../../protobuf/index.js', import.meta.url));

/** Lines of one source file: code lines (not blank, not only a comment) and all lines. */
export interface LineCount {
  side: 'gRPC' | 'REST' | 'shared';
  what: string;
  file: string;
  code: number;
  total: number;
  /** Written by hand (false for generated code). */
  handWritten: boolean;
}

/** Lines that are neither blank nor only a comment (`//`, `/* ... *\/`, ` * ...`). */
export function countCodeLines(text: string): number {
  let n = 0;
  let inBlock = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (inBlock) {
      if (line.includes('*/')) inBlock = false;
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (line.startsWith('/*')) {
      if (!line.includes('*/')) inBlock = true;
      continue;
    }
    n++;
  }
  return n;
}

/** The gRPC client of the compile-time check: calls through the service interface generated from the .proto. */
export const GRPC_CLIENT_SNIPPET = `import type { Catalogue, Item } from './catalogue.js';

// \`client\` implements the interface generated from catalogue.proto.
export async function describe(client: Catalogue, id: number): Promise<string> {
  const item: Item = await client.getItem({ id });
  return \`\${item.name} costs \${item.price}\`;
}
`;

/** The REST client of the compile-time check: fetch, with the response type written by hand. */
export const REST_CLIENT_SNIPPET = `// Kept in step with the server by hand: nothing checks it.
interface Item {
  id: number;
  name: string;
  price: number;
}

export async function describe(base: string, id: number): Promise<string> {
  const res = await fetch(\`\${base}/items/\${id}\`);
  if (!res.ok) throw new Error(\`HTTP \${res.status}\`);
  const item = (await res.json()) as Item;
  return \`\${item.name} costs \${item.price}\`;
}
`;

/** tsc's verdict on one client before and after the server renamed Item.name to Item.title. */
export interface CompileCheck {
  side: 'gRPC' | 'REST';
  /** tsc errors with the original schema (expected: none). */
  before: string[];
  /** tsc errors once the field is renamed (gRPC types regenerated; the REST client unchanged). */
  after: string[];
  /** What the unchanged client returns at run time against the renamed server. */
  runtime: string;
}

export interface ToolingExample {
  side: 'gRPC' | 'REST';
  command: string;
  output: string;
  /** Wall time of the command, process start included, ms. */
  wallMs: number;
}

export interface DeveloperExperienceResult {
  lines: LineCount[];
  compile: CompileCheck[] | null;
  /** Why the compile check did not run (typescript not installed), if it did not. */
  compileSkipped: string | null;
  tooling: ToolingExample[];
}

/** Line counts of both sides of the service, from the source files in this checkout. */
export function countServiceLines(): LineCount[] {
  const files: Omit<LineCount, 'code' | 'total'>[] = [
    {
      side: 'gRPC',
      what: 'service definition (.proto)',
      file: `protos/${CATALOGUE_PROTO}`,
      handWritten: true,
    },
    {
      side: 'gRPC',
      what: 'server binding (handlers, status mapping)',
      file: 'src/bench/rest-vs-grpc/catalogue-grpc-service.ts',
      handWritten: true,
    },
    {
      side: 'REST',
      what: 'server binding (routes, params, body checks, status mapping)',
      file: 'src/bench/rest-vs-grpc/catalogue-rest-routes.ts',
      handWritten: true,
    },
    {
      side: 'shared',
      what: 'store and handlers',
      file: 'src/bench/rest-vs-grpc/catalogue-store.ts',
      handWritten: true,
    },
  ];
  const out: LineCount[] = [];
  for (const f of files) {
    const path = join(ROOT, f.file);
    if (!existsSync(path)) continue; // an installed package has no src/
    const text = readFileSync(path, 'utf8');
    out.push({
      ...f,
      code: countCodeLines(text),
      total: text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
    });
  }
  const generated = generateCatalogueTypes(
    readFileSync(join(PROTOS_DIR, CATALOGUE_PROTO), 'utf8'),
    PROTOBUF_RUNTIME,
  );
  out.push({
    side: 'gRPC',
    what: 'generated types and codecs (wirestack proto gen)',
    file: '(generated)',
    code: countCodeLines(generated),
    total: generated.split('\n').length,
    handWritten: false,
  });
  for (const [side, text] of [
    ['gRPC', GRPC_CLIENT_SNIPPET],
    ['REST', REST_CLIENT_SNIPPET],
  ] as const) {
    out.push({
      side,
      what: 'client call (the compile-check snippet)',
      file: '(snippet)',
      code: countCodeLines(text),
      total: text.split('\n').length - 1,
      handWritten: true,
    });
  }
  return out;
}

/** TypeScript for catalogue.proto (or a variant of its text) as `wirestack proto gen` writes it. */
export function generateCatalogueTypes(protoText: string, runtimeImport: string): string {
  const schema = ProtoSchema.fromSources({ [CATALOGUE_PROTO]: protoText });
  return generateTypeScript(schema, CATALOGUE_PROTO, { readSource: () => protoText, runtimeImport });
}

function run(argv: string[], cwd?: string): Promise<{ code: number; out: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ code, out: `${stdout}${stderr}`, ms: performance.now() - t0 });
    });
  });
}

function tscPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

/** tsc --noEmit over a folder of files; the error lines it prints (empty when it compiles). */
async function typecheck(files: Record<string, string>, tsc: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wirestack-dx-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: [],
          skipLibCheck: true,
        },
        files: Object.keys(files),
      }),
    );
    const r = await run([process.execPath, tsc, '-p', dir]);
    if (r.code !== 0 && !/error TS\d+/.test(r.out)) throw new Error(`tsc failed: ${r.out}`);
    return r.out
      .split('\n')
      .filter((l) => /error TS\d+/.test(l))
      .map((l) => l.trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Rename Item.name to Item.title on the server side and see who notices: the gRPC client is
 * typechecked against types regenerated from the renamed .proto, the REST client (fetch plus a
 * hand-written interface) against nothing new. Also what each unchanged client gets at run time.
 */
export async function compileTimeCheck(): Promise<CompileCheck[] | string> {
  const tsc = tscPath();
  if (!tsc) return 'typescript is not installed (npm install -D typescript): compile check skipped';
  const proto = readFileSync(join(PROTOS_DIR, CATALOGUE_PROTO), 'utf8');
  const renamed = proto.replace('  string name = 2;', '  string title = 2;');
  if (renamed === proto) throw new Error('catalogue.proto: Item has no `string name = 2;` to rename');
  const grpc = async (text: string) =>
    typecheck(
      { 'catalogue.ts': generateCatalogueTypes(text, PROTOBUF_RUNTIME), 'client.ts': GRPC_CLIENT_SNIPPET },
      tsc,
    );
  const rest = await typecheck({ 'client.ts': REST_CLIENT_SNIPPET }, tsc);

  // Run time: the renamed server's bytes, read by the old clients.
  const oldSchema = ProtoSchema.fromSources({ [CATALOGUE_PROTO]: proto });
  const newSchema = ProtoSchema.fromSources({ [CATALOGUE_PROTO]: renamed });
  const bytes = newSchema.message('wirestack.demo.Item').encode({ id: 1, title: 'kettle', price: 24.9 });
  const oldView = oldSchema.message('wirestack.demo.Item').decode(bytes) as { name: string; price: number };
  const json = JSON.stringify({ id: 1, title: 'kettle', price: 24.9 });
  const restView = JSON.parse(json) as { name: string; price: number };
  return [
    {
      side: 'gRPC',
      before: await grpc(proto),
      after: await grpc(renamed),
      runtime:
        `"${oldView.name} costs ${oldView.price}": field 2 is still field 2 on the wire, so a client ` +
        'built before the rename keeps working; the break shows when it regenerates',
    },
    {
      side: 'REST',
      before: rest,
      after: rest,
      runtime: `"${restView.name} costs ${restView.price}": the body ${json} has no "name", and nothing says so`,
    },
  ];
}

/** The same lookup with each side's command-line tool, run for real against servers on port 0. */
export async function toolingExamples(): Promise<ToolingExample[]> {
  const http = addCatalogueRoutes(new Http1Server(), new CatalogueStore({ items: CATALOGUE_ITEMS }));
  const grpc = new GrpcServer();
  grpc.addService(
    loadCatalogueSchema(),
    CATALOGUE_SERVICE,
    catalogueServiceHandlers(new CatalogueStore({ items: CATALOGUE_ITEMS })),
  );
  try {
    const restPort = (await http.listen({ host: '127.0.0.1', port: 0 })).port;
    const grpcPort = (await grpc.listen({ host: '127.0.0.1', port: 0 })).port;
    const curl = ['curl', '-sS', '--max-time', '10', `http://127.0.0.1:${restPort}/items/1`];
    const call = [
      process.execPath,
      CLI_MAIN,
      'grpc',
      'call',
      `127.0.0.1:${grpcPort}`,
      `${CATALOGUE_SERVICE}/GetItem`,
      '-d',
      '{"id": 1}',
      '-I',
      PROTOS_DIR,
      '--proto',
      CATALOGUE_PROTO,
    ];
    const a = await run(curl);
    const b = await run(call);
    return [
      {
        side: 'REST',
        command: 'curl http://HOST:PORT/items/1',
        output: a.code === 0 ? a.out.trim() : `curl failed (${a.code}): ${a.out.trim()}`,
        wallMs: a.ms,
      },
      {
        side: 'gRPC',
        command: `npx wirestack grpc call HOST:PORT ${CATALOGUE_SERVICE}/GetItem -d '{"id": 1}' -I protos --proto ${CATALOGUE_PROTO}`,
        output: b.code === 0 ? b.out.trim() : `failed (${b.code}): ${b.out.trim()}`,
        wallMs: b.ms,
      },
    ];
  } finally {
    await Promise.all([http.close({ drainTimeoutMs: 1000 }), grpc.close({ drainTimeoutMs: 1000 })]);
  }
}

/** Lines of code, the compile-time check and the tooling examples. */
export async function measureDeveloperExperience(): Promise<DeveloperExperienceResult> {
  const compile = await compileTimeCheck();
  return {
    lines: countServiceLines(),
    compile: typeof compile === 'string' ? null : compile,
    compileSkipped: typeof compile === 'string' ? compile : null,
    tooling: await toolingExamples(),
  };
}
