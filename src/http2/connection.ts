import {
  type HeaderField,
  type HeaderFieldInput,
  HeaderListTooLarge,
  HpackDecoder,
  HpackDecodingError,
  HpackEncoder,
} from '../hpack/index.js';
import { BdpEstimator } from './bdp-estimator.js';
import { ErrorCode, errorCodeName } from './error-code.js';
import { Http2ConnectionError, Http2StreamError } from './errors.js';
import type { Http2Event } from './events.js';
import { FlowWindow } from './flow-window.js';
import type {
  ContinuationFrame,
  DataFrame,
  Frame,
  GoawayFrame,
  HeadersFrame,
  PingFrame,
  RstStreamFrame,
  SettingsFrame,
  WindowUpdateFrame,
} from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import {
  encodeFrameHeader,
  encodeGoaway,
  encodeHeadersFrames,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
} from './frame-encoder.js';
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType, MAX_INT31 } from './frame-type.js';
import { HeaderBlock } from './header-block.js';
import { checkFieldSection, type FieldSectionKind } from './header-validation.js';
import { type Http2ConnectionOptions, type ResolvedHttp2Options, resolveOptions } from './options.js';
import { type Http2Settings, initialSettings, SettingId } from './settings.js';
import { Http2Stream, type StreamClosure } from './stream.js';
import { peerMaySend, type StreamState, weMaySend } from './stream-state.js';
import { TokenBucket } from './token-bucket.js';

/** The client connection preface (RFC 9113 §3.4): "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
export const CLIENT_PREFACE: Uint8Array = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Which end of the connection we are. */
export type Http2Role = 'client' | 'server';

/** The opaque data of the PING that ends the first phase of a graceful shutdown. */
const SHUTDOWN_PING = Buffer.from('wsgoaway', 'latin1');
/** The opaque data of BDP PINGs (adaptive flow control); their ACKs are not reported as events. */
const BDP_PING = Buffer.from('wsbdp\0\0\0', 'latin1');

/**
 * A sans-IO HTTP/2 connection (RFC 9113) for either role: feed it the bytes read from the
 * transport with `receive()` and get events; call commands (`request`, `sendHeaders`, `sendData`,
 * `sendTrailers`, `resetStream`, `ping`, `settings`, `goaway`, `shutdownGracefully`) and write out
 * what `takeOutput()` returns. No sockets, no timers: time comes in through `receive(bytes, now)`
 * and `handleTimeout(now)`.
 *
 * Stream errors become RST_STREAM plus a `streamReset` event. A connection error queues GOAWAY
 * and throws Http2ConnectionError: write the output, then close the transport.
 *
 * @example
 * const server = new Http2Connection('server');
 * for (const ev of server.receive(bytesFromSocket, performance.now())) {
 *   if (ev.type === 'requestReceived') {
 *     server.sendHeaders(ev.streamId, [[':status', '200'], ['content-type', 'text/plain']]);
 *     server.sendData(ev.streamId, Buffer.from('hello\n'), { endStream: true });
 *   }
 * }
 * socket.writev(server.takeOutput());
 */
export class Http2Connection {
  readonly role: Http2Role;
  /** The settings the peer has told us (in force for what we send). */
  readonly remoteSettings: Http2Settings = initialSettings();
  /** Our settings as acknowledged by the peer (in force for what we receive). */
  readonly localSettings: Http2Settings = initialSettings();
  private readonly opts: ResolvedHttp2Options;
  private readonly frames: FrameDecoder;
  private readonly hpackDecoder: HpackDecoder;
  private readonly hpackEncoder = new HpackEncoder();
  private readonly pendingLocalSettings: Array<Partial<Http2Settings>> = [];
  /**
   * When each pending SETTINGS was sent, on the caller's clock, in the same order. NaN until the
   * first call that tells the time (the constructor queues our first SETTINGS without a clock).
   */
  private readonly pendingSettingsSentAt: number[] = [];
  private clockKnown = false;
  private output: Uint8Array[] = [];
  /**
   * DATA frame headers are carved from this block, 9 bytes each, and a full block is replaced, never
   * rewritten (queued output may still point into it). One allocation per 256 frames instead of one
   * pooled Buffer each, and the writer sees one ArrayBuffer for all of them.
   */
  private dataHeaders = new Uint8Array(0);
  private dataHeadersUsed = 0;
  private queuedControlFrames = 0;
  private events: Http2Event[] = [];
  /** Octets of the client preface still expected (server). */
  private prefaceLeft: number;
  private sawPeerSettings = false;
  private readonly streams = new Map<number, Http2Stream>();
  /**
   * How recently closed streams closed, in two generations: when the newer one fills up it becomes
   * the older and the old one is dropped whole. Evicting one entry per close (delete the oldest key)
   * cost an iterator and a hole in the Map per stream: 2.4% of a gRPC unary server's CPU.
   */
  private closedStreams = new Map<number, StreamClosure>();
  private closedStreamsBefore = new Map<number, StreamClosure>();
  /** Streams with DATA, trailers or END_STREAM waiting to be framed, in round-robin order. */
  private readonly sendOrder = new Set<number>();
  private lastPeerStreamId = 0;
  private nextLocalStreamId: number;
  private readonly sendWindow = new FlowWindow(65535);
  private readonly recvWindow: FlowWindow;
  private headerBlock: HeaderBlock | undefined;
  private now = 0;
  private closed = false;
  /** The last-stream-id of the final GOAWAY we sent (-1: none). */
  private goawayLastStreamId = -1;
  private goawayReceived = false;
  private shutdownDeadline: number | undefined;
  private readonly rapidResets: TokenBucket;
  private readonly emptyData: TokenBucket;
  private readonly counters = new Map<string, number>();
  /** Adaptive flow control (undefined when fixed). */
  private readonly bdp: BdpEstimator | undefined;

  constructor(role: Http2Role, options: Http2ConnectionOptions = {}) {
    this.role = role;
    this.opts = resolveOptions(options);
    this.frames = new FrameDecoder(this.opts.maxFrameSize);
    // The peer's encoder starts at 4096 whatever we advertise (hpack docs); lowered on ACK.
    this.hpackDecoder = new HpackDecoder({
      maxTableSize: 4096,
      maxHeaderListSize: this.opts.maxHeaderListSize,
    });
    this.recvWindow = new FlowWindow(65535, this.opts.connectionWindowSize);
    this.rapidResets = new TokenBucket(this.opts.rapidResetBurst, this.opts.rapidResetPerSecond);
    this.emptyData = new TokenBucket(this.opts.emptyDataFrameBurst, this.opts.emptyDataFramesPerSecond);
    if (this.opts.flowControl === 'adaptive') {
      const start = Math.min(this.opts.initialWindowSize, this.opts.connectionWindowSize);
      this.bdp = new BdpEstimator(start, Math.max(start, this.opts.maxAdaptiveWindowSize));
    }
    this.prefaceLeft = role === 'server' ? CLIENT_PREFACE.length : 0;
    this.nextLocalStreamId = role === 'client' ? 1 : 2;
    // §3.4: the client sends the preface then SETTINGS; the server's preface is a SETTINGS frame.
    if (role === 'client') this.output.push(CLIENT_PREFACE);
    const wanted: Partial<Http2Settings> = {
      maxConcurrentStreams: this.opts.maxConcurrentStreams,
      initialWindowSize: this.opts.initialWindowSize,
      maxFrameSize: this.opts.maxFrameSize,
      maxHeaderListSize: this.opts.maxHeaderListSize,
    };
    if (this.opts.headerTableSize !== 4096) wanted.headerTableSize = this.opts.headerTableSize;
    // We never accept server push (§8.4): a client says so at once.
    if (role === 'client') wanted.enablePush = false;
    this.queueSettings(wanted);
    if (this.opts.connectionWindowSize > 65535) {
      this.output.push(encodeWindowUpdate(0, this.opts.connectionWindowSize - 65535));
      this.recvWindow.available = this.opts.connectionWindowSize;
    }
  }

