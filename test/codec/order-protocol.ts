// A small real protocol used to test versioning: clients place orders, the server acknowledges them.
// v1: order {type, id, item, qty} → ack {type, id, qty}.
// v2: order gains `currency` and `notes`; ack gains `currency`; a new message `cancel {type, id, reason}`
// → `cancelled {type, id}`. A side that gets a message type it does not know answers
// `error {code: 'unknown-type'}` and stays up.
// Everything here is sans-IO: bytes in, bytes out, as a TCP driver would carry them.
import {
  type CompressionName,
  type HandshakeAgreement,
  MsgpackDecoder,
  MsgpackEncoder,
  VersionedFrameCodec,
  VersionHandshake,
} from '../../src/codec/index.js';

const encoder = new MsgpackEncoder();
const decoder = new MsgpackDecoder();

type Message = Record<string, unknown>;

/** The server: speaks every version in `versions` and answers each client in the version it agreed. */
export class OrderServer {
  private readonly handshake: VersionHandshake;
  frames: VersionedFrameCodec | undefined;
  agreement: HandshakeAgreement | undefined;

  constructor(
    readonly versions: number[],
    compressions?: CompressionName[],
  ) {
    this.handshake = new VersionHandshake({ role: 'server', versions, compressions });
  }

  /** One connection's hello; returns the reply bytes (and throws nothing: a rejection is a reply too). */
  accept(hello: Uint8Array): Uint8Array {
    const step = this.handshake.receive(hello);
    if (step.agreement) {
      this.agreement = step.agreement;
      this.frames = new VersionedFrameCodec({
        versions: this.versions,
        version: step.agreement.version,
        peerCompressions: step.agreement.compressions,
      });
    }
    return step.reply;
  }

  handle(frame: Uint8Array): Uint8Array {
    if (!this.frames) throw new Error('frame before handshake');
    const { version, body } = this.frames.decode(frame);
    const msg = decoder.decode(body) as Message;
    let reply: Message;
    if (msg.type === 'order') {
      reply = { type: 'ack', id: msg.id, qty: msg.qty };
      if (version >= 2) reply.currency = msg.currency ?? 'EUR';
    } else if (msg.type === 'cancel' && version >= 2) {
      reply = { type: 'cancelled', id: msg.id };
    } else {
      reply = { type: 'error', code: 'unknown-type', got: String(msg.type) };
    }
    return this.frames.encodeJoined(encoder.encode(reply), { version });
  }
}

/** The client: offers its versions, then sends messages in the agreed one. */
export class OrderClient {
  readonly handshake: VersionHandshake;
  frames: VersionedFrameCodec | undefined;

  constructor(
    readonly versions: number[],
    compressions?: CompressionName[],
  ) {
    this.handshake = new VersionHandshake({ role: 'client', versions, compressions });
  }

  hello(): Uint8Array {
    return this.handshake.hello();
  }

  /** Reads the server's reply; throws UnsupportedProtocolVersion if the server rejected us. */
  agreed(reply: Uint8Array): HandshakeAgreement {
    const { agreement } = this.handshake.receive(reply);
    if (!agreement) throw new Error('no agreement');
    this.frames = new VersionedFrameCodec({
      versions: this.versions,
      version: agreement.version,
      peerCompressions: agreement.compressions,
    });
    return agreement;
  }

  /** An order in the richest form this client can send in the agreed version. */
  order(id: number, item: string, qty: number): Uint8Array {
    const msg: Message = { type: 'order', id, item, qty };
    if (this.version() >= 2) Object.assign(msg, { currency: 'CHF', notes: ['gift wrap'] });
    return this.send(msg);
  }

  send(msg: Message): Uint8Array {
    if (!this.frames) throw new Error('send before handshake');
    return this.frames.encodeJoined(encoder.encode(msg));
  }

  read(frame: Uint8Array): Message {
    if (!this.frames) throw new Error('read before handshake');
    return decoder.decode(this.frames.decode(frame).body) as Message;
  }

  version(): number {
    return this.frames?.version ?? 0;
  }
}

/** Handshake and one request/response; the plain-object result is easy to compare. */
export function connect(client: OrderClient, server: OrderServer): HandshakeAgreement {
  return client.agreed(server.accept(client.hello()));
}

/** Plain copy of a decoded record (records have a null-like prototype; deepEqual wants plain objects). */
export function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}
