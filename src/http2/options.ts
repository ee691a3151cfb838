import { MAX_INT31, MAX_MAX_FRAME_SIZE, MIN_MAX_FRAME_SIZE } from './frame-type.js';

/**
 * Every limit of an Http2Connection, each with a safe default close to nghttp2 and Go's
 * x/net/http2 (see docs/http2.md for the attack each one stops and the test that shows it).
 */
export interface Http2ConnectionOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise and enforce; more → RST_STREAM REFUSED_STREAM. Default 100 (nghttp2: 100, Go: 250). */
  maxConcurrentStreams?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we advertise: each stream's receive window. Default 1 MiB (Go's server default). */
  initialWindowSize?: number;
  /** The connection receive window (raised with WINDOW_UPDATE at start). Default 1 MiB (Go). */
  connectionWindowSize?: number;
  /** SETTINGS_MAX_FRAME_SIZE we advertise: larger frames are a FRAME_SIZE_ERROR. Default 16384. */
  maxFrameSize?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE, enforced by the HPACK decoder. Default 65536. */
  maxHeaderListSize?: number;
  /** SETTINGS_HEADER_TABLE_SIZE: our decoder's dynamic table. Default 4096. */
  headerTableSize?: number;
  /** CONTINUATION frames allowed in one field block before ENHANCE_YOUR_CALM. Default 32. */
  maxContinuationFrames?: number;
  /** Octets of one reassembled field block before ENHANCE_YOUR_CALM. Default 2 × maxHeaderListSize. */
  maxHeaderBlockBytes?: number;
  /** RST_STREAM frames a peer may send in a burst (CVE-2023-44487). Default 1000 (nghttp2). */
  rapidResetBurst?: number;
  /** Refill of the reset budget per second. Default 33 (nghttp2). */
  rapidResetPerSecond?: number;
  /** Control frames we owe the peer (SETTINGS/PING ACKs, RST_STREAM) queued and not yet taken. Default 10000 (Go's maxQueuedControlFrames). */
  maxQueuedControlFrames?: number;
  /** Empty DATA frames without END_STREAM in a burst (CVE-2019-9518). Default 100. */
  emptyDataFrameBurst?: number;
  /** Refill of the empty DATA budget per second. Default 10. */
  emptyDataFramesPerSecond?: number;
  /** Closed streams remembered to classify late frames (RFC 9113 §5.1): at least this many, at most twice (kept in two generations). Default 1000. */
  maxClosedStreamsRemembered?: number;
  /** Graceful shutdown: how long after the first GOAWAY the final one is sent if the PING ack is late. Default 1000 ms. */
  gracefulShutdownTimeoutMs?: number;
  /**
   * How long the peer may leave our SETTINGS unacknowledged before the connection fails with
   * SETTINGS_TIMEOUT (RFC 9113 §6.5.3 leaves the time to us). A peer that never acknowledges keeps
   * our advertised limits from taking effect. Default 10000 ms; 0 disables.
   */
  settingsAckTimeoutMs?: number;
  /**
   * `'adaptive'` (default): grow the connection and stream receive windows from the measured
   * bandwidth-delay product (BDP PINGs, as grpc-go does), up to `maxAdaptiveWindowSize`.
   * `'fixed'`: keep `initialWindowSize` and `connectionWindowSize`.
   */
  flowControl?: 'adaptive' | 'fixed';
  /** The largest window adaptive flow control grows to. Default 16 MiB (grpc-go's bdpLimit). */
  maxAdaptiveWindowSize?: number;
}

export type ResolvedHttp2Options = Required<Http2ConnectionOptions>;

/** The default limit of adaptive windows: 16 MiB, grpc-go's bdpLimit. */
export const DEFAULT_MAX_ADAPTIVE_WINDOW_SIZE = 16 << 20;

function check(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** Fills in the defaults and checks ranges. */
export function resolveOptions(o: Http2ConnectionOptions = {}): ResolvedHttp2Options {
  const maxHeaderListSize = check('maxHeaderListSize', o.maxHeaderListSize ?? 65536, 1, MAX_INT31);
  return {
    maxConcurrentStreams: check('maxConcurrentStreams', o.maxConcurrentStreams ?? 100, 0, MAX_INT31),
    initialWindowSize: check('initialWindowSize', o.initialWindowSize ?? 1 << 20, 0, MAX_INT31),
    connectionWindowSize: check('connectionWindowSize', o.connectionWindowSize ?? 1 << 20, 65535, MAX_INT31),
    maxFrameSize: check(
      'maxFrameSize',
      o.maxFrameSize ?? MIN_MAX_FRAME_SIZE,
      MIN_MAX_FRAME_SIZE,
      MAX_MAX_FRAME_SIZE,
    ),
    maxHeaderListSize,
    headerTableSize: check('headerTableSize', o.headerTableSize ?? 4096, 0, MAX_INT31),
    maxContinuationFrames: check('maxContinuationFrames', o.maxContinuationFrames ?? 32, 0, MAX_INT31),
    maxHeaderBlockBytes: check(
      'maxHeaderBlockBytes',
      o.maxHeaderBlockBytes ?? 2 * maxHeaderListSize,
      1,
      MAX_INT31,
    ),
    rapidResetBurst: check('rapidResetBurst', o.rapidResetBurst ?? 1000, 1, MAX_INT31),
    rapidResetPerSecond: check('rapidResetPerSecond', o.rapidResetPerSecond ?? 33, 0, MAX_INT31),
    maxQueuedControlFrames: check('maxQueuedControlFrames', o.maxQueuedControlFrames ?? 10000, 1, MAX_INT31),
    emptyDataFrameBurst: check('emptyDataFrameBurst', o.emptyDataFrameBurst ?? 100, 1, MAX_INT31),
    emptyDataFramesPerSecond: check(
      'emptyDataFramesPerSecond',
      o.emptyDataFramesPerSecond ?? 10,
      0,
      MAX_INT31,
    ),
    maxClosedStreamsRemembered: check(
      'maxClosedStreamsRemembered',
      o.maxClosedStreamsRemembered ?? 1000,
      0,
      MAX_INT31,
    ),
    flowControl: o.flowControl === 'fixed' ? 'fixed' : 'adaptive',
    maxAdaptiveWindowSize: check(
      'maxAdaptiveWindowSize',
      o.maxAdaptiveWindowSize ?? DEFAULT_MAX_ADAPTIVE_WINDOW_SIZE,
      65535,
      MAX_INT31,
    ),
    gracefulShutdownTimeoutMs: check(
      'gracefulShutdownTimeoutMs',
      o.gracefulShutdownTimeoutMs ?? 1000,
      0,
      MAX_INT31,
    ),
    settingsAckTimeoutMs: check('settingsAckTimeoutMs', o.settingsAckTimeoutMs ?? 10_000, 0, MAX_INT31),
  };
}