  // ---------------------------------------------------------------- input

  /**
   * Processes bytes read from the transport and returns the resulting events. `now` (ms, any
   * monotonic clock) feeds the rate limits. Throws Http2ConnectionError after queuing GOAWAY.
   *
   * @example
   * const events = conn.receive(chunk, performance.now());
   */
  receive(data: Uint8Array, now?: number): Http2Event[] {
    if (now !== undefined) this.tick(now);
    if (this.closed) return [];
    let at = 0;
    try {
      if (this.prefaceLeft > 0) {
        at = this.matchPreface(data);
        if (this.prefaceLeft > 0) return this.takeEvents();
      }
      for (;;) {
        let next: { frame: Frame; offset: number } | undefined;
        try {
          next = this.frames.next(data, at);
        } catch (e) {
          if (!(e instanceof Http2StreamError)) throw e;
          this.checkFirstFrame(undefined);
          this.onStreamError(e);
          at = this.frames.resumeAt;
          continue;
        }
        if (next === undefined) break;
        at = next.offset;
        try {
          this.handleFrame(next.frame);
        } catch (e) {
          if (!(e instanceof Http2StreamError)) throw e;
          this.onStreamError(e);
        }
      }
    } catch (e) {
      throw this.failConnection(e);
    }
    return this.takeEvents();
  }

  /** Events produced by commands (e.g. a stream reset while sending); receive() returns its own. */
  takeEvents(): Http2Event[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private matchPreface(data: Uint8Array): number {
    const start = CLIENT_PREFACE.length - this.prefaceLeft;
    const n = Math.min(this.prefaceLeft, data.length);
    for (let i = 0; i < n; i++) {
      // §3.4: "Clients and servers MUST treat an invalid connection preface as a connection error
      // (Section 5.4.1) of type PROTOCOL_ERROR."
      if (data[i] !== CLIENT_PREFACE[start + i]) {
        this.count('bad_preface');
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'invalid client connection preface');
      }
    }
    this.prefaceLeft -= n;
    return n;
  }

  /** §3.4: the first frame of the peer's preface MUST be SETTINGS. */
  private checkFirstFrame(frame: Frame | undefined): void {
    if (this.sawPeerSettings) return;
    if (frame?.kind === 'settings' && !frame.ack) {
      this.sawPeerSettings = true;
      return;
    }
    this.count('preface_not_settings');
    throw new Http2ConnectionError(
      ErrorCode.PROTOCOL_ERROR,
      'the connection preface must start with SETTINGS',
    );
  }

