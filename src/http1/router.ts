/** What Router.find() says about a method and path. */
export type RouteResult<H> =
  | { kind: 'found'; handler: H; params: Record<string, string>; pattern: string }
  /** The path exists for other methods: answer 405 with `Allow: allowed.join(', ')`. */
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

interface RouteNode<H> {
  statics: Map<string, RouteNode<H>>;
  param: { name: string; node: RouteNode<H> } | null;
  wildcard: { name: string; handlers: Map<string, { handler: H; pattern: string }> } | null;
  handlers: Map<string, { handler: H; pattern: string }>;
}

/** The params of a route without parameters: shared, so frozen. */
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

const newNode = <H>(): RouteNode<H> => ({
  statics: new Map(),
  param: null,
  wildcard: null,
  handlers: new Map(),
});

/**
 * Maps a method and path to a handler, with `:name` segments captured as params and a trailing
 * `*name` capturing the rest of the path. Pure (no I/O), so it lives beside the sans-IO core. A
 * segment tree: lookup costs one map access per path segment, however many routes there are.
 * Static segments win over params, params over a wildcard. HEAD falls back to GET (RFC 9110
 * section 9.3.2).
 *
 * @example
 * const r = new Router<string>().add('GET', '/items/:id', 'getItem');
 * r.find('GET', '/items/42'); // { kind: 'found', handler: 'getItem', params: { id: '42' }, ... }
 * r.find('POST', '/items/42'); // { kind: 'method-not-allowed', allowed: ['GET', 'HEAD'] }
 */
export class Router<H> {
  private readonly root: RouteNode<H> = newNode();
  /**
   * Paths with no parameter segment, by path then method: their results are built once, so the
   * lookup of a static route allocates nothing (their `params` is a shared, frozen empty object).
   * The tree would find the same route: static segments win over params and wildcards.
   */
  private readonly staticRoutes = new Map<string, Map<string, RouteResult<H>>>();

  /** Register `handler` for `method` (e.g. 'GET') and `pattern` (e.g. '/items/:id'). */
  add(method: string, pattern: string, handler: H): this {
    if (!pattern.startsWith('/')) throw new Error(`route pattern must start with "/": ${pattern}`);
    const segments = pattern.split('/').slice(1);
    let node = this.root;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (seg.startsWith('*')) {
        if (i !== segments.length - 1) throw new Error(`wildcard must be the last segment: ${pattern}`);
        node.wildcard ??= { name: seg.slice(1) || 'rest', handlers: new Map() };
        setOnce(node.wildcard.handlers, method, handler, pattern);
        return this;
      }
      if (seg.startsWith(':')) {
        const name = seg.slice(1);
        if (name === '') throw new Error(`empty parameter name in ${pattern}`);
        if (node.param && node.param.name !== name) {
          throw new Error(`conflicting parameter names :${node.param.name} and :${name} in ${pattern}`);
        }
        node.param ??= { name, node: newNode() };
        node = node.param.node;
        continue;
      }
      let next = node.statics.get(seg);
      if (!next) node.statics.set(seg, (next = newNode()));
      node = next;
    }
    setOnce(node.handlers, method, handler, pattern);
    if (!pattern.includes(':') && !pattern.includes('*')) {
      const byMethod = this.staticRoutes.get(pattern) ?? new Map<string, RouteResult<H>>();
      byMethod.set(method, { kind: 'found', handler, params: NO_PARAMS, pattern });
      this.staticRoutes.set(pattern, byMethod);
    }
    return this;
  }

  /** Find the handler for `method` and `path` (the path part of the target, percent-encoded). */
  find(method: string, path: string): RouteResult<H> {
    const known = this.staticRoutes.get(path)?.get(method);
    if (known !== undefined) return known;
    const segments = path.split('/');
    const params: Record<string, string> = {};
    const handlers = this.walk(this.root, segments, 1, params);
    if (!handlers) return { kind: 'not-found' };
    const hit = handlers.get(method) ?? (method === 'HEAD' ? handlers.get('GET') : undefined);
    if (hit) return { kind: 'found', handler: hit.handler, params, pattern: hit.pattern };
    const allowed = [...handlers.keys()];
    if (handlers.has('GET') && !handlers.has('HEAD')) allowed.push('HEAD');
    return { kind: 'method-not-allowed', allowed };
  }

  private walk(
    node: RouteNode<H>,
    segments: string[],
    i: number,
    params: Record<string, string>,
  ): Map<string, { handler: H; pattern: string }> | null {
    if (i === segments.length) return node.handlers.size > 0 ? node.handlers : null;
    const seg = segments[i];
    const st = node.statics.get(seg);
    if (st) {
      const found = this.walk(st, segments, i + 1, params);
      if (found) return found;
    }
    if (node.param && seg !== '') {
      const found = this.walk(node.param.node, segments, i + 1, params);
      if (found) {
        params[node.param.name] = decodeSegment(seg);
        return found;
      }
    }
    if (node.wildcard) {
      params[node.wildcard.name] = decodeSegment(segments.slice(i).join('/'));
      return node.wildcard.handlers;
    }
    return null;
  }
}

function setOnce<H>(
  map: Map<string, { handler: H; pattern: string }>,
  method: string,
  handler: H,
  pattern: string,
) {
  if (map.has(method)) throw new Error(`route ${method} ${pattern} is already registered`);
  map.set(method, { handler, pattern });
}

/** Percent-decode a captured segment; malformed escapes are left as they came. */
function decodeSegment(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
