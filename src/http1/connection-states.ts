/**
 * The HTTP/1.1 connection state machine, as data (after h11's model). Each side of the connection
 * (the client that sends requests, and we, the server) has its own state; an event moves one side
 * along its table, and anything not in the table is a protocol violation.
 *
 *   client: IDLE --request--> SEND_BODY --end--> DONE            (then MUST_CLOSE if not keep-alive)
 *   server: IDLE --their request--> SEND_RESPONSE --response--> SEND_BODY --end--> DONE
 *
 * When both sides are DONE and the connection is kept alive, startNextCycle() moves both to IDLE.
 */
export type Http1State = 'IDLE' | 'SEND_RESPONSE' | 'SEND_BODY' | 'DONE' | 'MUST_CLOSE' | 'CLOSED' | 'ERROR';

/** What moves a side: the events of the protocol, plus `closed` (EOF) for the client. */
export type Http1Trigger =
  | 'request'
  | 'informational'
  | 'response'
  | 'data'
  | 'end'
  | 'closed'
  | 'errorResponse';

export type TransitionTable = Readonly<
  Record<Http1State, Readonly<Partial<Record<Http1Trigger, Http1State>>>>
>;

export const CLIENT_TRANSITIONS: TransitionTable = {
  IDLE: { request: 'SEND_BODY', closed: 'CLOSED' },
  SEND_RESPONSE: {},
  SEND_BODY: { data: 'SEND_BODY', end: 'DONE' },
  DONE: { closed: 'CLOSED' },
  MUST_CLOSE: { closed: 'CLOSED' },
  CLOSED: { closed: 'CLOSED' },
  ERROR: {},
};

export const SERVER_TRANSITIONS: TransitionTable = {
  // `errorResponse`: after the client's bytes failed to parse we may still answer (400, 431, ...).
  IDLE: { request: 'SEND_RESPONSE', errorResponse: 'SEND_BODY' },
  SEND_RESPONSE: { informational: 'SEND_RESPONSE', response: 'SEND_BODY', errorResponse: 'SEND_BODY' },
  SEND_BODY: { data: 'SEND_BODY', end: 'DONE' },
  DONE: {},
  MUST_CLOSE: {},
  CLOSED: {},
  ERROR: {},
};

/** The state `trigger` leads to from `state`, or undefined when the table does not allow it. */
export function transition(
  table: TransitionTable,
  state: Http1State,
  trigger: Http1Trigger,
): Http1State | undefined {
  return table[state][trigger];
}
