import { ChunkCursor, TOO_LONG } from './chunk-cursor.js';
import { RespProtocolError } from './errors.js';
import { NEED_MORE } from './need-more.js';
import { parseRespInteger, parseRespIntegerExact } from './resp-integer.js';
import { MAX_PREALLOCATED_ELEMENTS, type RespLimits, resolveRespLimits } from './resp-limits.js';
import type { RespAggregateType, RespValue } from './resp-value.js';
import { bytesToString } from './utf8.js';

const CR = 13;
const LF = 10;
const PLUS = 43; // +
const MINUS = 45; // -
const COLON = 58; // :
const DOLLAR = 36; // $
const STAR = 42; // *
const UNDERSCORE = 95; // _
const HASH = 35; // #
const COMMA = 44; // ,
const LPAREN = 40; // (
const BANG = 33; // !
const EQUALS = 61; // =
const PERCENT = 37; // %
const TILDE = 126; // ~
const PIPE = 124; // |
const GT = 62; // >

const DOUBLE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BIGNUM = /^[+-]?\d+$/;

interface Aggregate {
  type: RespAggregateType | 'attribute';
  items: RespValue[];
  filled: number;
  remaining: number;
  attributes: RespValue[] | undefined;
}

/** A value whose payload may be a view into input that expires at the next push. */
interface Lent {
  value: Uint8Array;
}

/**
 * A streaming parser for RESP2 and RESP3 values (what a Redis server replies, or any RESP stream):
 * simple strings, errors, integers, bulk strings, arrays, nulls, and RESP3's booleans, doubles, big
 * numbers, bulk errors, verbatim strings, maps, sets, attributes and pushes. Push chunks in any sizes
 * and `read()` values until NEED_MORE; many pipelined values per chunk are fine. Bulk payloads are views
 * of the input valid until the next `push()`. Malformed or over-limit input throws RespProtocolError,
 * after which the parser stays failed. (A server reading commands wants RespRequestParser instead.)
 *
 * @example
 * const parser = new RespParser();
 * parser.push(new TextEncoder().encode('*2\r\n$3\r\nfoo\r\n:42\r\n'));
 * parser.read(); // { type: 'array', value: [{ type: 'bulk', value: <foo> }, { type: 'integer', value: 42 }] }
 */
export class RespParser implements Iterable<RespValue> {
  readonly limits: Readonly<Required<RespLimits>>;
  private readonly cursor = new ChunkCursor();
  private readonly stack: Aggregate[] = [];
  private bulkType = 0;
  private bulkLength = 0;
  private pendingAttributes: RespValue[] | undefined;
  private lent: Lent[] = [];
  private failure: RespProtocolError | null = null;

  constructor(limits: RespLimits = {}) {
    this.limits = resolveRespLimits(limits);
  }

  /** Adds received bytes. The chunk must stay unmodified until `read()` returns NEED_MORE. */
  push(chunk: Uint8Array): this {
    if (this.failure) throw this.failure;
    this.cursor.push(chunk);
    return this;
  }

