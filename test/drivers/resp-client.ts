import net from 'node:net';
import {
  bytesToString,
  NEED_MORE,
  RespParser,
  RespSerializer,
  type RespValue,
} from '../../src/framing/index.js';

/** A reply as plain data, easy to compare with deepEqual. */
export type Reply =
  | string
  | number
  | bigint
  | boolean
  | null
  | { err: string }
  | { push: Reply[] }
  | { map: Reply[] }
  | Reply[];

export function plain(v: RespValue): Reply {
  switch (v.type) {
    case 'simple':
      return v.value;
    case 'error':
      return { err: v.value };
    case 'bulkError':
      return { err: bytesToString(v.value) };
    case 'integer':
    case 'boolean':
    case 'double':
    case 'bignum':
      return v.value;
    case 'bulk':
    case 'verbatim':
      return bytesToString(v.value);
    case 'null':
      return null;
    case 'array':
    case 'set':
      return v.value.map(plain);
    case 'push':
      return { push: v.value.map(plain) };
    case 'map':
      return { map: v.value.map(plain) };
  }
}

/**
 * A minimal Redis client over node:net for tests: send commands (pipelined if you like), read
 * replies in order, see the raw bytes and when the server closes.
 */
export class RespTestClient {
  readonly replies: Reply[] = [];
  raw = Buffer.alloc(0);
  closedAt = 0;
  /** When the server's FIN arrived (0: not yet). */
  finAt = 0;
  readonly closed: Promise<void>;
  private readonly parser = new RespParser();
  private readonly out = new RespSerializer();
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.raw = Buffer.concat([this.raw, d]);
      this.parser.push(d);
      for (let v = this.parser.read(); v !== NEED_MORE; v = this.parser.read()) this.replies.push(plain(v));
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('end', () => {
      this.finAt = performance.now();
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closedAt = performance.now();
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RespTestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new RespTestClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedAt > 0;
  }

  /** Write commands (each an argument list) in one write. */
  send(...commands: Array<Array<string | Uint8Array>>): void {
    for (const c of commands) this.out.writeCommand(c);
    this.socket.write(this.out.takeCopy());
  }

  sendRaw(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** The next reply (waits up to timeoutMs). */
  async next(timeoutMs = 5000): Promise<Reply> {
    const end = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (this.isClosed) throw new Error('connection closed while waiting for a reply');
      if (Date.now() > end) throw new Error(`no reply within ${timeoutMs} ms`);
      await this.wait(end - Date.now());
    }
    return this.replies.shift()!;
  }

  async call(...args: Array<string | Uint8Array>): Promise<Reply> {
    this.send(args);
    return this.next();
  }

  /** Wait until the server closes the connection (its FIN, or a reset); resolves false on timeout. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.finAt === 0 && !this.isClosed && Date.now() < end) await this.wait(end - Date.now());
    return this.finAt > 0 || this.isClosed;
  }

  close(): void {
    this.socket.destroy();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
