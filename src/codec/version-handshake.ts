import { BODY_CODEC_NAMES, type BodyCodecName } from './body-codec.js';
import { availableCompressions, COMPRESSION_NAMES, type CompressionName } from './compression-algorithm.js';
import { MsgpackDecoder } from './msgpack-decoder.js';
import { MsgpackEncoder } from './msgpack-encoder.js';
import { malformed, UnsupportedProtocolVersion } from './protocol-version-errors.js';

/** What both sides agreed: the protocol version and what each may send the other. */
export interface HandshakeAgreement {
  /** The highest version both speak. */
  version: number;
  /** Compressions both can decompress (always includes `'none'`). */
  compressions: CompressionName[];
  /** Body codecs both understand. */
  codecs: BodyCodecName[];
}

/** Options of a {@link VersionHandshake}. */
export interface VersionHandshakeOptions {
  role: 'client' | 'server';
  /** Protocol versions this side speaks, each in 1..255. */
  versions: readonly number[];
  /** Compressions this side can decompress. Default: all this Node has ({@link availableCompressions}). */
  compressions?: readonly CompressionName[];
  /** Body codecs this side understands. Default: msgpack, json, protobuf. */
  codecs?: readonly BodyCodecName[];
}

/** The outcome of the server's {@link VersionHandshake.receive}: send `reply`, then go on or close. */
export type HandshakeStep =
  | { reply: Uint8Array; agreement: HandshakeAgreement; error?: undefined }
  | { reply: Uint8Array; agreement?: undefined; error: UnsupportedProtocolVersion };

// The handshake messages are MessagePack maps with string keys, read by every version forever: a newer
// side may add keys, an older one ignores keys it does not know. Their limits are tiny on purpose: this
// is the first thing an unauthenticated peer sends.
const decoder = new MsgpackDecoder({
  maxArrayLength: 256,
  maxStrLength: 4096,
  maxMapLength: 32,
  maxDepth: 3,
});
const MAGIC = 'wirestack';

/**
 * Sans-IO version negotiation before the first frame. The client offers every version it speaks; the
 * server picks the highest common one, or replies with a rejection that lists what it supports (the
 * client then throws {@link UnsupportedProtocolVersion} with that list). Compressions and body codecs are
 * intersected the same way. Bytes in, bytes out: carry them in length-prefixed frames.
 *
 * @example
 * const client = new VersionHandshake({ role: 'client', versions: [1, 2] });
 * const server = new VersionHandshake({ role: 'server', versions: [1, 2, 3] });
 * const step = server.receive(client.hello());      // step.agreement.version === 2
 * const agreement = client.receive(step.reply);       // the same agreement on the client
 */
export class VersionHandshake {
  readonly role: 'client' | 'server';
  readonly versions: readonly number[];
  readonly compressions: readonly CompressionName[];
  readonly codecs: readonly BodyCodecName[];
  /** Set once the handshake has succeeded. */
  agreement: HandshakeAgreement | undefined;
  private helloSent = false;

  constructor(options: VersionHandshakeOptions) {
    this.role = options.role;
    this.versions = [...new Set(options.versions)].sort((a, b) => a - b);
    if (
      this.versions.length === 0 ||
      !this.versions.every((v) => Number.isInteger(v) && v >= 1 && v <= 255)
    ) {
      throw new RangeError(`versions must be integers in [1, 255], got [${options.versions.join(', ')}]`);
    }
    const compressions = options.compressions ?? availableCompressions();
    this.compressions = compressions.includes('none') ? [...compressions] : ['none', ...compressions];
    this.codecs = [...(options.codecs ?? BODY_CODEC_NAMES)];
  }

  /** The client's first message: every version, compression and codec it supports. */
  hello(): Uint8Array {
    if (this.role !== 'client') throw new Error('only the client sends hello');
    this.helloSent = true;
    return new MsgpackEncoder().encode({
      hello: MAGIC,
      versions: this.versions,
      compressions: this.compressions,
      codecs: this.codecs,
    });
  }

  /**
   * Server: reads the hello and returns the reply to send with the agreement, or with the error when no
   * version is common (send the reply, then close). Client: reads the reply and returns the agreement, or
   * throws {@link UnsupportedProtocolVersion} listing the server's versions.
   */
  receive(bytes: Uint8Array): HandshakeStep & { agreement?: HandshakeAgreement } {
    const msg = decoder.decode(bytes);
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || msg instanceof Map) {
      malformed('handshake message is not a map');
    }
    const m = msg as Record<string, unknown>;
    return this.role === 'server' ? this.receiveHello(m) : this.receiveReply(m);
  }

  private receiveHello(m: Record<string, unknown>): HandshakeStep {
    if (m.hello !== MAGIC) malformed('expected a wirestack hello');
    const offered = numbers(m.versions, 'versions');
    const common = offered.filter((v) => this.versions.includes(v));
    if (common.length === 0) {
      const error = new UnsupportedProtocolVersion(offered, this.versions);
      const reply = new MsgpackEncoder().encode({ reject: error.message, supported: this.versions });
      return { reply, error };
    }
    const agreement: HandshakeAgreement = {
      version: Math.max(...common),
      compressions: names(m.compressions, COMPRESSION_NAMES).filter((c) => this.compressions.includes(c)),
      codecs: names(m.codecs, BODY_CODEC_NAMES).filter((c) => this.codecs.includes(c)),
    };
    if (!agreement.compressions.includes('none')) agreement.compressions.unshift('none');
    this.agreement = agreement;
    return { reply: new MsgpackEncoder().encode({ accept: agreement.version, ...agreement }), agreement };
  }

  private receiveReply(m: Record<string, unknown>): HandshakeStep {
    if (!this.helloSent) throw new Error('the client must send hello() before it receives a reply');
    if (m.reject !== undefined)
      throw new UnsupportedProtocolVersion(numbers(m.supported, 'supported'), this.versions);
    const version = m.accept;
    if (typeof version !== 'number' || !this.versions.includes(version)) {
      // A server choosing a version we never offered is broken; say what we offered.
      throw new UnsupportedProtocolVersion([Number(version)], this.versions);
    }
    const agreement: HandshakeAgreement = {
      version,
      compressions: names(m.compressions, COMPRESSION_NAMES).filter((c) => this.compressions.includes(c)),
      codecs: names(m.codecs, BODY_CODEC_NAMES).filter((c) => this.codecs.includes(c)),
    };
    if (!agreement.compressions.includes('none')) agreement.compressions.unshift('none');
    this.agreement = agreement;
    return { reply: new Uint8Array(0), agreement };
  }
}

function numbers(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x)))
    malformed(`handshake ${what} is not a list of integers`);
  return v as number[];
}

// Names this side does not know (a newer peer's algorithms) are dropped, not an error.
function names<T extends string>(v: unknown, known: readonly T[]): T[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) malformed('handshake list is not an array');
  return v.filter((x): x is T => known.includes(x as T));
}
