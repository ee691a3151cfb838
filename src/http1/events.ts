import type { Http1Headers } from './headers.js';

/** nextEvent(): the buffered bytes do not hold the next event yet; receive more. */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');
export type NeedData = typeof NEED_DATA;

/**
 * nextEvent(): the peer finished a request and we have not finished our response to it. Pipelined
 * bytes stay buffered, unparsed, until `startNextCycle()`, so responses go out in request order.
 */
export const PAUSED: unique symbol = Symbol('PAUSED');
export type Paused = typeof PAUSED;

/** The HTTP versions we speak. Anything else in a request line is answered with 505. */
export type Http1Version = '1.0' | '1.1';

/** A request head (RFC 9112 section 3): the request line and the header section. */
export interface Http1RequestEvent {
  type: 'request';
  /** Case-sensitive, as sent (`GET`, `POST`, ...). */
  method: string;
  /** The request-target exactly as sent: origin-form, absolute-form, or `*`. */
  target: string;
  /** The path part of the target (from `/`, before `?`), still percent-encoded. `*` for asterisk-form. */
  path: string;
  /** What follows `?` in the target, without the `?`; '' when none. */
  query: string;
  version: Http1Version;
  headers: Http1Headers;
}

/**
 * Some bytes of the request body, with chunked framing removed. `data` is a view into the
 * connection's receive buffer, valid until the next `receive()`: copy what you keep.
 */
export interface Http1DataEvent {
  type: 'data';
  data: Uint8Array;
}

/** The request body is complete. `trailers` holds a chunked body's trailer fields (null when none). */
export interface Http1EndOfMessageEvent {
  type: 'end';
  trailers: Http1Headers | null;
}

/** The peer closed its sending side between requests. */
export interface Http1ConnectionClosedEvent {
  type: 'closed';
}

export type Http1Event =
  | Http1RequestEvent
  | Http1DataEvent
  | Http1EndOfMessageEvent
  | Http1ConnectionClosedEvent;
