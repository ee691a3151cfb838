import { DecodeError } from '../buf/errors.js';
import { MsgpackDecodeCode } from './msgpack-errors.js';

/** The extension type the MessagePack spec reserves for timestamps. */
export const TIMESTAMP_EXT_TYPE = -1;

/** Date's range: ±8.64e15 ms around the epoch (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * A MessagePack timestamp at full precision: seconds since the epoch (a number while it is a safe
 * integer, a bigint beyond) and nanoseconds 0..999 999 999. Dates carry only milliseconds; decode
 * with `timestamp: 'object'` to keep the nanoseconds, and encode one of these to write them.
 *
 * @example
 * new MsgpackEncoder().encode(new MsgpackTimestamp(1_700_000_000, 123_456_789)); // a timestamp64
 */
export class MsgpackTimestamp {
  constructor(
    readonly sec: number | bigint,
    readonly nsec: number,
  ) {}

  /** The timestamp of a Date (millisecond precision). Throws RangeError on an invalid Date. */
  static fromDate(date: Date): MsgpackTimestamp {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new RangeError('invalid Date has no timestamp');
    const sec = Math.floor(ms / 1000);
    return new MsgpackTimestamp(sec, (ms - sec * 1000) * 1_000_000);
  }

  /** This instant as a Date, truncated to milliseconds; `undefined` outside Date's range. */
  toDate(): Date | undefined {
    const sec = Number(this.sec);
    const ms = sec * 1000 + Math.floor(this.nsec / 1_000_000);
    return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms) : undefined;
  }
}

/**
 * Parses a timestamp extension payload (4, 8 or 12 bytes) at `bytes[at, at + len)`. `offset` is
 * where errors say the payload starts.
 */
export function readTimestamp(bytes: Uint8Array, at: number, len: number, offset: number): MsgpackTimestamp {
  const u32 = (p: number) =>
    bytes[p] * 0x1000000 + ((bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]);
  if (len === 4) return new MsgpackTimestamp(u32(at), 0);
  let nsec: number;
  let sec: number | bigint;
  if (len === 8) {
    // 30 bits of nanoseconds above 34 bits of seconds.
    const hi = u32(at);
    nsec = Math.floor(hi / 4);
    sec = (hi & 3) * 0x100000000 + u32(at + 4);
  } else if (len === 12) {
    nsec = u32(at);
    const hi = u32(at + 4);
    const lo = u32(at + 8);
    const signedHi = hi >= 0x80000000 ? hi - 0x100000000 : hi;
    const n = signedHi * 0x100000000 + lo;
    sec = Number.isSafeInteger(n) ? n : (BigInt(signedHi) << 32n) | BigInt(lo);
  } else {
    throw new DecodeError(
      MsgpackDecodeCode.timestamp,
      `timestamp extension has ${len} bytes, expected 4, 8 or 12`,
      offset,
    );
  }
  if (nsec > 999_999_999) {
    throw new DecodeError(MsgpackDecodeCode.timestamp, `timestamp nanoseconds ${nsec} >= 1e9`, offset);
  }
  return new MsgpackTimestamp(sec, nsec);
}
