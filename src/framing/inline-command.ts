import { RespProtocolError } from './errors.js';

const SPACE = 32;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;

/**
 * Splits an inline command line (`SET key "a value"`) into arguments with the quoting rules of Redis's
 * sdssplitargs: whitespace separates; in double quotes `\n \r \t \b \a \\ \"` and `\xHH` are escapes; in
 * single quotes only `\'` is; a closing quote must be followed by whitespace or the end of the line.
 * Unquoted arguments are views of `line`; quoted ones are new arrays. `offset` locates errors.
 */
export function splitInlineCommand(line: Uint8Array, offset: number): Uint8Array[] {
  const args: Uint8Array[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i === n) return args;
    const start = i;
    while (i < n && !isSpace(line[i]) && line[i] !== DQUOTE && line[i] !== SQUOTE) i++;
    if (i === n || isSpace(line[i])) {
      args.push(line.subarray(start, i));
      continue;
    }
    // A quote somewhere in this argument: build it byte by byte.
    const out: number[] = [];
    for (let j = start; j < i; j++) out.push(line[j]);
    let done = false;
    while (!done) {
      if (i === n) break;
      const c = line[i];
      if (isSpace(c)) break;
      if (c === DQUOTE) {
        i++;
        for (;;) {
          if (i === n) throw unbalanced(offset);
          const d = line[i];
          if (
            d === BACKSLASH &&
            i + 3 < n &&
            line[i + 1] === 120 &&
            isHex(line[i + 2]) &&
            isHex(line[i + 3])
          ) {
            out.push(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
            i += 4;
          } else if (d === BACKSLASH && i + 1 < n) {
            out.push(escapedByte(line[i + 1]));
            i += 2;
          } else if (d === DQUOTE) {
            i++;
            // "closing quote must be followed by a space or nothing at all"
            if (i < n && !isSpace(line[i])) throw unbalanced(offset);
            done = true;
            break;
          } else {
            out.push(d);
            i++;
          }
        }
      } else if (c === SQUOTE) {
        i++;
        for (;;) {
          if (i === n) throw unbalanced(offset);
          const d = line[i];
          if (d === BACKSLASH && i + 1 < n && line[i + 1] === SQUOTE) {
            out.push(SQUOTE);
            i += 2;
          } else if (d === SQUOTE) {
            i++;
            if (i < n && !isSpace(line[i])) throw unbalanced(offset);
            done = true;
            break;
          } else {
            out.push(d);
            i++;
          }
        }
      } else {
        out.push(c);
        i++;
      }
    }
    args.push(Uint8Array.from(out));
  }
}

function unbalanced(offset: number): RespProtocolError {
  return new RespProtocolError('Protocol error: unbalanced quotes in request', offset);
}

function isSpace(c: number): boolean {
  // C isspace(): space, \t, \n, \v, \f, \r
  return c === SPACE || (c >= 9 && c <= 13);
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

function escapedByte(c: number): number {
  switch (c) {
    case 110: // n
      return 10;
    case 114: // r
      return 13;
    case 116: // t
      return 9;
    case 98: // b
      return 8;
    case 97: // a
      return 7;
    default:
      return c;
  }
}