  /** The next whole top-level value, or NEED_MORE. */
  read(): RespValue | typeof NEED_MORE {
    if (this.failure) throw this.failure;
    const cursor = this.cursor;
    const limits = this.limits;
    for (;;) {
      let value: RespValue;
      if (this.bulkType !== 0) {
        const n = this.bulkLength;
        if (cursor.buffered >= n + 2 && (cursor.peekAt(n) !== CR || cursor.peekAt(n + 1) !== LF)) {
          throw this.fail('Protocol error: bulk string not terminated by CRLF', cursor.offset + n);
        }
        const payload = cursor.readExact(n + 2, n);
        if (payload === null) return this.suspend();
        if (this.bulkType === DOLLAR) value = { type: 'bulk', value: payload };
        else if (this.bulkType === BANG) value = { type: 'bulkError', value: payload };
        else {
          // RESP3: "the first three bytes provide information about the format ... followed by a :"
          if (n < 4 || payload[3] !== COLON)
            throw this.fail('Protocol error: invalid verbatim string', cursor.offset - n - 2);
          value = {
            type: 'verbatim',
            format: bytesToString(payload.subarray(0, 3)),
            value: payload.subarray(4),
          };
        }
        this.bulkType = 0;
        this.lent.push(value);
      } else {
        const start = cursor.offset;
        const first = cursor.peekByte();
        if (first < 0) return this.suspend();
        if (first === DOLLAR || first === STAR) {
          // Hot path: `$5\r\n` / `*3\r\n` read without making a view of the line.
          const n = cursor.readCountLine(limits.maxInlineLength);
          if (n > 0) {
            if (first === DOLLAR) this.startBulk(DOLLAR, n, start);
            else this.startAggregate(STAR, n, start);
            continue;
          }
        }
        const line = cursor.readLine(limits.maxInlineLength, false);
        if (line === null) return this.suspend();
        if (line === TOO_LONG) {
          const what =
            first === STAR ? 'mbulk count string' : first === DOLLAR ? 'bulk count string' : 'inline request';
          throw this.fail(`Protocol error: too big ${what}`, start, 'maxInlineLength');
        }
        switch (first) {
          case PLUS:
            value = { type: 'simple', value: bytesToString(line.subarray(1)) };
            break;
          case MINUS:
            value = { type: 'error', value: bytesToString(line.subarray(1)) };
            break;
          case COLON: {
            const n = parseRespIntegerExact(line, 1);
            if (typeof n === 'number' && Number.isNaN(n))
              throw this.fail('Protocol error: invalid integer', start);
            value = { type: 'integer', value: n };
            break;
          }
          case DOLLAR:
          case BANG:
          case EQUALS: {
            const n = parseRespInteger(line, 1);
            if (n === -1 && first === DOLLAR) {
              value = { type: 'null' };
              break;
            }
            this.startBulk(first, n, start);
            continue;
          }
          case STAR:
          case PERCENT:
          case TILDE:
          case GT:
          case PIPE: {
            const n = parseRespInteger(line, 1);
            if (n === -1 && first === STAR) {
              value = { type: 'null' };
              break;
            }
            if (n === 0) {
              if (first === PIPE) this.pendingAttributes ??= [];
              else {
                value = { type: aggregateType(first) as RespAggregateType, value: [] };
                break;
              }
            } else this.startAggregate(first, n, start);
            continue;
          }
          case UNDERSCORE:
            if (line.length !== 1) throw this.fail('Protocol error: invalid null', start);
            value = { type: 'null' };
            break;
          case HASH:
            if (line.length !== 2 || (line[1] !== 116 && line[1] !== 102)) {
              throw this.fail('Protocol error: invalid boolean', start);
            }
            value = { type: 'boolean', value: line[1] === 116 };
            break;
          case COMMA: {
            const text = bytesToString(line.subarray(1));
            const lower = text.toLowerCase();
            let x: number;
            if (lower === 'inf' || lower === '+inf') x = Number.POSITIVE_INFINITY;
            else if (lower === '-inf') x = Number.NEGATIVE_INFINITY;
            else if (lower === 'nan' || lower === '-nan') x = Number.NaN;
            else if (DOUBLE.test(text)) x = Number(text);
            else throw this.fail('Protocol error: invalid double', start);
            value = { type: 'double', value: x };
            break;
          }
          case LPAREN: {
            const text = bytesToString(line.subarray(1));
            if (!BIGNUM.test(text)) throw this.fail('Protocol error: invalid big number', start);
            value = { type: 'bignum', value: BigInt(text) };
            break;
          }
          default:
            throw this.fail(`Protocol error: invalid RESP type byte '${String.fromCharCode(first)}'`, start);
        }
      }
      const attributes = this.takeAttributes();
      if (attributes !== undefined) value.attributes = attributes;
      // Hand the finished value to its parent; finishing the parent may finish the grandparent, and so on.
      for (;;) {
        const top = this.stack[this.stack.length - 1];
        if (top === undefined) {
          this.lent.length = 0;
          return value;
        }
        top.items[top.filled++] = value;
        if (--top.remaining > 0) break;
        this.stack.pop();
        if (top.type === 'attribute') {
          // "the client should not consider such a dictionary part of the reply": it decorates the next value.
          this.pendingAttributes =
            top.attributes === undefined ? top.items : [...top.attributes, ...top.items];
          break;
        }
        value = { type: top.type, value: top.items };
        if (top.attributes !== undefined) value.attributes = top.attributes;
      }
    }
  }

  /** Bytes received but not yet consumed. */
  get buffered(): number {
    return this.cursor.buffered;
  }

  [Symbol.iterator](): Iterator<RespValue> {
    return {
      next: (): IteratorResult<RespValue> => {
        const value = this.read();
        return value === NEED_MORE ? { done: true, value: undefined } : { done: false, value };
      },
    };
  }

  /** After a bulk header: checks the length, then waits for the payload. */
  private startBulk(typeByte: number, n: number, start: number): void {
    if (!(n >= 0)) throw this.fail('Protocol error: invalid bulk length', start);
    if (n > this.limits.maxBulkLength)
      throw this.fail('Protocol error: invalid bulk length', start, 'maxBulkLength');
    this.bulkType = typeByte;
    this.bulkLength = n;
  }

  /** After the header of a non-empty aggregate: checks count and depth, then collects its elements. */
  private startAggregate(typeByte: number, n: number, start: number): void {
    const limits = this.limits;
    if (!(n >= 0)) throw this.fail('Protocol error: invalid multibulk length', start);
    if (n > limits.maxMultibulkLength) {
      throw this.fail('Protocol error: invalid multibulk length', start, 'maxMultibulkLength');
    }
    if (this.stack.length >= limits.maxDepth) {
      throw this.fail(`Protocol error: nesting deeper than ${limits.maxDepth}`, start, 'maxDepth');
    }
    const count = typeByte === PERCENT || typeByte === PIPE ? n * 2 : n;
    this.stack.push({
      type: aggregateType(typeByte),
      items: new Array(Math.min(count, MAX_PREALLOCATED_ELEMENTS)),
      filled: 0,
      remaining: count,
      attributes: this.takeAttributes(),
    });
  }

  private takeAttributes(): RespValue[] | undefined {
    const attributes = this.pendingAttributes;
    this.pendingAttributes = undefined;
    return attributes;
  }

  private suspend(): typeof NEED_MORE {
    // The unfinished value outlives this chunk, so views into it (or into a spill buffer) must become copies.
    if (this.stack.length > 0 || this.pendingAttributes !== undefined) {
      for (const v of this.lent) v.value = v.value.slice();
    }
    this.lent.length = 0;
    return NEED_MORE;
  }

  private fail(message: string, offset: number, limit?: string): RespProtocolError {
    this.failure = new RespProtocolError(message, offset, limit);
    return this.failure;
  }
}

function aggregateType(typeByte: number): RespAggregateType | 'attribute' {
  switch (typeByte) {
    case STAR:
      return 'array';
    case PERCENT:
      return 'map';
    case TILDE:
      return 'set';
    case GT:
      return 'push';
    default:
      return 'attribute';
  }
}
