/** Counts complete responses in a connection's byte stream. One per connection (it keeps state). */
export interface ResponseCounter {
  /** Feed the bytes just read (the view is only valid during the call); returns responses completed. */
  feed(chunk: Uint8Array): number;
}

/**
 * What a load generator sends and how it knows a response is complete. Responses must come back in
 * request order on a connection (true of echo, RESP, HTTP/1.1), so a pipelined connection needs only
 * a FIFO of send times. A protocol with its own handshake or multiplexing (h2, gRPC) gets its own
 * generator later; this interface covers the request/response stream protocols.
 */
export interface LoadProtocol {
  readonly name: string;
  /** One request's bytes; pipelined requests are these bytes back to back. */
  readonly request: Uint8Array;
  newResponseCounter(): ResponseCounter;
}

/** A protocol by name and request size: the serialisable form sent to generator processes. */
export interface ProtocolSpec {
  name: string;
  size: number;
}

/**
 * The echo protocol: a request is `size` bytes, and its response is complete once `size` bytes
 * came back. Bytes are counted, not compared: the echo integrity tests check content.
 *
 * @example
 * const p = echoProtocol(64); const counter = p.newResponseCounter();
 * counter.feed(new Uint8Array(128)); // 2
 */
export function echoProtocol(size: number): LoadProtocol {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`echo request size must be >= 1, got ${size}`);
  const request = new Uint8Array(size);
  // Printable bytes ending in a newline, so a person watching with tcpdump or nc sees lines.
  for (let i = 0; i < size; i++) request[i] = 97 + (i % 26);
  request[size - 1] = 10;
  return {
    name: 'echo',
    request,
    newResponseCounter() {
      let partial = 0;
      return {
        feed(chunk) {
          const bytes = partial + chunk.byteLength;
          const done = Math.floor(bytes / size);
          partial = bytes - done * size;
          return done;
        },
      };
    },
  };
}

/**
 * The framed echo protocol (`wirestack echo --framing length`): a request is one length-prefixed
 * frame of `size` bytes in all (a 4-byte big-endian length, then `size - 4` payload bytes), and the
 * server echoes it as the same frame, so a response is again complete after `size` bytes.
 *
 * @example
 * const p = framedEchoProtocol(64); // header 00 00 00 3c, then 60 payload bytes
 */
export function framedEchoProtocol(size: number): LoadProtocol {
  if (!Number.isInteger(size) || size < 5)
    throw new RangeError(`framed echo request size must be >= 5 (4-byte header + payload), got ${size}`);
  const echo = echoProtocol(size);
  const request = echo.request.slice();
  new DataView(request.buffer).setUint32(0, size - 4, false);
  return { name: 'framed-echo', request, newResponseCounter: echo.newResponseCounter };
}

const PROTOCOLS: Record<string, (size: number) => LoadProtocol> = {
  echo: echoProtocol,
  'framed-echo': framedEchoProtocol,
};

/** Build a protocol from its spec. */
export function protocolFromSpec(spec: ProtocolSpec): LoadProtocol {
  const make = PROTOCOLS[spec.name];
  if (!make) throw new RangeError(`no load protocol named ${JSON.stringify(spec.name)}`);
  return make(spec.size);
}
