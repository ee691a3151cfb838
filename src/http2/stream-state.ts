/** The stream states of RFC 9113 §5.1. */
export type StreamState =
  | 'idle'
  | 'reserved_local'
  | 'reserved_remote'
  | 'open'
  | 'half_closed_local'
  | 'half_closed_remote'
  | 'closed';

/** What moves a stream between states (the edge labels of the RFC 9113 §5.1 diagram). */
export type StreamInput =
  | 'send_headers'
  | 'recv_headers'
  | 'send_push_promise'
  | 'recv_push_promise'
  | 'send_end_stream'
  | 'recv_end_stream'
  | 'send_rst_stream'
  | 'recv_rst_stream';

/**
 * The RFC 9113 §5.1 state diagram as data: `STREAM_TRANSITIONS[state][input]` is the next state, and
 * a missing entry is an input that is not allowed in that state. A HEADERS frame carrying
 * END_STREAM is two inputs: `*_headers`, then `*_end_stream`. HEADERS after the first ones (trailers,
 * informational responses) keep the state.
 *
 * @example
 * STREAM_TRANSITIONS.open.recv_end_stream; // 'half_closed_remote'
 */
export const STREAM_TRANSITIONS: Readonly<
  Record<StreamState, Readonly<Partial<Record<StreamInput, StreamState>>>>
> = {
  idle: {
    send_headers: 'open',
    recv_headers: 'open',
    send_push_promise: 'reserved_local',
    recv_push_promise: 'reserved_remote',
  },
  reserved_local: {
    send_headers: 'half_closed_remote',
    send_rst_stream: 'closed',
    recv_rst_stream: 'closed',
  },
  reserved_remote: {
    recv_headers: 'half_closed_local',
    send_rst_stream: 'closed',
    recv_rst_stream: 'closed',
  },
  open: {
    send_headers: 'open',
    recv_headers: 'open',
    send_end_stream: 'half_closed_local',
    recv_end_stream: 'half_closed_remote',
    send_rst_stream: 'closed',
    recv_rst_stream: 'closed',
  },
  half_closed_local: {
    recv_headers: 'half_closed_local',
    recv_end_stream: 'closed',
    send_rst_stream: 'closed',
    recv_rst_stream: 'closed',
  },
  half_closed_remote: {
    send_headers: 'half_closed_remote',
    send_end_stream: 'closed',
    send_rst_stream: 'closed',
    recv_rst_stream: 'closed',
  },
  closed: {},
};

/**
 * The next state, or undefined when `input` is not allowed in `state`.
 *
 * @example
 * nextStreamState('half_closed_remote', 'send_end_stream'); // 'closed'
 */
export function nextStreamState(state: StreamState, input: StreamInput): StreamState | undefined {
  return STREAM_TRANSITIONS[state][input];
}

/** Whether the peer may still send DATA or HEADERS on a stream in `state` (RFC 9113 §5.1). */
export function peerMaySend(state: StreamState): boolean {
  switch (state) {
    case 'open':
    case 'half_closed_local':
    case 'reserved_remote':
      return true;
    case 'idle':
    case 'reserved_local':
    case 'half_closed_remote':
    case 'closed':
      return false;
    default:
      return assertNever(state);
  }
}

/** Whether we may still send DATA on a stream in `state` (RFC 9113 §5.1). */
export function weMaySend(state: StreamState): boolean {
  switch (state) {
    case 'open':
    case 'half_closed_remote':
      return true;
    case 'idle':
    case 'reserved_local':
    case 'reserved_remote':
    case 'half_closed_local':
    case 'closed':
      return false;
    default:
      return assertNever(state);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled stream state ${String(x)}`);
}
