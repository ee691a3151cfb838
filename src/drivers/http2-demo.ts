import type { Http2Handler } from './http2-server.js';

/**
 * A small demo handler for `curl --http2-prior-knowledge` and `nghttp`: `/` answers text, `/echo`
 * streams the request body back (with backpressure), `/stream` sends ten chunks over time, `/large`
 * answers 1 MiB, and
 * anything else is a 404.
 *
 * @example
 * const server = createHttp2Server(demoHandler);
 * await server.listen({ port: 8443 });
 */
/** The body of `/large`: 1 MiB, allocated once. */
export const LARGE_BODY = new Uint8Array(1024 * 1024).fill(0x61);

export const demoHandler: Http2Handler = (s) => {
  switch (s.path) {
    case '/':
      s.respond([
        [':status', '200'],
        ['content-type', 'text/plain; charset=utf-8'],
      ]);
      s.end(Buffer.from('hello from wirestack over HTTP/2\n'));
      return;
    case '/echo':
      s.respond([
        [':status', '200'],
        ['content-type', 'application/octet-stream'],
      ]);
      s.onData = (chunk) => {
        if (!s.write(chunk)) s.pause();
      };
      s.onDrain = () => s.resume();
      s.onEnd = () => s.end();
      return;
    case '/stream': {
      s.respond([
        [':status', '200'],
        ['content-type', 'text/plain; charset=utf-8'],
      ]);
      let i = 0;
      let stopped = false;
      s.onReset = () => {
        stopped = true;
      };
      const tick = () => {
        if (stopped) return;
        if (i === 10) {
          s.end();
          return;
        }
        s.write(Buffer.from(`chunk ${i++}\n`));
        setTimeout(tick, 5);
      };
      tick();
      return;
    }
    case '/large':
      // 1 MiB, for bulk-transfer benchmarks (flow control and writev paths).
      s.respond([
        [':status', '200'],
        ['content-type', 'application/octet-stream'],
      ]);
      s.end(LARGE_BODY);
      return;
    default:
      s.respond([
        [':status', '404'],
        ['content-type', 'text/plain; charset=utf-8'],
      ]);
      s.end(Buffer.from('not found\n'));
  }
};
