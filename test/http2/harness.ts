// Helpers for HTTP/2 tests: in-memory connection pairs and a raw frame-level peer.
import { type HeaderFieldInput, HpackDecoder, HpackEncoder } from '../../src/hpack/index.js';
import { CLIENT_PREFACE, Http2Connection } from '../../src/http2/connection.js';
import type { Http2Event } from '../../src/http2/events.js';
import type { Frame } from '../../src/http2/frame.js';
import { FrameDecoder } from '../../src/http2/frame-decoder.js';
import { encodeHeadersFrames, encodeSettings } from '../../src/http2/frame-encoder.js';
import type { Http2ConnectionOptions } from '../../src/http2/options.js';

export function concat(chunks: readonly Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

/** A client and a server connected in memory; `exchange()` moves bytes until both are quiet. */
export class Pair {
  readonly client: Http2Connection;
  readonly server: Http2Connection;
  clientEvents: Http2Event[] = [];
  serverEvents: Http2Event[] = [];
  /** Called for each server event; may issue commands (a handler). */
  onServerEvent: (ev: Http2Event, server: Http2Connection) => void = () => {};
  onClientEvent: (ev: Http2Event, client: Http2Connection) => void = () => {};
  now = 0;

  constructor(clientOptions: Http2ConnectionOptions = {}, serverOptions: Http2ConnectionOptions = {}) {
    this.client = new Http2Connection('client', clientOptions);
    this.server = new Http2Connection('server', serverOptions);
  }

  /** Returns the number of round trips it took (one step of simulated time each). */
  exchange(maxRounds = 10_000): number {
    for (let i = 0; i < maxRounds; i++) {
      const toServer = concat(this.client.takeOutput());
      const toClient = concat(this.server.takeOutput());
      if (toServer.length === 0 && toClient.length === 0) return i;
      this.now += 1;
      if (toServer.length > 0) {
        for (const ev of this.server.receive(toServer, this.now)) {
          this.serverEvents.push(ev);
          this.onServerEvent(ev, this.server);
        }
      }
      if (toClient.length > 0) {
        for (const ev of this.client.receive(toClient, this.now)) {
          this.clientEvents.push(ev);
          this.onClientEvent(ev, this.client);
        }
      }
    }
    throw new Error('pair did not settle');
  }
}

export const GET: HeaderFieldInput[] = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':authority', 'example.test'],
  [':path', '/'],
];

export function post(path: string, extra: HeaderFieldInput[] = []): HeaderFieldInput[] {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':authority', 'example.test'],
    [':path', path],
    ...extra,
  ];
}

/**
 * A hand-driven peer speaking raw frames to one of our connections (byte-level mock): it writes
 * exactly the frames a test wants, and decodes what our side answers.
 */
export class RawPeer {
  readonly encoder = new HpackEncoder();
  readonly decoder = new HpackDecoder();
  private readonly frames = new FrameDecoder(16777215);
  received: Frame[] = [];
  events: Http2Event[] = [];
  error: unknown;
  private prefaceSkipped = false;

  constructor(
    readonly conn: Http2Connection,
    preface = true,
  ) {
    if (preface && conn.role === 'server') this.send(CLIENT_PREFACE);
    if (preface) this.send(encodeSettings([]));
    this.read();
  }

  /** Sends bytes to our connection; collects events, or the error it threw. */
  send(...chunks: Uint8Array[]): this {
    try {
      for (const c of chunks) this.events.push(...this.conn.receive(c));
    } catch (e) {
      this.error = e;
    }
    return this;
  }

  headers(
    streamId: number,
    fields: HeaderFieldInput[],
    endStream: boolean,
    maxFrameSize = 16384,
  ): Uint8Array {
    return Buffer.from(encodeHeadersFrames(streamId, this.encoder.encode(fields), endStream, maxFrameSize));
  }

  /** Decodes our connection's output so far; returns the new frames. */
  read(): Frame[] {
    let out = concat(this.conn.takeOutput());
    if (this.conn.role === 'client' && !this.prefaceSkipped && out.length >= CLIENT_PREFACE.length) {
      out = out.subarray(CLIENT_PREFACE.length);
      this.prefaceSkipped = true;
    }
    const fresh = this.frames.push(out).map((f) => structuredCloneFrame(f));
    this.received.push(...fresh);
    return fresh;
  }

  /** The last GOAWAY our side sent, if any. */
  goaway(): Extract<Frame, { kind: 'goaway' }> | undefined {
    this.read();
    return this.received.filter((f) => f.kind === 'goaway').at(-1) as
      | Extract<Frame, { kind: 'goaway' }>
      | undefined;
  }

  rsts(): Array<Extract<Frame, { kind: 'rst_stream' }>> {
    this.read();
    return this.received.filter((f) => f.kind === 'rst_stream') as Array<
      Extract<Frame, { kind: 'rst_stream' }>
    >;
  }
}

function structuredCloneFrame(f: Frame): Frame {
  const copy = { ...f } as Record<string, unknown>;
  for (const k of ['data', 'fragment', 'opaque', 'debugData']) {
    const v = copy[k];
    if (v instanceof Uint8Array) copy[k] = Uint8Array.prototype.slice.call(v);
  }
  return copy as unknown as Frame;
}
