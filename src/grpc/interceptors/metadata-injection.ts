import type { Metadata } from '../metadata.js';
import type { ClientInterceptor, InterceptedClientCall } from './client-interceptor.js';

export interface MetadataInjectionOptions {
  /**
   * The metadata to add to every call, or a function that makes it per call (may be async: a
   * token fetched or refreshed).
   */
  metadata: Metadata | ((call: InterceptedClientCall) => Metadata | PromiseLike<Metadata>);
  /** Replace a key the call already set. Default false: the call's own value wins. */
  overwrite?: boolean;
}

function inject(target: Metadata, extra: Metadata, overwrite: boolean): void {
  const done = new Set<string>();
  for (const [key] of extra.entries()) {
    if (done.has(key)) continue;
    done.add(key);
    if (target.has(key)) {
      if (!overwrite) continue;
      target.remove(key);
    }
    for (const value of extra.getAll(key)) target.add(key, value);
  }
}

/**
 * Adds metadata to every call: a fixed set, or one computed per call.
 *
 * @example
 * const channel = new GrpcChannel(target, {
 *   interceptors: [metadataInterceptor({ metadata: new Metadata().set('x-client', 'billing-batch') })],
 * });
 */
export function metadataInterceptor(options: MetadataInjectionOptions): ClientInterceptor {
  const overwrite = options.overwrite ?? false;
  const source = options.metadata;
  return {
    name: 'metadata',
    before(call) {
      if (typeof source !== 'function') return inject(call.metadata, source, overwrite);
      const made = source(call);
      if (typeof (made as PromiseLike<Metadata>).then === 'function') {
        return Promise.resolve(made).then((md) => inject(call.metadata, md, overwrite));
      }
      inject(call.metadata, made as Metadata, overwrite);
    },
  };
}

/**
 * Sends `authorization: Bearer <token>` with every call. `token` may be a function (sync or async)
 * so a short-lived token can be refreshed; a token the call set itself is left alone.
 *
 * @example
 * bearerTokenInterceptor({ token: () => tokenCache.current() })
 */
export function bearerTokenInterceptor(options: {
  token: string | ((call: InterceptedClientCall) => string | PromiseLike<string>);
}): ClientInterceptor {
  const { token } = options;
  if (typeof token === 'string' && !/^[\x21-\x7e]+$/.test(token)) {
    throw new RangeError('a bearer token is printable ASCII without spaces');
  }
  const set = (call: InterceptedClientCall, t: string) => {
    if (!call.metadata.has('authorization')) call.metadata.set('authorization', `Bearer ${t}`);
  };
  return {
    name: 'bearer-token',
    before(call) {
      if (typeof token === 'string') return set(call, token);
      const t = token(call);
      if (typeof t === 'string') return set(call, t);
      return Promise.resolve(t).then((v) => set(call, v));
    },
  };
}
