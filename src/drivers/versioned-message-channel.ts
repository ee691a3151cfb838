import {
  type BodyCodecName,
  type CompressionName,
  type CompressionPolicy,
  type HandshakeAgreement,
  type VersionedFrame,
  VersionedFrameCodec,
  VersionHandshake,
} from '../codec/index.js';
import { LengthPrefixDecoder, LengthPrefixEncoder, NEED_MORE } from '../framing/index.js';
import type { TcpConnection } from '../tcp/index.js';

/** Options of a {@link VersionedMessageChannel}. */
export interface VersionedMessageChannelOptions {
  /** Protocol versions this side speaks. */
  versions: readonly number[];
  /** Compressions this side accepts. Default: every one this Node has. */
  compressions?: readonly CompressionName[];
  /** Body codecs this side understands. Default: all. */
  codecs?: readonly BodyCodecName[];
  /** Decides per message whether to compress. Default: `new CompressionPolicy()`. */
  policy?: CompressionPolicy;
  /** The most bytes one frame body may decompress to. Default 16 MiB. */
  maxDecompressedBytes?: number;
  /** The largest frame on the wire (the handshake frame included). Default: the framing layer's. */
  maxFrameSize?: number;
}

/**
 * Binds the sans-IO versioning core to a TCP connection: length-prefixed frames, the version handshake as
 * the first frame each way, then versioned (and, where it pays, compressed) messages. A server whose peer
 * offers no common version sends the rejection and ends the connection; the client reports the
 * `UnsupportedProtocolVersion` through `onError`.
 *
 * @example
 * server.onConnection = (conn) => {
 *   const channel = VersionedMessageChannel.server(conn, { versions: [1, 2] });
 *   channel.onMessage = (frame) => channel.send(reply(frame), { version: frame.version });
 * };
 * const client = VersionedMessageChannel.client(await connectTcp({ port }), { versions: [1] });
 * client.onReady = (agreement) => client.send(encoder.encode({ type: 'order', id: 1 }));
 */
export class VersionedMessageChannel {
  /** The handshake succeeded; messages may be sent. */
  onReady: (agreement: HandshakeAgreement) => void = () => {};
  /** One message, decompressed; its body is valid only during the call. */
  onMessage: (frame: VersionedFrame) => void = () => {};
  /** A protocol failure (the connection is closed after it). */
  onError: (err: Error) => void = () => {};
  frames: VersionedFrameCodec | undefined;
  private readonly handshake: VersionHandshake;
  private readonly decoder: LengthPrefixDecoder;
  private readonly encoder: LengthPrefixEncoder;

  private constructor(
    readonly connection: TcpConnection,
    role: 'client' | 'server',
    private readonly options: VersionedMessageChannelOptions,
  ) {
    this.handshake = new VersionHandshake({ role, ...options });
    this.decoder = new LengthPrefixDecoder({ maxFrameSize: options.maxFrameSize });
    this.encoder = new LengthPrefixEncoder({ maxFrameSize: options.maxFrameSize });
    connection.onData = (chunk) => this.receive(chunk);
  }

  /** The server side: waits for the client's hello. */
  static server(connection: TcpConnection, options: VersionedMessageChannelOptions): VersionedMessageChannel {
    return new VersionedMessageChannel(connection, 'server', options);
  }

  /** The client side: sends its hello at once. */
  static client(connection: TcpConnection, options: VersionedMessageChannelOptions): VersionedMessageChannel {
    const channel = new VersionedMessageChannel(connection, 'client', options);
    channel.writeFrame([channel.handshake.hello()]);
    return channel;
  }

  /** Sends one message in the agreed version (or `version`, one of ours); compressed if the policy says so. */
  send(payload: Uint8Array, options: { codec?: BodyCodecName; version?: number } = {}): boolean {
    if (!this.frames) throw new Error('send() before the handshake completed (wait for onReady)');
    return this.writeFrame(this.frames.encode(payload, options));
  }

  private writeFrame(parts: Uint8Array[]): boolean {
    const length = parts.reduce((n, p) => n + p.length, 0);
    return this.connection.writev([this.encoder.header(length), ...parts]);
  }

  private receive(chunk: Uint8Array): void {
    try {
      this.decoder.push(chunk);
      for (let frame = this.decoder.read(); frame !== NEED_MORE; frame = this.decoder.read()) {
        if (this.connection.isClosed) return;
        if (this.frames) this.onMessage(this.frames.decode(frame));
        else this.completeHandshake(frame);
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private completeHandshake(frame: Uint8Array): void {
    const step = this.handshake.receive(frame);
    if (step.reply.length > 0) this.writeFrame([step.reply]);
    if (step.error) {
      this.onError(step.error);
      this.connection.end();
      return;
    }
    const agreement = step.agreement as HandshakeAgreement;
    this.frames = new VersionedFrameCodec({
      versions: this.handshake.versions,
      version: agreement.version,
      policy: this.options.policy,
      peerCompressions: agreement.compressions,
      maxDecompressedBytes: this.options.maxDecompressedBytes,
    });
    this.onReady(agreement);
  }

  private fail(err: Error): void {
    this.onError(err);
    this.connection.destroy(err);
  }
}
