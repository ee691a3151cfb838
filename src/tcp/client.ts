import { Reactor } from '../loop/reactor.js';
import { EPOLLOUT } from '../sys/constants.js';
import { EINPROGRESS, SysError } from '../sys/errno.js';
import { close, connect, familyOf, setNoDelay, socketError, tcpSocket } from '../sys/socket.js';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, TcpConnection } from './connection.js';

export interface ConnectOptions extends Partial<ConnectionLimits> {
  host?: string;
  port: number;
  /** TCP_NODELAY. Default true. */
  noDelay?: boolean;
  reactor?: Reactor;
}

/**
 * Open a client connection with a non-blocking connect(2) on the reactor. Rejects with a SysError
 * (ECONNREFUSED, ETIMEDOUT, ...) when the handshake fails.
 *
 * @example
 * const conn = await connectTcp({ host: '127.0.0.1', port: 7000 });
 * conn.onData = (b) => console.log(new TextDecoder().decode(b));
 * conn.write(new TextEncoder().encode('hello'));
 */
export function connectTcp(options: ConnectOptions): Promise<TcpConnection> {
  const host = options.host ?? '127.0.0.1';
  const reactor = options.reactor ?? Reactor.shared();
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...definedOnly(options) };
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = tcpSocket(familyOf(host));
      if (options.noDelay ?? true) setNoDelay(fd, true);
    } catch (err) {
      reject(err);
      return;
    }
    const ready = () => {
      const conn = new TcpConnection(fd, reactor, null, limits);
      conn.start();
      resolve(conn);
    };
    const r = connect(fd, host, options.port);
    if (r === 0) {
      ready();
      return;
    }
    if (r !== -EINPROGRESS) {
      close(fd);
      reject(new SysError('connect', -r, `${host}:${options.port}`));
      return;
    }
    reactor.add(fd, EPOLLOUT, () => {
      reactor.remove(fd);
      const e = socketError(fd);
      if (e !== 0) {
        close(fd);
        reject(new SysError('connect', e, `${host}:${options.port}`));
      } else ready();
    });
  });
}

function definedOnly(o: Partial<ConnectionLimits>): Partial<ConnectionLimits> {
  const out: Partial<ConnectionLimits> = {};
  if (o.highWaterMark !== undefined) out.highWaterMark = o.highWaterMark;
  if (o.maxQueuedBytes !== undefined) out.maxQueuedBytes = o.maxQueuedBytes;
  if (o.maxReadsPerEvent !== undefined) out.maxReadsPerEvent = o.maxReadsPerEvent;
  return out;
}
