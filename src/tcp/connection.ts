import type { Reactor } from '../loop/reactor.js';
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, SHUT_WR } from '../sys/constants.js';
import { EAGAIN, SysError } from '../sys/errno.js';
import type { SocketAddress } from '../sys/sockaddr.js';
import {
  close,
  localAddress,
  peek,
  peerAddress,
  read,
  send,
  shutdown,
  socketError,
  WRITEV_MAX,
  writev,
} from '../sys/socket.js';
import { type CloseReason, OutputBufferOverflow } from './errors.js';
import { OutputQueue } from './output-queue.js';

/** Per-connection limits. Every one has a default; see docs/tcp.md. */
export interface ConnectionLimits {
  /**
   * Queued output (bytes the kernel would not take yet) above which we stop reading from the peer,
   * so a peer that sends but does not read cannot grow our memory. Reading resumes below half.
   * Default 1 MiB.
   */
  highWaterMark: number;
  /** Hard cap on queued output; past it the connection is closed (OutputBufferOverflow). Default 64 MiB. */
  maxQueuedBytes: number;
  /** read(2) calls per readiness event before yielding to other connections. Default 16. */
  maxReadsPerEvent: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  highWaterMark: 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  maxReadsPerEvent: 16,
};

export interface WriteOptions {
  /**
   * Queue what the kernel does not take by reference instead of copying it. Only for buffers the
   * caller will not modify until they are written (never for onData's views).
   */
  retain?: boolean;
}

/** Told when a connection is gone, so a server can free its slot. */
export interface ConnectionOwner {
  connectionClosed(conn: TcpConnection): void;
  handlerFailed(conn: TcpConnection, err: unknown): void;
}

/**
 * One read buffer for every connection: a read's bytes are handed to `onData` and must be consumed
 * (or copied) before it returns, so idle connections hold no buffer at all (like Redis's reusable
 * query buffer). 64 KiB matches the usual socket receive window step.
 */
const READ_BUFFER_SIZE = 64 * 1024;
const readBuffer = new Uint8Array(READ_BUFFER_SIZE);
const peekByte = new Uint8Array(1);

let nextId = 1;
const noop = () => {};

/**
 * A non-blocking TCP connection driven by the reactor.
 *
 * Reads: `onData(view)` gets a view into a shared buffer, valid only until `onData` returns.
 * Writes: `write()` sends at once when it can; whatever the kernel does not take is copied into an
 * output queue and flushed on EPOLLOUT, with writev for several chunks. `write()` returns false once
 * the queue passes the high-water mark, and reading pauses until it falls below half of it.
 *
 * @example
 * conn.onData = (bytes) => conn.write(bytes); // echo
 * conn.onEnd = () => conn.end();              // finish writing, then close
 */
export class TcpConnection {
  readonly id = nextId++;
  readonly fd: number;
  /** Called with each chunk read. The view is only valid during the call. */
  onData: (data: Uint8Array) => void = noop;
  /** The peer closed its sending side (EOF). Default: end our side too once output is flushed. */
  onEnd: () => void = () => this.end();
  /** The output queue emptied after write() had returned false. */
  onDrain: () => void = noop;
  /** The connection is closed; `err` is set when it ended by an error. Called once. */
  onClose: (err: Error | null, reason: CloseReason) => void = noop;

  /** Set by protocol drivers while a request is being served, so graceful drain waits for it. */
  busy = false;
  bytesRead = 0;
  bytesWritten = 0;
  /** performance.now() of the last read, and of the last read or write progress. */
  lastReadAt: number;
  lastActivityAt: number;
  /** When a heartbeat probe was sent and not yet answered (0: none outstanding). */
  heartbeatSentAt = 0;
  /** When we sent FIN (0: not yet). */
  finSentAt = 0;
  closeReason: CloseReason | null = null;

  private readonly reactor: Reactor;
  private readonly owner: ConnectionOwner | null;
  private readonly limits: ConnectionLimits;
  private readonly output = new OutputQueue();
  private userPaused = false;
  private pressurePaused = false;
  private peerEnded = false;
  private endRequested = false;
  private writeShut = false;
  private closed = false;
  private needDrain = false;
  /**
   * EPOLLOUT stays watched after a flush empties the queue, until a writable event finds nothing to
   * write. A bulk sender that fills the socket again in the same turn then costs no epoll_ctl pair
   * per burst; a connection whose writes always fit never watches EPOLLOUT at all.
   */
  private writeWatchIdle = false;
  private remote: SocketAddress | null = null;

