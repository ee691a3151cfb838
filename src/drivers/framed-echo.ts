import { DecodeError } from '../buf/errors.js';
import {
  LengthPrefixDecoder,
  LengthPrefixEncoder,
  type LengthPrefixOptions,
  NEED_MORE,
} from '../framing/index.js';
import { type TcpConnection, TcpServer, type TcpServerOptions } from '../tcp/index.js';

export interface FramedEchoOptions extends TcpServerOptions {
  /** Header format and maximum frame size (default: 4-byte big-endian length, 16 MiB). */
  framing?: LengthPrefixOptions;
}

/** Frames echoed per writev: each takes two iovecs (header, payload) and writev takes 64 at a time. */
const FRAMES_PER_WRITE = 32;
const MAX_HEADER = 10;
// Headers for one batch. Shared by every connection: writev copies whatever the kernel does not take.
const headerScratch = new Uint8Array(FRAMES_PER_WRITE * MAX_HEADER);

/**
 * The echo protocol over length-prefixed frames: each complete frame comes back as a frame, written
 * as [header, payload] with writev (the payload is never joined to its header or copied unless the
 * kernel leaves it queued). Frames completed by one read go out together, 32 per writev. A length past
 * `maxFrameSize` (or a broken varint) closes that connection at once, before any payload is buffered.
 *
 * @example
 * const server = new FramedEchoServer({ framing: { prefix: 4, maxFrameSize: 1 << 20 } });
 * const { port } = await server.listen({ port: 7001 });
 */
export class FramedEchoServer extends TcpServer {
  readonly framing: LengthPrefixOptions;
  /** Connections closed for a bad or oversized length header. */
  framingErrors = 0;

  constructor(options: FramedEchoOptions = {}) {
    super(options);
    this.framing = options.framing ?? {};
    const encoder = new LengthPrefixEncoder(this.framing);
    this.onConnection = (conn) => this.serve(conn, new LengthPrefixDecoder(this.framing), encoder);
  }

  private serve(conn: TcpConnection, decoder: LengthPrefixDecoder, encoder: LengthPrefixEncoder): void {
    const chunks: Uint8Array[] = [];
    let failed = false;
    // Bytes received that are not yet part of an echoed frame, header bytes included (the decoder's
    // `buffered` leaves out a header it has already parsed).
    let pending = 0;
    conn.onData = (data) => {
      if (failed) return;
      try {
        decoder.push(data);
        pending += data.length;
        let offset = 0;
        for (let frame = decoder.read(); frame !== NEED_MORE; frame = decoder.read()) {
          const size = encoder.writeHeader(frame.length, headerScratch, offset);
          pending -= size + frame.length;
          chunks.push(headerScratch.subarray(offset, offset + size), frame);
          offset += MAX_HEADER;
          if (chunks.length === FRAMES_PER_WRITE * 2) {
            conn.writev(chunks);
            chunks.length = 0;
            offset = 0;
          }
        }
        if (chunks.length > 0) conn.writev(chunks);
        chunks.length = 0;
        // A frame cut between reads is in flight: a graceful drain waits for it.
        conn.busy = pending > 0;
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        // No resynchronising after a bad length: send what was already echoed, then close.
        if (chunks.length > 0) conn.writev(chunks);
        chunks.length = 0;
        failed = true;
        this.framingErrors++;
        conn.busy = false;
        conn.end();
      }
    };
  }
}
