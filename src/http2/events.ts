import type { HeaderField } from '../hpack/index.js';
import type { Http2Settings } from './settings.js';

/**
 * What `Http2Connection.receive()` reports, in the order the frames arrived. Switch on `type`.
 *
 * @example
 * for (const ev of conn.receive(bytes)) {
 *   if (ev.type === 'requestReceived') conn.sendHeaders(ev.streamId, [[':status', '200']]);
 *   if (ev.type === 'dataReceived') conn.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
 * }
 */
export type Http2Event =
  | RequestReceived
  | ResponseReceived
  | InformationalResponseReceived
  | DataReceived
  | TrailersReceived
  | StreamEnded
  | StreamReset
  | SettingsChanged
  | SettingsAcked
  | PingReceived
  | PingAcked
  | GoAwayReceived
  | WindowUpdated;

/** Server: a new request's header section (checked against RFC 9113 §8.3.1). */
export interface RequestReceived {
  type: 'requestReceived';
  streamId: number;
  headers: HeaderField[];
  /** The request has no body; a `streamEnded` event follows. */
  endStream: boolean;
}
/** Client: the final response's header section. */
export interface ResponseReceived {
  type: 'responseReceived';
  streamId: number;
  headers: HeaderField[];
  endStream: boolean;
}
/** Client: a 1xx response (RFC 9113 §8.1); the final one follows. */
export interface InformationalResponseReceived {
  type: 'informationalResponseReceived';
  streamId: number;
  headers: HeaderField[];
}
/**
 * Body octets (padding removed, copied: yours to keep). Pass `flowControlledLength` to
 * `acknowledgeReceivedData` once processed, or the peer stops sending when the window runs out.
 */
export interface DataReceived {
  type: 'dataReceived';
  streamId: number;
  data: Uint8Array;
  /** Octets to acknowledge (equal to data.length: the connection returns padding itself). */
  flowControlledLength: number;
  endStream: boolean;
}
export interface TrailersReceived {
  type: 'trailersReceived';
  streamId: number;
  headers: HeaderField[];
}
/** The peer has finished sending on this stream (END_STREAM received). */
export interface StreamEnded {
  type: 'streamEnded';
  streamId: number;
}
/**
 * The stream was reset: by the peer (`remote: true`, RST_STREAM received or, with REFUSED_STREAM,
 * not processed per a GOAWAY), or by us after a stream error in the peer's frames (`remote: false`).
 */
export interface StreamReset {
  type: 'streamReset';
  streamId: number;
  errorCode: number;
  remote: boolean;
}
/** The peer's SETTINGS were applied (and acknowledged). `changed` has only the values it sent. */
export interface SettingsChanged {
  type: 'settingsChanged';
  changed: Partial<Http2Settings>;
  settings: Readonly<Http2Settings>;
}
/** The peer acknowledged our SETTINGS; they are now in force. */
export interface SettingsAcked {
  type: 'settingsAcked';
  settings: Readonly<Http2Settings>;
}
export interface PingReceived {
  type: 'pingReceived';
  data: Uint8Array;
}
export interface PingAcked {
  type: 'pingAcked';
  data: Uint8Array;
}
export interface GoAwayReceived {
  type: 'goAwayReceived';
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}
/** Send window grew (streamId 0 for the connection): queued data may now go out. */
export interface WindowUpdated {
  type: 'windowUpdated';
  streamId: number;
  delta: number;
}
