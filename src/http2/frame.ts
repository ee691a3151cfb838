/** The fixed header of every frame (RFC 9113 §4.1). */
export interface FrameHeader {
  /** Payload length in octets (24 bits). */
  length: number;
  type: number;
  flags: number;
  /** Stream identifier with the reserved bit cleared. */
  streamId: number;
}

/** A stream dependency from a HEADERS or PRIORITY frame (RFC 9113 §5.3.2, deprecated; parsed, then ignored). */
export interface PriorityFields {
  exclusive: boolean;
  dependency: number;
  /** 1..256 (the wire value plus one). */
  weight: number;
}

/**
 * A decoded frame. Byte fields (`data`, `fragment`, `opaque`, `debugData`) are views into the
 * decoder's input or its reassembly buffer: valid until the next `push()`; copy to keep them.
 */
export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoawayFrame
  | WindowUpdateFrame
  | ContinuationFrame
  | UnknownFrame;

export interface DataFrame {
  kind: 'data';
  streamId: number;
  endStream: boolean;
  data: Uint8Array;
  /** The whole payload length including padding: what counts against flow control (§6.9). */
  flowControlledLength: number;
}
export interface HeadersFrame {
  kind: 'headers';
  streamId: number;
  endStream: boolean;
  endHeaders: boolean;
  priority: PriorityFields | undefined;
  fragment: Uint8Array;
}
export interface PriorityFrame {
  kind: 'priority';
  streamId: number;
  priority: PriorityFields;
}
export interface RstStreamFrame {
  kind: 'rst_stream';
  streamId: number;
  errorCode: number;
}
export interface SettingsFrame {
  kind: 'settings';
  ack: boolean;
  /** [identifier, value] in wire order; unknown identifiers included (the receiver ignores them). */
  entries: Array<[number, number]>;
}
export interface PushPromiseFrame {
  kind: 'push_promise';
  streamId: number;
  promisedStreamId: number;
  endHeaders: boolean;
  fragment: Uint8Array;
}
export interface PingFrame {
  kind: 'ping';
  ack: boolean;
  opaque: Uint8Array;
}
export interface GoawayFrame {
  kind: 'goaway';
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}
export interface WindowUpdateFrame {
  kind: 'window_update';
  streamId: number;
  increment: number;
}
export interface ContinuationFrame {
  kind: 'continuation';
  streamId: number;
  endHeaders: boolean;
  fragment: Uint8Array;
}
/** A frame of a type this implementation does not know; it MUST be ignored (RFC 9113 §4.1, §5.5). */
export interface UnknownFrame {
  kind: 'unknown';
  type: number;
  flags: number;
  streamId: number;
  length: number;
}
