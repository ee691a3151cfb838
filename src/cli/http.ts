import { Http1Server, type Http1ServerOptions, HttpError } from '../drivers/http1-server.js';
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
  -h, --help          show this help

Routes:
  GET  /                 a line of text
  GET  /items?limit=N    the first N items (default 10)
  GET  /items/:id        one item, or 404
  POST /items            create an item from {"name": string, "price": number}; 201
  POST /echo             the request body streamed back (chunked)
  GET  /stream?n=N       N JSON lines, one chunk each

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

interface Item {
  id: number;
  name: string;
  price: number;
}

/** The demo catalogue: the REST side of the REST-vs-gRPC comparison (issue 10). */
export function createCatalogueServer(options: Http1ServerOptions): Http1Server {
  const items = new Map<number, Item>();
  let nextId = 1;
  for (const [name, price] of [
    ['kettle', 24.9],
    ['teapot', 18.5],
    ['mug', 6],
  ] as const) {
    items.set(nextId, { id: nextId, name, price });
    nextId++;
  }
  const server = new Http1Server(options);
  server.get('/', (_req, res) =>
    res.send('wirestack http: try GET /items, GET /items/1, POST /items, POST /echo\n'),
  );
  server.get('/items', (req, res) => {
    const limit = Number(req.query.get('limit') ?? 10);
    if (!Number.isInteger(limit) || limit < 0 || limit > 1000)
      throw new HttpError(400, 'limit must be 0..1000');
    res.json({ items: [...items.values()].slice(0, limit) });
  });
  server.get('/items/:id', (req, res) => {
    const item = items.get(Number(req.params.id));
    if (!item) throw new HttpError(404, `no item ${req.params.id}`);
    res.json(item);
  });
  server.post('/items', async (req, res) => {
    const body = await req.json<Partial<Item>>();
    if (
      typeof body !== 'object' ||
      body === null ||
      typeof body.name !== 'string' ||
      typeof body.price !== 'number'
    ) {
      throw new HttpError(422, 'expected {"name": string, "price": number}');
    }
    const item = { id: nextId++, name: body.name, price: body.price };
    items.set(item.id, item);
    res.status(201).header('location', `/items/${item.id}`).json(item);
  });
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
  server.get('/stream', async (req, res) => {
    const n = Math.min(1000, Math.max(0, Number(req.query.get('n') ?? 5) || 0));
    res.header('content-type', 'application/x-ndjson');
    if (n === 0) return res.send('');
    for (let i = 0; i < n; i++)
      res.write(`${JSON.stringify({ seq: i, item: items.get((i % items.size) + 1) })}\n`);
    res.end();
  });
  return server;
}

export async function startHttp(
  host: string,
  port: number,
  options: Http1ServerOptions,
): Promise<Http1Server> {
  const server = createCatalogueServer(options);
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
  const server = await startHttp(host, port, httpOptions(values));
  const addr = server.listening!;
  announceAndServe('http', addr, `curl http://${formatAddress(addr)}/`, () => server.close());
}
