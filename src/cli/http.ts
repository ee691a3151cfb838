import { addCatalogueRoutes } from '../bench/rest-vs-grpc/catalogue-rest-routes.js';
import { CatalogueStore } from '../bench/rest-vs-grpc/catalogue-store.js';
import { Http1Server, type Http1ServerOptions } from '../drivers/http1-server.js';
import { intOption, type OptionSpec, parse, secondsOption, stringOption } from './args.js';
import { announceAndServe, formatAddress } from './served-server.js';

export const HTTP_HELP = `Usage: wirestack http [options]

Serve a small REST+JSON catalogue over HTTP/1.1 on wirestack's own parser and raw-syscall TCP server.

Options:
  --port N            port to listen on; 0 picks a free one (default 8080)
  --host ADDR         IPv4/IPv6 literal or localhost; "::" is dual-stack (default 127.0.0.1)
  --max-conns N       connections served at once (default 10000)
  --backlog M         connections that wait FIFO for a free slot beyond --max-conns (default 128)
  --idle-timeout S    close a keep-alive connection silent for S seconds; 0 disables (default 30)
  --header-timeout S  a request head must arrive within S seconds, else 408 (default 10)
  --body-timeout S    a request body must arrive within S seconds of its head, else 408 (default 60)
  --drain-timeout S   on SIGTERM/SIGINT, wait at most S seconds for requests in flight (default 30)
  --items N           catalogue items at start: kettle, teapot, mug, then "item 4", ... (default 3)
  -h, --help          show this help

Routes (the catalogue is protos/wirestack/demo/catalogue.proto as REST; \`wirestack grpc serve\`
serves the same catalogue code and data as gRPC; \`wirestack bench rest-vs-grpc\` compares the two):
  GET  /                         a line of text
  GET  /items?page_size=N&page_token=T
                                 a page of N items (default 10; limit=N works too) and the
                                 nextPageToken of the next page
  GET  /items/:id                one item, or 404
  POST /items                    create an item from {"name": string, "price": number}; 201,
                                 422 if invalid
  GET  /updates?after=N          the update after sequence number N (polling)
  GET  /stream?n=N&after=K       N updates as JSON lines, one chunk each
  POST /echo                     the request body streamed back (chunked)

Try it:
  curl http://127.0.0.1:8080/items/1
  curl -d '{"name":"lamp","price":12.5}' -H 'content-type: application/json' http://127.0.0.1:8080/items
`;

const SPEC: OptionSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'max-conns': { type: 'string' },
  backlog: { type: 'string' },
  'idle-timeout': { type: 'string' },
  'header-timeout': { type: 'string' },
  'body-timeout': { type: 'string' },
  'drain-timeout': { type: 'string' },
  items: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function httpOptions(values: Record<string, string | boolean | undefined>): Http1ServerOptions {
  return {
    maxConnections: intOption(values, 'max-conns', 10_000, 1),
    backlog: intOption(values, 'backlog', 128, 0),
    idleTimeoutMs: secondsOption(values, 'idle-timeout', 30_000),
    headerTimeoutMs: secondsOption(values, 'header-timeout', 10_000),
    bodyTimeoutMs: secondsOption(values, 'body-timeout', 60_000),
    drainTimeoutMs: secondsOption(values, 'drain-timeout', 30_000),
    busyMessage: 'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
    shutdownMessage: 'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
    log: (line) => console.error(`http: ${line}`),
  };
}

/**
 * `wirestack http`'s server: a line of text at `/`, a streaming echo at `/echo`, and the catalogue
 * of the REST-vs-gRPC comparison (issue 10) from `store` (src/bench/rest-vs-grpc/).
 */
export function createCatalogueServer(
  options: Http1ServerOptions,
  store: CatalogueStore = new CatalogueStore(),
): Http1Server {
  const server = new Http1Server(options);
  server.get('/', (_req, res) =>
    res.send('wirestack http: try GET /items, GET /items/1, POST /items, POST /echo\n'),
  );
  server.post('/echo', async (req, res) => {
    const type = req.headers.get('content-type');
    res.header('content-type', type ?? 'application/octet-stream');
    let sent = false;
    for await (const chunk of req) {
      sent = true;
      if (!res.write(chunk)) await res.drained();
    }
    if (!sent) res.send(new Uint8Array(0));
    else res.end();
  });
  return addCatalogueRoutes(server, store);
}

export async function startHttp(
  host: string,
  port: number,
  options: Http1ServerOptions,
  items = 3,
): Promise<Http1Server> {
  const server = createCatalogueServer(options, new CatalogueStore({ items }));
  await server.listen({ host, port });
  return server;
}

export async function runHttp(argv: string[]): Promise<void> {
  const values = parse(argv, SPEC);
  if (values.help) {
    process.stdout.write(HTTP_HELP);
    return;
  }
  const host = stringOption(values, 'host', '127.0.0.1');
  const port = intOption(values, 'port', 8080, 0, 65535);
  const items = intOption(values, 'items', 3, 0, 1_000_000);
  const server = await startHttp(host, port, httpOptions(values), items);
  const addr = server.listening!;
  announceAndServe('http', addr, `curl http://${formatAddress(addr)}/`, () => server.close());
}