  private handleFrame(frame: Frame): void {
    this.checkFirstFrame(frame);
    // §6.10: a field block is a contiguous sequence: "Receipt of any other type of frame or a frame
    // on a different stream MUST be treated as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    if (this.headerBlock !== undefined && frame.kind !== 'continuation') {
      this.count('frame_inside_header_block');
      throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `${frame.kind} frame inside a field block`);
    }
    switch (frame.kind) {
      case 'data': {
        this.onData(frame);
        return;
      }
      case 'headers': {
        this.onHeaders(frame);
        return;
      }
      case 'priority':
        return; // §5.3.2: priority signals are deprecated; parsed and checked, then ignored.
      case 'rst_stream': {
        this.onRstStream(frame);
        return;
      }
      case 'settings': {
        this.onSettings(frame);
        return;
      }
      case 'push_promise':
        // §8.4: "A client cannot push. Thus, servers MUST treat the receipt of a PUSH_PROMISE frame as
        // a connection error (Section 5.4.1) of type PROTOCOL_ERROR." A client advertises
        // SETTINGS_ENABLE_PUSH=0, and §6.6: an endpoint that has set it "MUST treat the receipt of a
        // PUSH_PROMISE frame as a connection error (Section 5.4.1) of type PROTOCOL_ERROR".
        this.count('push_promise_refused');
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE is not accepted');
      case 'ping': {
        this.onPing(frame);
        return;
      }
      case 'goaway': {
        this.onGoaway(frame);
        return;
      }
      case 'window_update': {
        this.onWindowUpdate(frame);
        return;
      }
      case 'continuation': {
        this.onContinuation(frame);
        return;
      }
      case 'unknown':
        return; // §5.5: "Implementations MUST discard frames that have unknown or unsupported types."
      default:
        assertNever(frame);
    }
  }

  private isPeerInitiated(streamId: number): boolean {
    return (streamId & 1) === (this.role === 'server' ? 1 : 0);
  }

  /** An id no stream has used yet (RFC 9113 §5.1.1: lower unused ids are implicitly closed). */
  private isIdle(streamId: number): boolean {
    return this.isPeerInitiated(streamId)
      ? streamId > this.lastPeerStreamId
      : streamId >= this.nextLocalStreamId;
  }

  private onData(f: DataFrame): void {
    const id = f.streamId;
    const length = f.flowControlledLength;
    // §6.9.1: "A receiver MAY respond with a connection error (Section 5.4.1) of type
    // FLOW_CONTROL_ERROR" when a sender ignores the window; we do for the connection window.
    if (length > this.recvWindow.available) {
      this.count('flow_control_connection_window_exceeded');
      throw new Http2ConnectionError(
        ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${length} octets exceeds the connection window of ${this.recvWindow.available}`,
      );
    }
    this.recvWindow.consume(length);
    if (this.bdp?.onData(length, this.now)) this.output.push(encodePing(BDP_PING, false));
    const stream = this.streams.get(id);
    if (stream === undefined || !peerMaySend(stream.state)) {
      // The stream is gone: its octets still count against the connection window (§6.9), and
      // nobody will acknowledge them, so the connection returns them now.
      this.acknowledgeConnection(length);
      if (stream !== undefined) {
        // §5.1 half-closed (remote): "If an endpoint receives additional frames, other than
        // WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in this state, it MUST respond
        // with a stream error (Section 5.4.2) of type STREAM_CLOSED."
        this.count('data_after_end_stream');
        throw new Http2StreamError(id, ErrorCode.STREAM_CLOSED, 'DATA after END_STREAM');
      }
      this.onFrameForMissingStream(id, 'DATA');
      return;
    }
    if (length > stream.recvWindow.available) {
      this.acknowledgeConnection(length);
      this.count('flow_control_stream_window_exceeded');
      throw new Http2StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, `DATA exceeds the stream window`);
    }
    stream.recvWindow.consume(length);
    const padding = length - f.data.length;
    if (padding > 0) {
      this.acknowledgeConnection(padding);
      this.acknowledgeStream(stream, padding);
    }
    if (!stream.peerInitiated && stream.headersReceived !== 'final') {
      // §8.1: a response is a header section, then content; DATA first is malformed.
      this.count('malformed_data_before_headers');
      this.acknowledgeConnection(f.data.length);
      throw new Http2StreamError(id, ErrorCode.PROTOCOL_ERROR, 'DATA before the response header section');
    }
    stream.receivedBytes += f.data.length;
    // §8.1.1: "A request or response is also malformed if the value of a content-length header field
    // does not equal the sum of the DATA frame payload lengths that form the content".
    if (stream.contentLength >= 0 && stream.receivedBytes > stream.contentLength) {
      this.count('malformed_content_length');
      this.acknowledgeConnection(f.data.length);
      throw new Http2StreamError(id, ErrorCode.PROTOCOL_ERROR, 'more DATA than content-length');
    }
    if (f.data.length === 0 && !f.endStream && !this.emptyData.take(this.now)) {
      this.count('empty_data_flood');
      throw new Http2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many empty DATA frames');
    }
    if (f.data.length > 0) {
      this.events.push({
        type: 'dataReceived',
        streamId: id,
        data: Uint8Array.prototype.slice.call(f.data),
        flowControlledLength: f.data.length,
        endStream: f.endStream,
      });
    }
    if (f.endStream) this.remoteEnded(stream);
  }

  /**
   * A frame other than HEADERS, PRIORITY, WINDOW_UPDATE or RST_STREAM on a stream we hold no record
   * of: idle is a connection error, closed depends on how it closed (RFC 9113 §5.1).
   */
  private onFrameForMissingStream(id: number, what: string): void {
    if (this.isIdle(id)) {
      // §5.1 idle: "Receiving any frame other than HEADERS or PRIORITY on a stream in this state MUST
      // be treated as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
      this.count('frame_on_idle_stream');
      throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on idle stream ${id}`);
    }
    const how = this.closure(id);
    switch (how) {
      case 'reset_sent':
      case 'ignored':
        // §5.1 closed: "An endpoint MUST ignore frames that it receives on closed streams after it
        // has sent a RST_STREAM frame."
        return;
      case 'ended':
        // §5.1 closed: "an endpoint that receives any frames after receiving a frame with the
        // END_STREAM flag set MUST treat that as a connection error (Section 5.4.1) of type STREAM_CLOSED".
        this.count('frame_on_closed_stream');
        throw new Http2ConnectionError(ErrorCode.STREAM_CLOSED, `${what} on closed stream ${id}`);
      case 'reset_received':
      case undefined:
        // §5.1 closed: "An endpoint that receives any frame other than PRIORITY after receiving a
        // RST_STREAM MUST treat that as a stream error (Section 5.4.2) of type STREAM_CLOSED."
        this.count('frame_on_closed_stream');
        throw new Http2StreamError(id, ErrorCode.STREAM_CLOSED, `${what} on closed stream`);
      default:
        assertNever(how);
    }
  }

  private onHeaders(f: HeadersFrame): void {
    const block = new HeaderBlock(f, this.opts.maxHeaderBlockBytes, this.opts.maxContinuationFrames);
    this.addFragment(block, f.fragment, false, f.endHeaders);
    if (f.endHeaders) this.onFieldBlock(block, block.bytes());
    else this.headerBlock = block;
  }

  private addFragment(block: HeaderBlock, fragment: Uint8Array, continuation: boolean, last: boolean): void {
    try {
      block.add(fragment, continuation, last);
    } catch (e) {
      if (block.tripped !== undefined) this.count(block.tripped);
      throw e;
    }
  }

  private onContinuation(f: ContinuationFrame): void {
    const block = this.headerBlock;
    // §6.10: "A CONTINUATION frame MUST be preceded by a HEADERS, PUSH_PROMISE or CONTINUATION frame
    // without the END_HEADERS flag set. A recipient that observes violation of this rule MUST respond
    // with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    if (block === undefined || block.streamId !== f.streamId) {
      this.count('unexpected_continuation');
      throw new Http2ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `unexpected CONTINUATION on stream ${f.streamId}`,
      );
    }
    this.addFragment(block, f.fragment, true, f.endHeaders);
    if (!f.endHeaders) return;
    this.headerBlock = undefined;
    this.onFieldBlock(block, block.bytes());
  }

  /** A complete field block: decode it (always, to keep HPACK in sync), then route it. */
  private onFieldBlock(block: HeaderBlock, bytes: Uint8Array): void {
    const id = block.streamId;
    let fields: HeaderField[] = [];
    let tooLarge = false;
    try {
      fields = this.hpackDecoder.decode(bytes);
    } catch (e) {
      if (e instanceof HeaderListTooLarge && e.tableInSync) tooLarge = true;
      else if (e instanceof HpackDecodingError || e instanceof HeaderListTooLarge) {
        // §4.3: "A decoding error in a field block MUST be treated as a connection error
        // (Section 5.4.1) of type COMPRESSION_ERROR."
        this.count('hpack_decoding_error');
        throw new Http2ConnectionError(ErrorCode.COMPRESSION_ERROR, e.message);
      } else throw e;
    }
    if (tooLarge) this.count('header_list_too_large');
    const stream = this.streams.get(id);
    if (stream === undefined) {
      this.onNewStreamHeaders(block, fields, tooLarge);
      return;
    }
    if (block.priority?.dependency === id) {
      throw new Http2StreamError(id, ErrorCode.PROTOCOL_ERROR, 'stream depends on itself');
    }
    // §5.1 half-closed (remote): frames other than WINDOW_UPDATE, PRIORITY, RST_STREAM → STREAM_CLOSED.
    if (!peerMaySend(stream.state)) {
      this.count('headers_after_end_stream');
      throw new Http2StreamError(id, ErrorCode.STREAM_CLOSED, 'HEADERS after END_STREAM');
    }
    if (tooLarge) throw new Http2StreamError(id, ErrorCode.PROTOCOL_ERROR, 'header list too large');
    const firstResponse = !stream.peerInitiated && stream.headersReceived !== 'final';
    if (firstResponse) {
      this.onResponseHeaders(stream, fields, block.endStream);
      return;
    }
    // A second field section is a trailer section, and it ends the stream. §8.1: "An endpoint that
    // receives a HEADERS frame without the END_STREAM flag set after receiving the HEADERS frame that
    // opens a request or after receiving a final (non-informational) status code MUST treat the
    // corresponding request or response as malformed (Section 8.1.1)."
    if (!block.endStream) this.malformed(id, 'trailer section without END_STREAM');
    this.checkSection(id, fields, 'trailers');
    stream.apply('recv_headers');
    this.events.push({ type: 'trailersReceived', streamId: id, headers: fields });
    this.remoteEnded(stream);
  }

  private onNewStreamHeaders(block: HeaderBlock, fields: HeaderField[], tooLarge: boolean): void {
    const id = block.streamId;
    if (!this.isPeerInitiated(id) || this.role === 'client') {
      if (!this.isIdle(id)) {
        this.onFrameForMissingStream(id, 'HEADERS');
        return;
      }
      // §5.1.1: "Streams initiated by a client MUST use odd-numbered stream identifiers; those
      // initiated by the server MUST use even-numbered stream identifiers." and "An endpoint that
      // receives an unexpected stream identifier MUST respond with a connection error (Section 5.4.1)
      // of type PROTOCOL_ERROR." (a server opens streams only with PUSH_PROMISE, which we refuse)
      this.count('bad_stream_id');
      throw new Http2ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `HEADERS opening stream ${id} from the ${this.peerRole}`,
      );
    }
    if (id <= this.lastPeerStreamId) {
      const how = this.closure(id);
      if (how !== undefined) {
        this.onFrameForMissingStream(id, 'HEADERS');
        return;
      }
      // §5.1.1: "The identifier of a newly established stream MUST be numerically greater than all
      // streams that the initiating endpoint has opened or reserved. ... An endpoint that receives an
      // unexpected stream identifier MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
      this.count('stream_id_not_increasing');
      throw new Http2ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `stream ${id} is not above ${this.lastPeerStreamId}`,
      );
    }
    this.lastPeerStreamId = id;
    if (this.goawayLastStreamId >= 0 && id > this.goawayLastStreamId) {
      // §6.8: after GOAWAY the sender "can discard frames for streams initiated by the receiver
      // with identifiers higher than the identified last stream".
      this.count('stream_after_goaway');
      this.rememberClosed(id, 'ignored');
      return;
    }
    if (block.priority?.dependency === id) {
      // §5.3.1: "A stream cannot depend on itself. An endpoint MUST treat this as a stream error of type PROTOCOL_ERROR."
      this.count('priority_self_dependency');
      this.queueControl(encodeRstStream(id, ErrorCode.PROTOCOL_ERROR));
      this.rememberClosed(id, 'reset_sent');
      return;
    }
    if (this.activePeerStreams() >= this.opts.maxConcurrentStreams) {
      // §5.1.2: "An endpoint that receives a HEADERS frame that causes its advertised concurrent
      // stream limit to be exceeded MUST treat this as a stream error (Section 5.4.2) of type
      // PROTOCOL_ERROR or REFUSED_STREAM."
      this.count('refused_stream_max_concurrent');
      this.queueControl(encodeRstStream(id, ErrorCode.REFUSED_STREAM));
      this.rememberClosed(id, 'reset_sent');
      return;
    }
    const stream = this.openStream(id, true);
    stream.apply('recv_headers');
    if (tooLarge) {
      // §10.5.1: a server "can send a 431 (Request Header Fields Too Large) status code"; the table
      // is in sync, so only this stream is refused.
      this.sendHeaders(id, [[':status', '431']], { endStream: true });
      if (block.endStream) {
        stream.apply('recv_end_stream');
        this.closeStream(stream, 'ended');
      } else {
        // §8.1: the server "MAY request that the client abort transmission of a request without
        // error by sending a RST_STREAM with an error code of NO_ERROR".
        this.resetStream(id, ErrorCode.NO_ERROR);
      }
      return;
    }
    const check = this.checkSection(id, fields, 'request');
    stream.contentLength = check;
    this.events.push({ type: 'requestReceived', streamId: id, headers: fields, endStream: block.endStream });
    if (block.endStream) this.remoteEnded(stream);
  }

  private onResponseHeaders(stream: Http2Stream, fields: HeaderField[], endStream: boolean): void {
    const id = stream.id;
    const r = checkFieldSection(fields, 'response');
    if (!r.ok) this.malformed(id, r.reason);
    stream.apply('recv_headers');
    if (r.status >= 100 && r.status < 200) {
      // §8.1: "A HEADERS frame with the END_STREAM flag set that carries an informational status
      // code is malformed (Section 8.1.1)."
      if (endStream) this.malformed(id, 'informational response with END_STREAM');
      stream.headersReceived = 'informational';
      this.events.push({ type: 'informationalResponseReceived', streamId: id, headers: fields });
      return;
    }
    stream.headersReceived = 'final';
    // §8.1.1: "A response that is defined to have no content, as described in [HTTP], can have a
    // non-zero content-length header field, even though no content is included in DATA frames."
    const noContent = stream.headRequest || r.status === 204 || r.status === 304;
    stream.contentLength = noContent ? -1 : r.contentLength;
    this.events.push({ type: 'responseReceived', streamId: id, headers: fields, endStream });
    if (endStream) this.remoteEnded(stream);
  }

  /** Validates a field section; returns content-length (-1 when absent). */
  private checkSection(id: number, fields: HeaderField[], kind: FieldSectionKind): number {
    const r = checkFieldSection(fields, kind);
    if (!r.ok) return this.malformed(id, r.reason);
    return r.contentLength;
  }

  private malformed(id: number, reason: string): never {
    // §8.1.1: "Malformed requests or responses that are detected MUST be treated as a stream error
    // (Section 5.4.2) of type PROTOCOL_ERROR."
    this.count('malformed_headers');
    throw new Http2StreamError(id, ErrorCode.PROTOCOL_ERROR, `malformed message: ${reason}`);
  }

  private remoteEnded(stream: Http2Stream): void {
    if (stream.contentLength >= 0 && stream.receivedBytes !== stream.contentLength) {
      this.count('malformed_content_length');
      throw new Http2StreamError(
        stream.id,
        ErrorCode.PROTOCOL_ERROR,
        'content-length does not match the DATA',
      );
    }
    const state = stream.apply('recv_end_stream');
    this.events.push({ type: 'streamEnded', streamId: stream.id });
    if (state === 'closed') this.closeStream(stream, 'ended');
  }

  private onRstStream(f: RstStreamFrame): void {
    const stream = this.streams.get(f.streamId);
    if (stream === undefined) {
      // §6.4: "If a RST_STREAM frame identifying an idle stream is received, the recipient MUST treat
      // this as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
      if (this.isIdle(f.streamId)) {
        this.count('rst_stream_idle');
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${f.streamId}`);
      }
      return; // closed: §5.1 allows RST_STREAM for a short period; nothing to do.
    }
    // CVE-2023-44487 (rapid reset): each reset stream cost us work; a peer resetting faster than
    // the budget refills gets GOAWAY ENHANCE_YOUR_CALM.
    if (!this.rapidResets.take(this.now)) {
      this.count('rapid_reset');
      throw new Http2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many streams reset by the peer');
    }
    stream.apply('recv_rst_stream');
    this.closeStream(stream, 'reset_received');
    this.events.push({ type: 'streamReset', streamId: f.streamId, errorCode: f.errorCode, remote: true });
  }

  private onSettings(f: SettingsFrame): void {
    if (f.ack) {
      const applied = this.pendingLocalSettings.shift();
      this.pendingSettingsSentAt.shift();
      if (applied === undefined) {
        this.count('settings_ack_unexpected');
        return;
      }
      this.applyLocalSettings(applied);
      this.events.push({ type: 'settingsAcked', settings: { ...this.localSettings } });
      return;
    }
    const changed: Partial<Http2Settings> = {};
    const s = this.remoteSettings;
    // §6.5.3: "The values in the SETTINGS frame MUST be processed in the order they appear".
    for (const [id, value] of f.entries) {
      switch (id) {
        case SettingId.HEADER_TABLE_SIZE:
          s.headerTableSize = changed.headerTableSize = value;
          this.hpackEncoder.setMaxTableSize(value);
          break;
        case SettingId.ENABLE_PUSH:
          // §6.5.2: "A client MUST treat receipt of a SETTINGS frame with SETTINGS_ENABLE_PUSH set to
          // 1 as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
          if (value === 1 && this.role === 'client') {
            throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'server sent SETTINGS_ENABLE_PUSH=1');
          }
          s.enablePush = changed.enablePush = value === 1;
          break;
        case SettingId.MAX_CONCURRENT_STREAMS:
          s.maxConcurrentStreams = changed.maxConcurrentStreams = value;
          break;
        case SettingId.INITIAL_WINDOW_SIZE: {
          // §6.9.2: "the receiver MUST adjust the size of all stream flow-control windows that it
          // maintains by the difference between the new value and the old value." and "An endpoint
          // MUST treat a change to SETTINGS_INITIAL_WINDOW_SIZE that causes any flow-control window
          // to exceed the maximum size as a connection error (Section 5.4.1) of type FLOW_CONTROL_ERROR."
          const delta = value - s.initialWindowSize;
          for (const stream of this.streams.values()) {
            if (!stream.sendWindow.increase(delta)) {
              this.count('flow_control_settings_overflow');
              throw new Http2ConnectionError(
                ErrorCode.FLOW_CONTROL_ERROR,
                `stream ${stream.id} window overflows`,
              );
            }
          }
          s.initialWindowSize = changed.initialWindowSize = value;
          break;
        }
        case SettingId.MAX_FRAME_SIZE:
          s.maxFrameSize = changed.maxFrameSize = value;
          break;
        case SettingId.MAX_HEADER_LIST_SIZE:
          s.maxHeaderListSize = changed.maxHeaderListSize = value;
          break;
        default:
          break; // §6.5.2: unknown or unsupported identifiers are ignored.
      }
    }
    // §6.5.3: "Upon receiving and applying [the SETTINGS], the recipient MUST immediately emit a
    // SETTINGS frame with the ACK flag set."
    this.queueControl(encodeSettings(null));
    this.events.push({ type: 'settingsChanged', changed, settings: { ...s } });
  }

  private applyLocalSettings(applied: Partial<Http2Settings>): void {
    const l = this.localSettings;
    if (applied.headerTableSize !== undefined) {
      l.headerTableSize = applied.headerTableSize;
      this.hpackDecoder.setMaxTableSize(applied.headerTableSize);
    }
    if (applied.initialWindowSize !== undefined) {
      const delta = applied.initialWindowSize - l.initialWindowSize;
      for (const stream of this.streams.values()) {
        stream.recvWindow.available += delta;
        stream.recvWindow.target = applied.initialWindowSize;
      }
      l.initialWindowSize = applied.initialWindowSize;
    }
    if (applied.maxConcurrentStreams !== undefined) l.maxConcurrentStreams = applied.maxConcurrentStreams;
    if (applied.maxFrameSize !== undefined) l.maxFrameSize = applied.maxFrameSize;
    if (applied.maxHeaderListSize !== undefined) l.maxHeaderListSize = applied.maxHeaderListSize;
    if (applied.enablePush !== undefined) l.enablePush = applied.enablePush;
  }

  private onPing(f: PingFrame): void {
    const data = Uint8Array.prototype.slice.call(f.opaque);
    if (f.ack) {
      if (this.bdp !== undefined && Buffer.compare(data, BDP_PING) === 0) {
        const grown = this.bdp.onPingAck(this.now);
        if (grown !== undefined) this.growWindows(grown);
        return;
      }
      if (this.shutdownDeadline !== undefined && Buffer.compare(data, SHUTDOWN_PING) === 0)
        this.finishShutdown();
      this.events.push({ type: 'pingAcked', data });
      return;
    }
    // §6.7: "Receivers of a PING frame that does not include an ACK flag MUST send a PING frame with
    // the ACK flag set in response, with an identical frame payload."
    this.queueControl(encodePing(data, true));
    this.events.push({ type: 'pingReceived', data });
  }

  /** Adaptive flow control: raise the connection window now, and every stream's through SETTINGS. */
  private growWindows(size: number): void {
    this.count('bdp_window_grown');
    const connDelta = size - this.recvWindow.target;
    if (connDelta > 0) {
      this.recvWindow.target = size;
      this.recvWindow.available += connDelta;
      this.output.push(encodeWindowUpdate(0, connDelta));
    }
    const pendingWindow = this.pendingLocalSettings.reduce<number | undefined>(
      (w, s) => s.initialWindowSize ?? w,
      undefined,
    );
    if (size > (pendingWindow ?? this.localSettings.initialWindowSize))
      this.queueSettings({ initialWindowSize: size });
  }

  private onGoaway(f: GoawayFrame): void {
    this.goawayReceived = true;
    // §6.8: streams we initiated above last-stream-id were not processed and may be retried.
    for (const stream of [...this.streams.values()]) {
      if (!stream.peerInitiated && stream.id > f.lastStreamId) {
        stream.apply('recv_rst_stream');
        this.closeStream(stream, 'reset_received');
        this.events.push({
          type: 'streamReset',
          streamId: stream.id,
          errorCode: ErrorCode.REFUSED_STREAM,
          remote: true,
        });
      }
    }
    this.events.push({
      type: 'goAwayReceived',
      lastStreamId: f.lastStreamId,
      errorCode: f.errorCode,
      debugData: Uint8Array.prototype.slice.call(f.debugData),
    });
  }

  private onWindowUpdate(f: WindowUpdateFrame): void {
    if (f.streamId === 0) {
      // §6.9.1: "If a sender receives a WINDOW_UPDATE that causes a flow-control window to exceed
      // this maximum, it MUST terminate either the stream or the connection, as appropriate. For
      // streams, the sender sends a RST_STREAM with an error code of FLOW_CONTROL_ERROR; for the
      // connection, a GOAWAY frame with an error code of FLOW_CONTROL_ERROR is sent."
      if (!this.sendWindow.increase(f.increment)) {
        this.count('flow_control_window_overflow');
        throw new Http2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window above 2^31-1');
      }
      this.events.push({ type: 'windowUpdated', streamId: 0, delta: f.increment });
      return;
    }
    const stream = this.streams.get(f.streamId);
    if (stream === undefined) {
      if (this.isIdle(f.streamId)) {
        this.onFrameForMissingStream(f.streamId, 'WINDOW_UPDATE');
        return;
      }
      return; // §5.1 closed: WINDOW_UPDATE may arrive for a short period; ignored.
    }
    if (!stream.sendWindow.increase(f.increment)) {
      this.count('flow_control_window_overflow');
      throw new Http2StreamError(f.streamId, ErrorCode.FLOW_CONTROL_ERROR, 'stream window above 2^31-1');
    }
    this.events.push({ type: 'windowUpdated', streamId: f.streamId, delta: f.increment });
  }

  /** A stream error in the peer's frames: RST_STREAM, unless the stream is idle (then it is the connection's). */
  private onStreamError(e: Http2StreamError): void {
    const id = e.streamId;
    const stream = this.streams.get(id);
    if (stream === undefined) {
      // §6.4: "RST_STREAM frames MUST NOT be sent for a stream in the idle state."
      if (this.isIdle(id)) throw new Http2ConnectionError(e.errorCode, `on idle stream ${id}: ${e.message}`);
      this.queueControl(encodeRstStream(id, e.errorCode));
      this.rememberClosed(id, 'reset_sent');
      return;
    }
    // "MadeYouReset" (CVE-2025-8671): a peer can make *us* reset its streams with deliberately bad
    // frames, which costs us the same work as a rapid reset; the same budget applies.
    if (!this.rapidResets.take(this.now)) {
      this.count('made_you_reset');
      throw new Http2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many streams reset for peer errors');
    }
    this.queueControl(encodeRstStream(id, e.errorCode));
    stream.apply('send_rst_stream');
    this.closeStream(stream, 'reset_sent');
    this.events.push({ type: 'streamReset', streamId: id, errorCode: e.errorCode, remote: false });
  }

  private failConnection(e: unknown): unknown {
    if (!(e instanceof Http2ConnectionError)) return e;
    if (!this.closed) {
      this.closed = true;
      this.count(`connection_error_${errorCodeName(e.errorCode).toLowerCase()}`);
      // §5.4.1: "An endpoint that encounters a connection error SHOULD first send a GOAWAY frame
      // (Section 6.8) with the stream identifier of the last stream that it successfully received
      // from its peer."
      const debug = Buffer.from(e.message.slice(0, 256), 'latin1');
      this.output.push(encodeGoaway(this.lastPeerStreamId, e.errorCode, debug));
      this.goawayLastStreamId = this.lastPeerStreamId;
    }
    return e;
  }

  // ---------------------------------------------------------------- commands

  /**
   * Client: opens the next stream with a request header section and returns its id.
   *
   * @example
   * const id = client.request([[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', '/']], { endStream: true });
   */
  request(headers: Iterable<HeaderFieldInput>, options: { endStream?: boolean } = {}): number {
    this.assertOpen();
    if (this.role !== 'client') throw new RangeError('only a client opens request streams');
    if (this.goawayReceived || this.goawayLastStreamId >= 0) {
      throw new Http2StreamError(
        this.nextLocalStreamId,
        ErrorCode.REFUSED_STREAM,
        'GOAWAY exchanged: no new streams',
      );
    }
    let active = 0;
    for (const s of this.streams.values()) if (!s.peerInitiated) active++;
    // §5.1.2: "Endpoints MUST NOT exceed the limit set by their peer."
    if (active >= this.remoteSettings.maxConcurrentStreams) {
      throw new Http2StreamError(
        this.nextLocalStreamId,
        ErrorCode.REFUSED_STREAM,
        'peer MAX_CONCURRENT_STREAMS reached',
      );
    }
    const id = this.nextLocalStreamId;
    if (id > MAX_INT31) throw new Http2StreamError(id, ErrorCode.REFUSED_STREAM, 'stream ids exhausted');
    this.nextLocalStreamId += 2;
    const fields = encodableFields(headers);
    const stream = this.openStream(id, false);
    stream.headRequest = fields.some((f) => {
      const [name, value] = nameAndValue(f);
      return name === ':method' && value === 'HEAD';
    });
    this.sendHeaders(id, fields, options);
    return id;
  }

  /** The id the next `request()` will use. */
  get nextStreamId(): number {
    return this.nextLocalStreamId;
  }

  /**
   * Sends a header section on a stream: a response (server), a 1xx, or the request (client, via
   * request()). Encoded and queued at once. Use sendTrailers() for a trailer section.
   *
   * @example
   * server.sendHeaders(ev.streamId, [[':status', '204']], { endStream: true });
   */
  sendHeaders(
    streamId: number,
    headers: Iterable<HeaderFieldInput>,
    options: { endStream?: boolean } = {},
  ): void {
    this.assertOpen();
    const stream = this.liveStream(streamId);
    if (stream.endQueued || !(stream.state === 'idle' || weMaySend(stream.state))) {
      throw new Http2StreamError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        `cannot send headers in state ${stream.state}`,
      );
    }
    // Queued DATA goes out later; a header section now would overtake it. Trailers use sendTrailers().
    if (stream.pendingBytes > 0) {
      throw new Http2StreamError(
        streamId,
        ErrorCode.INTERNAL_ERROR,
        'headers after queued DATA: use sendTrailers()',
      );
    }
    const endStream = options.endStream === true;
    const fields = encodableFields(headers);
    const block = this.hpackEncoder.encode(fields);
    this.output.push(encodeHeadersFrames(streamId, block, endStream, this.remoteSettings.maxFrameSize));
    stream.apply('send_headers');
    stream.headersSent = true;
    if (endStream) {
      stream.endQueued = true;
      this.localEnded(stream);
    }
  }

  /**
   * Queues body octets; they go out in DATA frames as flow control allows (see `bufferedAmount`).
   * The array is kept, not copied, until sent: do not modify it.
   *
   * @example
   * server.sendData(id, Buffer.from('chunk'));
   * server.sendData(id, Buffer.from('last'), { endStream: true });
   */
  sendData(streamId: number, data: Uint8Array, options: { endStream?: boolean } = {}): void {
    this.assertOpen();
    const stream = this.liveStream(streamId);
    if (stream.endQueued || !stream.headersSent || !weMaySend(stream.state)) {
      throw new Http2StreamError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        `cannot send DATA in state ${stream.state}`,
      );
    }
    if (data.length > 0) {
      stream.pushPending(data);
    }
    if (options.endStream === true) {
      stream.pendingEnd = true;
      stream.endQueued = true;
    }
    this.sendOrder.add(streamId);
  }

  /**
   * Queues a trailer section, sent with END_STREAM after the queued data (RFC 9113 §8.1).
   *
   * @example
   * server.sendTrailers(id, [['grpc-status', '0']]);
   */
  sendTrailers(streamId: number, headers: Iterable<HeaderFieldInput>): void {
    this.assertOpen();
    const stream = this.liveStream(streamId);
    if (stream.endQueued || !stream.headersSent || !weMaySend(stream.state)) {
      throw new Http2StreamError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        `cannot send trailers in state ${stream.state}`,
      );
    }
    stream.pendingTrailers = encodableFields(headers);
    stream.pendingEnd = true;
    stream.endQueued = true;
    this.sendOrder.add(streamId);
  }

  /** Ends our side of a stream after the queued data (an empty DATA frame with END_STREAM if needed). */
  endStream(streamId: number): void {
    this.sendData(streamId, new Uint8Array(0), { endStream: true });
  }

  /**
   * Resets a stream (RST_STREAM), dropping its queued data. No event is produced. A stream that is
   * already closed is left alone.
   *
   * @example
   * client.resetStream(id, ErrorCode.CANCEL);
   */
  resetStream(streamId: number, errorCode: number = ErrorCode.CANCEL): void {
    this.assertOpen();
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    this.queueControl(encodeRstStream(streamId, errorCode));
    stream.apply('send_rst_stream');
    this.closeStream(stream, 'reset_sent');
  }

  /**
   * The application has processed `n` octets of DATA on `streamId` (from `dataReceived`). Returns
   * window to the peer with WINDOW_UPDATE once enough has accumulated.
   *
   * @example
   * conn.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
   */
  acknowledgeReceivedData(streamId: number, n: number): void {
    if (this.closed || n <= 0) return;
    this.acknowledgeConnection(n);
    const stream = this.streams.get(streamId);
    if (stream !== undefined) this.acknowledgeStream(stream, n);
  }

  private acknowledgeConnection(n: number): void {
    const inc = this.recvWindow.acknowledge(n);
    if (inc > 0) this.output.push(encodeWindowUpdate(0, inc));
  }

  private acknowledgeStream(stream: Http2Stream, n: number): void {
    if (!peerMaySend(stream.state)) return;
    const inc = stream.recvWindow.acknowledge(n);
    if (inc > 0) this.output.push(encodeWindowUpdate(stream.id, inc));
  }

  /**
   * Sends a PING with 8 octets of opaque data; the ACK comes back as `pingAcked`.
   *
   * @example
   * conn.ping(Buffer.from('12345678'));
   */
  ping(opaque: Uint8Array = new Uint8Array(8)): void {
    this.assertOpen();
    if (opaque.length !== 8) throw new RangeError(`PING data must be 8 octets, got ${opaque.length}`);
    this.output.push(encodePing(opaque, false));
  }

  /**
   * Sends new SETTINGS; they apply to what we receive once the peer acknowledges them (`settingsAcked`).
   *
   * @example
   * conn.settings({ maxConcurrentStreams: 10 });
   */
  settings(changes: Partial<Http2Settings>): void {
    this.assertOpen();
    this.queueSettings(changes);
  }

  private queueSettings(changes: Partial<Http2Settings>): void {
    const entries: Array<[number, number]> = [];
    const put = (id: number, v: number | undefined) => {
      if (v !== undefined && Number.isFinite(v)) entries.push([id, v]);
    };
    put(SettingId.HEADER_TABLE_SIZE, changes.headerTableSize);
    if (changes.enablePush !== undefined) entries.push([SettingId.ENABLE_PUSH, changes.enablePush ? 1 : 0]);
    put(SettingId.MAX_CONCURRENT_STREAMS, changes.maxConcurrentStreams);
    put(SettingId.INITIAL_WINDOW_SIZE, changes.initialWindowSize);
    put(SettingId.MAX_FRAME_SIZE, changes.maxFrameSize);
    put(SettingId.MAX_HEADER_LIST_SIZE, changes.maxHeaderListSize);
    this.output.push(encodeSettings(entries));
    this.pendingLocalSettings.push({ ...changes });
    this.pendingSettingsSentAt.push(this.clockKnown ? this.now : Number.NaN);
  }

  /**
   * Sends GOAWAY at once with the last peer stream we processed: no new streams from the peer;
   * ours above its last-stream-id must be retried elsewhere. For a clean server stop prefer
   * `shutdownGracefully()`.
   *
   * @example
   * conn.goaway(ErrorCode.NO_ERROR);
   */
  goaway(errorCode: number = ErrorCode.NO_ERROR, debugData: Uint8Array = new Uint8Array(0)): void {
    this.assertOpen();
    // §6.8: "Endpoints MUST NOT increase the value they send in the last stream identifier".
    const last =
      this.goawayLastStreamId >= 0
        ? Math.min(this.goawayLastStreamId, this.lastPeerStreamId)
        : this.lastPeerStreamId;
    this.output.push(encodeGoaway(last, errorCode, debugData));
    this.goawayLastStreamId = last;
    this.shutdownDeadline = undefined;
  }

  /**
   * Two-phase graceful shutdown (RFC 9113 §6.8): a GOAWAY with last-stream-id 2^31-1 and a PING;
   * when the PING is acknowledged (or `gracefulShutdownTimeoutMs` passes, see `handleTimeout`), the
   * final GOAWAY names the last stream actually received. Streams in flight finish; `canClose`
   * turns true once they have.
   *
   * @example
   * server.shutdownGracefully(performance.now());
   */
  shutdownGracefully(now?: number): void {
    this.assertOpen();
    if (now !== undefined) this.tick(now);
    if (this.shutdownDeadline !== undefined || this.goawayLastStreamId >= 0) return;
    // §6.8: "A server that is attempting to gracefully shut down a connection SHOULD send an initial
    // GOAWAY frame with the last stream identifier set to 2^31-1 and a NO_ERROR code."
    this.output.push(encodeGoaway(MAX_INT31, ErrorCode.NO_ERROR, new Uint8Array(0)));
    this.output.push(encodePing(SHUTDOWN_PING, false));
    this.shutdownDeadline = this.now + this.opts.gracefulShutdownTimeoutMs;
  }

  private finishShutdown(): void {
    this.shutdownDeadline = undefined;
    if (this.closed) return;
    this.output.push(encodeGoaway(this.lastPeerStreamId, ErrorCode.NO_ERROR, new Uint8Array(0)));
    this.goawayLastStreamId = this.lastPeerStreamId;
  }

  /** When handleTimeout() should next be called (ms on the caller's clock), or undefined. */
  pollTimeout(): number | undefined {
    const settings = this.settingsAckDeadline();
    if (settings === undefined) return this.shutdownDeadline;
    if (this.shutdownDeadline === undefined) return settings;
    return Math.min(settings, this.shutdownDeadline);
  }

  /**
   * Advances time: sends the final GOAWAY of a graceful shutdown whose PING was not acknowledged,
   * and fails the connection (GOAWAY SETTINGS_TIMEOUT, then throws Http2ConnectionError like
   * receive() does) when the peer sat on our SETTINGS longer than `settingsAckTimeoutMs`.
   * Drivers call it once at start so the clock is known, then whenever pollTimeout() says.
   */
  handleTimeout(now: number): void {
    this.tick(now);
    if (this.closed) return;
    if (this.shutdownDeadline !== undefined && now >= this.shutdownDeadline) this.finishShutdown();
    const deadline = this.settingsAckDeadline();
    if (deadline !== undefined && now >= deadline) {
      this.count('settings_ack_timeout');
      throw this.failConnection(
        new Http2ConnectionError(
          ErrorCode.SETTINGS_TIMEOUT,
          `SETTINGS not acknowledged within ${this.opts.settingsAckTimeoutMs} ms`,
        ),
      );
    }
  }

  private tick(now: number): void {
    this.now = now;
    if (this.clockKnown) return;
    this.clockKnown = true;
    const sent = this.pendingSettingsSentAt;
    for (let i = 0; i < sent.length; i++) if (Number.isNaN(sent[i])) sent[i] = now;
  }

  private settingsAckDeadline(): number | undefined {
    const timeout = this.opts.settingsAckTimeoutMs;
    if (timeout === 0 || this.closed || this.pendingSettingsSentAt.length === 0) return undefined;
    const first = this.pendingSettingsSentAt[0];
    return Number.isNaN(first) ? undefined : first + timeout;
  }

  // ---------------------------------------------------------------- output

  /**
   * Returns the bytes to write, in order (chunks for writev), and forgets them. DATA is framed here,
   * round-robin across streams, as far as the flow-control windows allow.
   *
   * @example
   * socket.writev(conn.takeOutput());
   */
  takeOutput(): Uint8Array[] {
    if (!this.closed) this.pump();
    const out = this.output;
    this.output = [];
    this.queuedControlFrames = 0;
    return out;
  }

  /** True when takeOutput() would return something. */
  get wantsWrite(): boolean {
    if (this.output.length > 0) return true;
    for (const id of this.sendOrder) {
      const s = this.streams.get(id);
      if (s === undefined) continue;
      if (s.pendingBytes === 0 || (s.sendWindow.available > 0 && this.sendWindow.available > 0)) return true;
    }
    return false;
  }

  private pump(): void {
    const maxFrame = this.remoteSettings.maxFrameSize;
    let progress = true;
    while (progress && this.sendOrder.size > 0) {
      progress = false;
      for (const id of this.sendOrder) {
        const s = this.streams.get(id);
        if (s === undefined || !weMaySend(s.state)) {
          this.sendOrder.delete(id);
          continue;
        }
        if (s.pendingBytes > 0) {
          const n = Math.min(s.pendingBytes, maxFrame, s.sendWindow.available, this.sendWindow.available);
          if (n <= 0) continue;
          const chunk = s.takePending(n);
          const last = s.pendingBytes === 0 && s.pendingEnd && s.pendingTrailers === undefined;
          this.output.push(this.dataFrameHeader(id, n, last));
          this.output.push(chunk);
          s.sendWindow.consume(n);
          this.sendWindow.consume(n);
          progress = true;
          if (last) this.localEnded(s);
        } else if (s.pendingTrailers !== undefined) {
          const block = this.hpackEncoder.encode(s.pendingTrailers);
          s.pendingTrailers = undefined;
          this.output.push(encodeHeadersFrames(id, block, true, maxFrame));
          progress = true;
          this.localEnded(s);
        } else if (s.pendingEnd) {
          this.output.push(this.dataFrameHeader(id, 0, true));
          progress = true;
          this.localEnded(s);
        }
        if (s.pendingBytes === 0 && !s.pendingEnd) this.sendOrder.delete(id);
      }
    }
  }

  private dataFrameHeader(streamId: number, length: number, endStream: boolean): Uint8Array {
    if (this.dataHeadersUsed + FRAME_HEADER_LENGTH > this.dataHeaders.length) {
      this.dataHeaders = new Uint8Array(FRAME_HEADER_LENGTH * 256);
      this.dataHeadersUsed = 0;
    }
    const at = this.dataHeadersUsed;
    this.dataHeadersUsed = at + FRAME_HEADER_LENGTH;
    const head = this.dataHeaders.subarray(at, at + FRAME_HEADER_LENGTH);
    encodeFrameHeader(head, 0, length, FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, streamId);
    return head;
  }

  private localEnded(stream: Http2Stream): void {
    stream.pendingEnd = false;
    const state = stream.apply('send_end_stream');
    if (state === 'closed') this.closeStream(stream, 'ended');
  }

  private queueControl(frame: Uint8Array): void {
    this.output.push(frame);
    this.queuedControlFrames += 1;
    // A peer that makes us owe it frames (PING/SETTINGS ACKs, RST_STREAM) faster than it reads them
    // would grow this queue without bound (CVE-2019-9512, -9515).
    if (this.queuedControlFrames > this.opts.maxQueuedControlFrames) {
      this.count('control_frame_flood');
      throw new Http2ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `more than maxQueuedControlFrames=${this.opts.maxQueuedControlFrames} control frames queued`,
      );
    }
  }

  // ---------------------------------------------------------------- streams and state

  private openStream(id: number, peerInitiated: boolean): Http2Stream {
    const stream = new Http2Stream(
      id,
      peerInitiated,
      this.remoteSettings.initialWindowSize,
      this.localSettings.initialWindowSize,
    );
    this.streams.set(id, stream);
    return stream;
  }

  private liveStream(streamId: number): Http2Stream {
    const stream = this.streams.get(streamId);
    if (stream === undefined)
      throw new Http2StreamError(streamId, ErrorCode.STREAM_CLOSED, 'no such open stream');
    return stream;
  }

  private closeStream(stream: Http2Stream, how: StreamClosure): void {
    stream.state = 'closed';
    stream.clearPending();
    this.streams.delete(stream.id);
    this.sendOrder.delete(stream.id);
    this.rememberClosed(stream.id, how);
  }

  private rememberClosed(id: number, how: StreamClosure): void {
    const max = this.opts.maxClosedStreamsRemembered;
    if (max === 0) return;
    if (this.closedStreams.size >= max) {
      this.closedStreamsBefore = this.closedStreams;
      this.closedStreams = new Map();
    }
    this.closedStreams.set(id, how);
  }

  /** How stream `id` closed, if it closed recently enough to be remembered. */
  private closure(id: number): StreamClosure | undefined {
    return this.closedStreams.get(id) ?? this.closedStreamsBefore.get(id);
  }

  private activePeerStreams(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.peerInitiated) n++;
    return n;
  }

  private get peerRole(): Http2Role {
    return this.role === 'server' ? 'client' : 'server';
  }

  private assertOpen(): void {
    if (this.closed) throw new Http2ConnectionError(ErrorCode.NO_ERROR, 'the connection is closed');
  }

  private count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /**
   * Abuse and error counters by stable key (e.g. `rapid_reset`, `continuation_flood`,
   * `refused_stream_max_concurrent`, `connection_error_protocol_error`).
   */
  stats(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  /** A stream's state per RFC 9113 §5.1 (`idle` for unused ids, `closed` for finished ones). */
  streamState(streamId: number): StreamState {
    const s = this.streams.get(streamId);
    if (s !== undefined) return s.state;
    return this.isIdle(streamId) ? 'idle' : 'closed';
  }

  /** How many octets we may send now on a stream (min of its window and the connection's). */
  sendWindowOf(streamId: number): number {
    const s = this.streams.get(streamId);
    if (streamId === 0) return this.sendWindow.available;
    return s === undefined ? 0 : Math.min(s.sendWindow.available, this.sendWindow.available);
  }

  /** Octets queued by sendData on a stream and not yet framed (backpressure signal). */
  bufferedAmount(streamId: number): number {
    return this.streams.get(streamId)?.pendingBytes ?? 0;
  }

  /** Streams not yet closed. */
  get openStreamCount(): number {
    return this.streams.size;
  }

  /** True after a connection error or once closing is clean (GOAWAY exchanged, no stream left, nothing to write). */
  get canClose(): boolean {
    if (this.closed) return true;
    return (
      (this.goawayLastStreamId >= 0 || this.goawayReceived) &&
      this.streams.size === 0 &&
      this.output.length === 0
    );
  }

  /** True after a connection error: only takeOutput() (the GOAWAY) remains useful. */
  get isClosed(): boolean {
    return this.closed;
  }
}

/**
 * Copies a header list, refusing characters above U+00FF before anything is encoded: the HPACK
 * encoder would otherwise fail part-way, after adding earlier fields to its dynamic table, and the
 * peer's table would no longer match ours.
 */
function encodableFields(headers: Iterable<HeaderFieldInput>): HeaderFieldInput[] {
  const fields = [...headers];
  for (const f of fields) {
    const [name, value] = nameAndValue(f);
    for (const s of [name, value]) {
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) > 0xff) {
          throw new RangeError(
            `header ${JSON.stringify(name)}: character above U+00FF (encode to UTF-8 latin1 first)`,
          );
        }
      }
    }
  }
  return fields;
}

function nameAndValue(f: HeaderFieldInput): readonly [string, string] {
  return 'name' in f ? [f.name, f.value] : f;
}

function assertNever(x: never): never {
  throw new Error(`unhandled frame ${JSON.stringify(x)}`);
}