  constructor(fd: number, reactor: Reactor, owner: ConnectionOwner | null, limits: ConnectionLimits) {
    this.fd = fd;
    this.reactor = reactor;
    this.owner = owner;
    this.limits = limits;
    this.lastReadAt = this.lastActivityAt = performance.now();
  }

  /** Register with the reactor; reading starts on the next wake-up. */
  start(): void {
    this.reactor.add(this.fd, EPOLLIN | EPOLLRDHUP, this.handle);
  }

  get remoteAddress(): SocketAddress | null {
    if (!this.remote && !this.closed) this.remote = peerAddress(this.fd);
    return this.remote;
  }

  get localAddress(): SocketAddress {
    return localAddress(this.fd);
  }

  /** Bytes accepted by write() that the kernel has not taken yet. */
  get queuedBytes(): number {
    return this.output.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True when the kernel holds bytes from the peer that we have not read yet (a MSG_PEEK probe). */
  hasUnreadInput(): boolean {
    return !this.closed && peek(this.fd, peekByte, 1) > 0;
  }

  /** True once the peer has sent EOF. */
  get peerHasEnded(): boolean {
    return this.peerEnded;
  }

  /** True once end() was called (or the connection closed): no more writes are accepted. */
  get isEnding(): boolean {
    return this.endRequested || this.closed;
  }

  /**
   * Queue `data` for the peer (sent at once when the socket takes it). Returns false when the
   * output queue is above the high-water mark: stop producing until `onDrain`. Data is copied only
   * when the kernel does not take all of it, so a view from onData can be passed straight back.
   * Writing after end() or close is ignored and returns false.
   */
  write(data: Uint8Array): boolean {
    if (this.endRequested || this.closed) return false;
    const len = data.byteLength;
    let written = 0;
    if (this.output.size === 0 && len > 0) {
      const n = send(this.fd, data, len);
      if (n === len) {
        this.bytesWritten += n;
        return true;
      }
      if (n < 0 && n !== -EAGAIN) {
        this.fail(new SysError('send', -n));
        return false;
      }
      if (n > 0) {
        written = n;
        this.bytesWritten += n;
      }
    }
    if (written < len) {
      this.output.append(data, written);
      this.afterEnqueue();
    }
    return this.output.size < this.limits.highWaterMark;
  }

  /**
   * Write several chunks as one gather write (header + payload without joining them).
   * Same return value and copy rules as write(), unless `retain` is set: then chunks the kernel
   * did not take are queued by reference, and the caller must not modify them until written.
   */
  writev(chunks: readonly Uint8Array[], options: WriteOptions = {}): boolean {
    if (this.endRequested || this.closed) return false;
    let total = 0;
    for (const c of chunks) total += c.byteLength;
    let written = 0;
    if (this.output.size === 0 && total > 0) {
      // More chunks than one writev takes: keep going while the kernel takes whole batches, so a
      // large response is not split across event-loop turns for want of iovecs.
      for (let first = 0; first < chunks.length; ) {
        const end = Math.min(chunks.length, first + WRITEV_MAX);
        let batch = total - written;
        if (end < chunks.length) {
          batch = 0;
          for (let i = first; i < end; i++) batch += chunks[i].byteLength;
        }
        const n = end - first === 1 ? send(this.fd, chunks[first]) : writev(this.fd, chunks, first);
        if (n < 0 && n !== -EAGAIN) {
          this.fail(new SysError('writev', -n));
          return false;
        }
        if (n > 0) {
          written += n;
          this.bytesWritten += n;
        }
        if (n !== batch) break;
        first = end;
      }
      if (written === total) return true;
    }
    if (written < total) {
      for (const c of chunks) {
        if (written >= c.byteLength) {
          written -= c.byteLength;
          continue;
        }
        if (options.retain) this.output.appendRetained(c, written);
        else this.output.append(c, written);
        written = 0;
      }
      this.afterEnqueue();
    }
    return this.output.size < this.limits.highWaterMark;
  }

  /** Stop reading from the peer (the kernel buffers, then TCP flow control slows the peer). */
  pauseReading(): void {
    this.userPaused = true;
    this.updateInterest();
  }

  resumeReading(): void {
    this.userPaused = false;
    this.updateInterest();
  }

  /**
   * Graceful close from our side: flush queued output, send FIN, then close once the peer ends too.
   */
  end(reason: CloseReason = 'local-end'): void {
    if (this.endRequested || this.closed) return;
    this.endRequested = true;
    this.closeReason ??= reason;
    if (this.output.size === 0) this.finish();
  }

  /** Close at once, dropping queued output. */
  destroy(err: Error | null = null, reason: CloseReason = err ? 'error' : 'destroyed'): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.reactor.remove(this.fd);
    close(this.fd);
    this.output.clear();
    try {
      this.onClose(err, reason);
    } catch (e) {
      this.owner?.handlerFailed(this, e);
    }
    this.owner?.connectionClosed(this);
  }

