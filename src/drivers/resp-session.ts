import { WirestackError } from '../buf/errors.js';
import {
  NEED_MORE,
  RespProtocolError,
  RespRequestParser,
  type RespRequestParserOptions,
  type RespSerializer,
} from '../framing/index.js';
import type { TcpConnection } from '../tcp/index.js';
import type { KeyValueStore } from './key-value-store.js';
import type { PubSubHub, Subscriber } from './pubsub-hub.js';
import { executeCommand } from './resp-commands.js';

/**
 * Redis's `client-output-buffer-limit pubsub <hard> <soft> <seconds>`: a subscriber whose unsent
 * output passes `hardBytes` is disconnected at once; one that stays above `softBytes` for
 * `softSeconds` is disconnected too. 0 disables a limit. Default 32 MiB, 8 MiB, 60 s, as Redis.
 */
export interface PubSubOutputLimit {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

export const DEFAULT_PUBSUB_OUTPUT_LIMIT: Readonly<PubSubOutputLimit> = {
  hardBytes: 32 * 1024 * 1024,
  softBytes: 8 * 1024 * 1024,
  softSeconds: 60,
};

/** A subscriber was disconnected because it did not read its messages (see PubSubOutputLimit). */
export class PubSubOutputLimitExceeded extends WirestackError {
  constructor(
    readonly queuedBytes: number,
    readonly limit: 'hardBytes' | 'softBytes',
    readonly max: number,
  ) {
    super(
      'EPUBSUBOUTPUT',
      `subscriber output of ${queuedBytes} bytes exceeds pubsubOutputLimit.${limit}=${max}: the client is not reading`,
    );
  }
}

/** What every session of one server shares. */
export interface RespServerContext {
  readonly store: KeyValueStore;
  readonly hub: PubSubHub;
  /** One reply serializer for all sessions: a session fills it and sends it before returning from onData. */
  readonly out: RespSerializer;
  readonly parserOptions: RespRequestParserOptions;
  readonly pubsubOutputLimit: PubSubOutputLimit;
  readonly stats: RespServerStats;
  readonly sessions: ReadonlyMap<number, RespSession>;
  readonly startedAt: number;
  /** The session whose commands are running right now (for ordering its own pub/sub messages). */
  active: RespSession | null;
  port(): number;
}

export interface RespServerStats {
  commandsProcessed: number;
  connectionsReceived: number;
  protocolErrors: number;
  pubsubLimitDisconnects: number;
}

/** Replies are sent once a batch's output passes this, so one read cannot build an unbounded reply. */
const FLUSH_THRESHOLD = 64 * 1024;

/**
 * One client connection: reads commands with a RespRequestParser, runs every complete command of a
 * read, and answers them all with one write (pipelining). Holds the client's protocol version, name,
 * and pub/sub subscriptions.
 *
 * @example
 * server.onConnection = (conn) => new RespSession(context, conn);
 */
export class RespSession implements Subscriber {
  readonly id: number;
  protocol: 2 | 3 = 2;
  name: Uint8Array | null = null;
  libName: Uint8Array | null = null;
  libVersion: Uint8Array | null = null;
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  /** Set by QUIT or a protocol error: reply, flush, close; ignore whatever else arrives. */
  closing = false;
  readonly createdAt = Date.now();
  private readonly parser: RespRequestParser;
  private softLimitSince = 0;

  constructor(
    readonly context: RespServerContext,
    readonly conn: TcpConnection,
  ) {
    this.id = conn.id;
    this.parser = new RespRequestParser(context.parserOptions);
    conn.onData = this.onData;
    conn.onClose = () => this.dispose();
  }

  /** In subscribed mode: RESP2 clients may then only run (P)SUBSCRIBE, (P)UNSUBSCRIBE, PING, QUIT, RESET. */
  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size;
  }

  readonly onData = (chunk: Uint8Array): void => {
    if (this.closing) return;
    const context = this.context;
    const out = context.out;
    const parser = this.parser;
    context.active = this;
    try {
      parser.push(chunk);
      for (;;) {
        let argv: Uint8Array[] | typeof NEED_MORE;
        try {
          argv = parser.read();
        } catch (err) {
          if (!(err instanceof RespProtocolError)) throw err;
          // Redis's answer to a broken stream: say why, then close this connection only.
          context.stats.protocolErrors++;
          out.protocol = this.protocol;
          out.writeError(`ERR ${err.message}`);
          this.closing = true;
          break;
        }
        if (argv === NEED_MORE) break;
        out.protocol = this.protocol;
        executeCommand(this, argv, out);
        context.stats.commandsProcessed++;
        if (this.closing || this.conn.isClosed) break;
        if (out.length >= FLUSH_THRESHOLD) this.flush();
      }
    } catch (err) {
      out.take(); // drop this session's half-built replies: the next session must not send them
      throw err;
    } finally {
      context.active = null;
    }
    this.flush();
    if (this.closing) this.conn.end();
    // A command cut between two reads is in flight: a graceful drain waits for its end and reply.
    this.conn.busy = !this.closing && parser.inCommand;
  };

  /** Send what this session's commands have written to the shared serializer so far. */
  flush(): void {
    const out = this.context.out;
    if (out.length === 0) return;
    if (this.conn.isClosed) {
      out.take();
      return;
    }
    this.conn.write(out.take());
  }

  deliver(frame: Uint8Array): void {
    if (this.conn.isClosed || this.closing) return;
    // Our own earlier replies (this session published to a channel it is subscribed to) go first.
    if (this.context.active === this) this.flush();
    this.conn.write(frame);
    this.checkOutputLimit(performance.now());
  }

  /** Disconnect a subscriber over its output limits (called on delivery and by the server's timer). */
  checkOutputLimit(now: number): void {
    const queued = this.conn.queuedBytes;
    const limit = this.context.pubsubOutputLimit;
    if (limit.hardBytes > 0 && queued > limit.hardBytes) {
      this.disconnectSlowSubscriber(new PubSubOutputLimitExceeded(queued, 'hardBytes', limit.hardBytes));
      return;
    }
    if (limit.softBytes > 0 && queued > limit.softBytes) {
      if (this.softLimitSince === 0) this.softLimitSince = now;
      else if (now - this.softLimitSince >= limit.softSeconds * 1000) {
        this.disconnectSlowSubscriber(new PubSubOutputLimitExceeded(queued, 'softBytes', limit.softBytes));
      }
    } else {
      this.softLimitSince = 0;
    }
  }

  private disconnectSlowSubscriber(err: PubSubOutputLimitExceeded): void {
    this.context.stats.pubsubLimitDisconnects++;
    this.conn.destroy(err, 'output-overflow');
  }

  private dispose(): void {
    const hub: PubSubHub = this.context.hub;
    for (const channel of this.channels) hub.unsubscribe(this, channel);
    for (const pattern of this.patterns) hub.punsubscribe(this, pattern);
    this.channels.clear();
    this.patterns.clear();
    (this.context.sessions as Map<number, RespSession>).delete(this.id);
  }
}
