import { EPOLLERR, EPOLLHUP } from '../sys/constants.js';
import {
  EPOLL_DATA_OFFSET,
  EPOLL_EVENT_SIZE,
  epollAdd,
  epollCreate,
  epollDelete,
  epollModify,
  epollWait,
} from '../sys/epoll.js';
import { type PollHandle, uvPoll } from '../sys/libc.js';
import { close as closeFd } from '../sys/socket.js';

/** Called with the ready epoll event mask (EPOLLIN, EPOLLOUT, EPOLLHUP, ...) for a registered fd. */
export type ReadyHandler = (events: number) => void;

export interface ReactorOptions {
  /** Events fetched per epoll_wait call. Default 256. */
  maxEventsPerWait?: number;
  /**
   * epoll_wait calls per wake-up while they keep coming back full. Bounded so that Node's timers
   * and other I/O get their turn under sustained load. Default 8.
   */
  maxWaitsPerWake?: number;
  /**
   * Called when a handler throws. Handlers of higher layers catch their own errors, so this means a
   * bug; the default rethrows it outside the batch (an uncaught exception) after the batch is done.
   */
  onHandlerError?: (err: unknown) => void;
}

/**
 * An epoll reactor that lives inside Node's own event loop.
 *
 * Theory of operation: one epoll instance holds every fd we serve. The epoll fd itself is readable
 * whenever any of them is ready, so it is watched by a single libuv poll handle. When libuv reports
 * it readable, we drain ready events synchronously with `epoll_wait(fd, events, n, 0)` (never
 * blocking, no thread hop) and call each fd's handler. Node's timers, promises and other I/O keep
 * running between wake-ups, and an idle reactor costs no CPU because libuv sleeps in its own
 * epoll_wait.
 *
 * Contract for handlers (as with any level-triggered epoll): events can be spurious, so handlers
 * treat EAGAIN as "nothing after all"; interest is level-triggered, so a handler that leaves data
 * unread is called again on the next wake-up. The reactor holds the process open only while at
 * least one fd is registered.
 *
 * @example
 * const reactor = Reactor.shared();
 * reactor.add(fd, EPOLLIN, (events) => { ... });
 * reactor.remove(fd);
 */
export class Reactor {
  private static sharedInstance: Reactor | null = null;

  /** The process-wide reactor that servers and clients use unless told otherwise. */
  static shared(): Reactor {
    if (!Reactor.sharedInstance || Reactor.sharedInstance.closed) Reactor.sharedInstance = new Reactor();
    return Reactor.sharedInstance;
  }

  readonly epfd: number;
  /** Milliseconds (performance.now scale), refreshed once per wake-up: a cheap clock for handlers. */
  now = performance.now();
  /** Wake-ups and events handled, for tests and profiles. */
  readonly stats = { wakeups: 0, events: 0, waits: 0 };

  private readonly handlers: (ReadyHandler | undefined)[] = [];
  private readonly interests: number[] = [];
  private registered = 0;
  private readonly poll: PollHandle;
  private readonly events: Uint8Array;
  private readonly eventsView: DataView;
  private readonly maxEvents: number;
  private readonly maxWaits: number;
  private closed = false;
  private readonly onHandlerError: (err: unknown) => void;

  constructor(options: ReactorOptions = {}) {
    this.maxEvents = options.maxEventsPerWait ?? 256;
    this.maxWaits = options.maxWaitsPerWake ?? 8;
    this.onHandlerError =
      options.onHandlerError ??
      ((err) =>
        queueMicrotask(() => {
          throw err;
        }));
    this.events = new Uint8Array(EPOLL_EVENT_SIZE * this.maxEvents);
    this.eventsView = new DataView(this.events.buffer);
    this.epfd = epollCreate();
    this.poll = uvPoll(this.epfd, { readable: true }, this.onWake);
    this.poll.unref();
  }

  /** Watch `fd` for `events` (level-triggered). One handler per fd. */
  add(fd: number, events: number, handler: ReadyHandler): void {
    this.assertOpen();
    epollAdd(this.epfd, fd, events, fd);
    this.handlers[fd] = handler;
    this.interests[fd] = events;
    if (++this.registered === 1) this.poll.ref();
  }

  /** Change the events watched for `fd`. A no-op when they are unchanged (saves a syscall). */
  modify(fd: number, events: number): void {
    if (this.interests[fd] === events) return;
    epollModify(this.epfd, fd, events, fd);
    this.interests[fd] = events;
  }

  /** The events currently watched for `fd`, or -1 when it is not registered. */
  interest(fd: number): number {
    return this.handlers[fd] === undefined ? -1 : this.interests[fd];
  }

  /** Stop watching `fd`. Call it before close(fd): a closed fd may be reused at once by accept. */
  remove(fd: number): void {
    if (this.handlers[fd] === undefined) return;
    epollDelete(this.epfd, fd);
    this.handlers[fd] = undefined;
    if (--this.registered === 0) this.poll.unref();
  }

  get size(): number {
    return this.registered;
  }

  /** Release the epoll fd and the poll handle. Registered fds are not closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poll.close();
    closeFd(this.epfd);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('reactor is closed');
  }

  private readonly onWake = (): void => {
    if (this.closed) return;
    this.stats.wakeups++;
    const { events, eventsView, maxEvents, handlers, interests } = this;
    for (let round = 0; round < this.maxWaits; round++) {
      const n = epollWait(this.epfd, events, maxEvents, 0);
      this.stats.waits++;
      if (n === 0) break;
      this.now = performance.now();
      this.stats.events += n;
      for (let i = 0; i < n; i++) {
        const base = i * EPOLL_EVENT_SIZE;
        const mask = eventsView.getUint32(base, true);
        const fd = eventsView.getUint32(base + EPOLL_DATA_OFFSET, true);
        const handler = handlers[fd];
        // An earlier handler in this batch may have removed this fd, or narrowed its interest.
        if (handler === undefined) continue;
        const relevant = mask & (interests[fd] | EPOLLERR | EPOLLHUP);
        if (relevant === 0) continue;
        try {
          handler(relevant);
        } catch (err) {
          // A handler bug must not stop the other fds in this batch.
          this.onHandlerError(err);
        }
      }
      if (n < maxEvents) break;
    }
  };
}
