// Shared by the http1 core tests: drive an Http1Connection with a byte stream cut into chunks,
// answering each request, and record what it produced in a form independent of the chunking.
import {
  Http1Connection,
  type Http1Limits,
  isHttp1RequestError,
  NEED_DATA,
  PAUSED,
} from '../../src/http1/index.js';

export const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const text = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

export interface Outcome {
  /** One line per event; consecutive data events are merged (their boundaries depend on chunking). */
  events: string[];
  /** What we wrote back, as text. */
  written: string;
  error?: { typed: boolean; code: string; status: number; name: string };
}

/** Feed `chunks` one by one (copying each into a scratch buffer that is then clobbered, like a socket reader). */
export function exchange(
  chunks: Uint8Array[],
  options: { limits?: Partial<Http1Limits>; eof?: boolean; body?: string } = {},
): Outcome {
  const conn = new Http1Connection(options.limits);
  const events: string[] = [];
  let written = '';
  let pendingData = '';
  const flush = () => {
    if (pendingData !== '') events.push(`data ${JSON.stringify(pendingData)}`);
    pendingData = '';
  };
  const scratch = new Uint8Array(64 * 1024);
  const pull = (): Outcome | null => {
    for (;;) {
      let ev: ReturnType<Http1Connection['nextEvent']>;
      try {
        ev = conn.nextEvent();
      } catch (err) {
        flush();
        const e = err as { code?: string; status?: number; name?: string };
        return {
          events,
          written,
          error: {
            typed: isHttp1RequestError(err),
            code: e.code ?? '',
            status: e.status ?? 0,
            name: e.name ?? String(err),
          },
        };
      }
      if (ev === NEED_DATA) return null;
      if (ev === PAUSED) {
        flush();
        if (conn.ourState === 'SEND_RESPONSE') {
          for (const c of conn.respond(200, [['content-type', 'text/plain']], bytes(options.body ?? 'ok'))) {
            written += text(c);
          }
        }
        if (conn.ourState === 'DONE' && conn.theirState === 'DONE') {
          conn.startNextCycle();
          continue;
        }
        return null;
      }
      if (ev.type === 'data') {
        pendingData += text(ev.data);
        continue;
      }
      flush();
      if (ev.type === 'request') {
        events.push(
          `request ${ev.method} ${ev.target} HTTP/${ev.version} ${JSON.stringify([...ev.headers])}`,
        );
      } else if (ev.type === 'end') {
        events.push(`end ${JSON.stringify(ev.trailers ? [...ev.trailers] : null)}`);
      } else {
        events.push('closed');
        return null;
      }
    }
  };
  for (const chunk of chunks) {
    scratch.set(chunk);
    conn.receive(scratch.subarray(0, chunk.length));
    scratch.fill(0x58, 0, chunk.length);
    const failed = pull();
    if (failed) return failed;
  }
  if (options.eof) {
    conn.receiveEof();
    const failed = pull();
    if (failed) return failed;
  }
  flush();
  return { events, written };
}

/** Every way of cutting `stream` at one point, plus byte-by-byte. */
export function chunkings(stream: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[stream]];
  for (let i = 1; i < stream.length; i++) out.push([stream.subarray(0, i), stream.subarray(i)]);
  out.push(Array.from(stream, (_, i) => stream.subarray(i, i + 1)));
  return out;
}