  /** The reactor's entry point for this fd. */
  readonly handle = (events: number): void => {
    if (events & EPOLLOUT) {
      if (this.output.size > 0) {
        this.writeWatchIdle = true;
        this.flush();
      } else {
        // The watch kept after the last drain found nothing more to write: drop it now.
        this.writeWatchIdle = false;
        this.updateInterest();
      }
    }
    if (this.closed) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
      this.readReady();
    } else if (events & EPOLLERR) {
      this.fail(new SysError('epoll', socketError(this.fd) || 0, 'socket error'));
    }
  };

  private readReady(): void {
    const max = this.limits.maxReadsPerEvent;
    for (let i = 0; i < max; i++) {
      if (this.closed || this.userPaused || this.pressurePaused || this.peerEnded) return;
      const n = read(this.fd, readBuffer, READ_BUFFER_SIZE);
      if (n > 0) {
        this.bytesRead += n;
        this.lastReadAt = this.lastActivityAt = this.reactor.now;
        this.heartbeatSentAt = 0;
        try {
          this.onData(readBuffer.subarray(0, n));
        } catch (err) {
          this.owner?.handlerFailed(this, err);
          this.destroy(err instanceof Error ? err : new Error(String(err)), 'handler-error');
          return;
        }
        // A short read means the socket is drained: skip the read that would only say EAGAIN.
        if (n < READ_BUFFER_SIZE) return;
      } else if (n === 0) {
        this.peerEnded = true;
        this.updateInterest();
        if (this.writeShut || this.endRequested) {
          if (this.output.size === 0) this.destroy(null, this.closeReason ?? 'peer-closed');
          return;
        }
        this.closeReason = 'peer-closed';
        try {
          this.onEnd();
        } catch (err) {
          this.owner?.handlerFailed(this, err);
          this.destroy(err instanceof Error ? err : new Error(String(err)), 'handler-error');
        }
        return;
      } else if (n === -EAGAIN) {
        return;
      } else {
        this.fail(new SysError('read', -n));
        return;
      }
    }
  }

  private afterEnqueue(): void {
    const queued = this.output.size;
    if (queued > this.limits.maxQueuedBytes) {
      this.fail(new OutputBufferOverflow(queued, this.limits.maxQueuedBytes), 'output-overflow');
      return;
    }
    if (queued >= this.limits.highWaterMark) {
      this.needDrain = true;
      this.pressurePaused = true;
    }
    this.updateInterest();
  }

  private flush(): void {
    const out = this.output;
    while (out.size > 0 && !this.closed) {
      const n = out.writeTo(this.fd);
      if (n < 0) {
        if (n === -EAGAIN) break;
        this.fail(new SysError('writev', -n));
        return;
      }
      this.bytesWritten += n;
      this.lastActivityAt = this.reactor.now;
    }
    if (this.closed) return;
    if (this.pressurePaused && out.size <= this.limits.highWaterMark / 2) this.pressurePaused = false;
    this.updateInterest();
    if (out.size === 0) {
      if (this.endRequested) {
        this.finish();
        return;
      }
      if (this.needDrain) {
        this.needDrain = false;
        try {
          this.onDrain();
        } catch (err) {
          this.owner?.handlerFailed(this, err);
        }
      }
    }
  }

  /** Output is flushed and end() was asked: FIN now, close when the peer's EOF arrives. */
  private finish(): void {
    if (this.closed) return;
    if (this.peerEnded) {
      this.destroy(null, this.closeReason ?? 'local-end');
      return;
    }
    if (!this.writeShut) {
      this.writeShut = true;
      this.finSentAt = performance.now();
      shutdown(this.fd, SHUT_WR);
      this.updateInterest();
    }
  }

  private fail(err: Error, reason: CloseReason = 'error'): void {
    this.destroy(err, reason);
  }

  private updateInterest(): void {
    if (this.closed) return;
    let events = 0;
    if (!this.peerEnded && !this.userPaused && !this.pressurePaused) events |= EPOLLIN | EPOLLRDHUP;
    if (this.output.size > 0 || this.writeWatchIdle) events |= EPOLLOUT;
    this.reactor.modify(this.fd, events);
  }
}
