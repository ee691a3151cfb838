import { RespSerializer } from '../framing/index.js';
import { matchesGlob } from './glob-pattern.js';
import { keyBytes } from './key-value-store.js';

/** Someone who receives published messages: a RESP connection in subscribed mode. */
export interface Subscriber {
  /** The protocol the subscriber speaks: 2 gets `*3` arrays, 3 gets `>3` push frames. */
  readonly protocol: 2 | 3;
  /** One message frame, ready to send. Valid only during the call: write it (write copies what it queues). */
  deliver(frame: Uint8Array): void;
}

interface PatternSubscription {
  readonly pattern: Uint8Array;
  readonly subscribers: Set<Subscriber>;
}

const MESSAGE = new TextEncoder().encode('message');
const PMESSAGE = new TextEncoder().encode('pmessage');

/**
 * Channel and pattern subscriptions, and message fan-out. Channels and patterns are byte strings held
 * as latin1 keys (see keyOf). A message frame is serialized once per protocol per publish, then the same
 * bytes go to every subscriber that speaks it; a subscriber on both a channel and a matching pattern
 * gets it twice, and is counted twice in PUBLISH's reply, as in Redis.
 *
 * @example
 * const hub = new PubSubHub();
 * hub.subscribe(subscriber, keyOf(bytes('news')));
 * hub.publish(bytes('news'), bytes('hello')); // 1
 */
export class PubSubHub {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private readonly patterns = new Map<string, PatternSubscription>();
  private readonly frames = [new RespSerializer({ protocol: 2 }), new RespSerializer({ protocol: 3 })];
  /** Messages handed to subscribers (one per delivery). */
  delivered = 0;

  /** Channels with at least one subscriber. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Patterns with at least one subscriber. */
  get patternCount(): number {
    return this.patterns.size;
  }

  /** Returns false when `subscriber` was already subscribed to `channel`. */
  subscribe(subscriber: Subscriber, channel: string): boolean {
    let set = this.channels.get(channel);
    if (set === undefined) {
      set = new Set();
      this.channels.set(channel, set);
    }
    if (set.has(subscriber)) return false;
    set.add(subscriber);
    return true;
  }

  unsubscribe(subscriber: Subscriber, channel: string): boolean {
    const set = this.channels.get(channel);
    if (set === undefined || !set.delete(subscriber)) return false;
    if (set.size === 0) this.channels.delete(channel);
    return true;
  }

  psubscribe(subscriber: Subscriber, pattern: string): boolean {
    let entry = this.patterns.get(pattern);
    if (entry === undefined) {
      entry = { pattern: keyBytes(pattern), subscribers: new Set() };
      this.patterns.set(pattern, entry);
    }
    if (entry.subscribers.has(subscriber)) return false;
    entry.subscribers.add(subscriber);
    return true;
  }

  punsubscribe(subscriber: Subscriber, pattern: string): boolean {
    const entry = this.patterns.get(pattern);
    if (entry === undefined || !entry.subscribers.delete(subscriber)) return false;
    if (entry.subscribers.size === 0) this.patterns.delete(pattern);
    return true;
  }

  /** Deliver `message` to every subscriber of `channel` and of every matching pattern; returns how many. */
  publish(channel: Uint8Array, channelKey: string, message: Uint8Array): number {
    let receivers = 0;
    const direct = this.channels.get(channelKey);
    if (direct !== undefined) {
      // One frame per protocol, built on first need. A taken view stays intact until the serializer's
      // next write, which only the next frame built here makes.
      let resp2: Uint8Array | null = null;
      let resp3: Uint8Array | null = null;
      for (const subscriber of direct) {
        let frame: Uint8Array;
        if (subscriber.protocol === 2) {
          resp2 ??= this.frames[0]
            .writeArrayHeader(3)
            .writeBulk(MESSAGE)
            .writeBulk(channel)
            .writeBulk(message)
            .take();
          frame = resp2;
        } else {
          resp3 ??= this.frames[1]
            .writePushHeader(3)
            .writeBulk(MESSAGE)
            .writeBulk(channel)
            .writeBulk(message)
            .take();
          frame = resp3;
        }
        subscriber.deliver(frame);
        receivers++;
      }
    }
    for (const entry of this.patterns.values()) {
      if (!matchesGlob(entry.pattern, channel)) continue;
      let resp2: Uint8Array | null = null;
      let resp3: Uint8Array | null = null;
      for (const subscriber of entry.subscribers) {
        let frame: Uint8Array;
        if (subscriber.protocol === 2) {
          resp2 ??= this.patternFrame(this.frames[0], entry.pattern, channel, message);
          frame = resp2;
        } else {
          resp3 ??= this.patternFrame(this.frames[1], entry.pattern, channel, message);
          frame = resp3;
        }
        subscriber.deliver(frame);
        receivers++;
      }
    }
    this.delivered += receivers;
    return receivers;
  }

  private patternFrame(out: RespSerializer, pattern: Uint8Array, channel: Uint8Array, message: Uint8Array) {
    return out
      .writePushHeader(4)
      .writeBulk(PMESSAGE)
      .writeBulk(pattern)
      .writeBulk(channel)
      .writeBulk(message)
      .take();
  }
}
