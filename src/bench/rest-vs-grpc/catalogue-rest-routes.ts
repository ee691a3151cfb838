import { type Http1Server, HttpError } from '../../drivers/http1-server.js';
import { CatalogueError, type CatalogueStore, type ItemPage } from './catalogue-store.js';

/** HTTP status for each way a catalogue call fails. */
const STATUS: Record<CatalogueError['kind'], number> = {
  'not-found': 404,
  'invalid-argument': 422,
  'resource-exhausted': 507,
};

function httpError(err: unknown): unknown {
  return err instanceof CatalogueError ? new HttpError(STATUS[err.kind], err.message) : err;
}

/** A query parameter as a whole number, `fallback` when absent; 400 when it is not one. */
function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw)) throw new HttpError(400, `${name} must be a whole number`);
  return Number(raw);
}

/** The page as JSON, without an empty nextPageToken (as proto3 JSON leaves out default values). */
function pageJson(page: ItemPage): object {
  return page.nextPageToken === '' ? { items: page.items } : page;
}

/**
 * The catalogue as REST+JSON routes, the REST side of the comparison (the gRPC side is
 * catalogue-grpc-service.ts, on the same store):
 *
 *   GET  /items?page_size=N&page_token=T   a page of items (limit=N is the same as page_size)
 *   GET  /items/:id                        one item, or 404
 *   POST /items                            {"name": string, "price": number} -> 201 + the item
 *   GET  /updates?after=N                  the update after N (one poll)
 *   GET  /stream?n=N&after=K               N updates as JSON lines, one chunk each
 *
 * @example
 * addCatalogueRoutes(new Http1Server(), new CatalogueStore()).listen({ port: 8080 });
 */
export function addCatalogueRoutes(server: Http1Server, store: CatalogueStore): Http1Server {
  server.get('/items', (req, res) => {
    const q = req.query;
    const size = intParam(q, 'page_size', intParam(q, 'limit', 0));
    // limit=0 asked for nothing, which the old route answered with an empty list.
    if (size === 0 && q.get('limit') === '0') return res.json({ items: [] });
    try {
      res.json(pageJson(store.list(size, q.get('page_token') ?? '')));
    } catch (err) {
      throw httpError(err);
    }
  });
  server.get('/items/:id', (req, res) => {
    const id = req.params.id;
    if (!/^[0-9]{1,9}$/.test(id)) throw new HttpError(404, `no item ${id}`);
    try {
      res.json(store.get(Number(id)));
    } catch (err) {
      throw httpError(err);
    }
  });
  server.post('/items', async (req, res) => {
    const body = await req.json<{ name?: unknown; price?: unknown } | null>();
    if (typeof body !== 'object' || body === null) {
      throw new HttpError(422, 'expected {"name": string, "price": number}');
    }
    try {
      const item = store.create({ name: body.name, price: body.price });
      res.status(201).header('location', `/items/${item.id}`).json(item);
    } catch (err) {
      throw httpError(err);
    }
  });
  server.get('/updates', (req, res) => {
    res.json(store.update(intParam(req.query, 'after', 0) + 1));
  });
  server.get('/stream', async (req, res) => {
    const n = intParam(req.query, 'n', 5);
    const after = intParam(req.query, 'after', 0);
    res.header('content-type', 'application/x-ndjson');
    if (n === 0) return res.send('');
    try {
      store.checkWatch(n, after);
    } catch (err) {
      throw httpError(err);
    }
    for (let i = 1; i <= n; i++) {
      if (res.write(`${JSON.stringify(store.update(after + i))}\n`)) continue;
      await res.drained();
    }
    res.end();
  });
  return server;
}
