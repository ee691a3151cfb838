import { ProtoSyntaxError, type SourceLocation } from './errors.js';

export type TokenKind = 'ident' | 'int' | 'float' | 'string' | 'symbol' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The source text; for strings, the decoded value (escapes applied). */
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);
const isHex = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/**
 * Splits `.proto` source into tokens, skipping whitespace and comments, tracking line and column for
 * error messages. Identifiers do not include dots: the parser assembles `a.b.c` so that it can report
 * `a. b` or `a..b` precisely.
 *
 * @example
 * const t = new ProtoTokenizer('syntax = "proto3";', 'a.proto');
 * t.next(); // { kind: 'ident', text: 'syntax', line: 1, column: 1 }
 */
export class ProtoTokenizer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly src: string,
    readonly file: string,
  ) {}

  error(where: { line: number; column: number }, message: string): ProtoSyntaxError {
    return new ProtoSyntaxError(
      'EPROTOSYNTAX',
      { file: this.file, line: where.line, column: where.column },
      message,
    );
  }

  private here(): SourceLocation {
    return { file: this.file, line: this.line, column: this.pos - this.lineStart + 1 };
  }

  private skipSpaceAndComments(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === '\n') {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.pos++;
      } else if (c === '/' && s[this.pos + 1] === '/') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const start = this.here();
        this.pos += 2;
        for (;;) {
          if (this.pos >= s.length) throw this.error(start, 'unterminated /* comment');
          if (s[this.pos] === '*' && s[this.pos + 1] === '/') {
            this.pos += 2;
            break;
          }
          if (s[this.pos] === '\n') {
            this.line++;
            this.lineStart = this.pos + 1;
          }
          this.pos++;
        }
      } else return;
    }
  }

  next(): Token {
    this.skipSpaceAndComments();
    const s = this.src;
    const { line, column } = this.here();
    if (this.pos >= s.length) return { kind: 'eof', text: '', line, column };
    const start = this.pos;
    const c = s[start];
    if (isIdentStart(c)) {
      while (this.pos < s.length && isIdentPart(s[this.pos])) this.pos++;
      return { kind: 'ident', text: s.slice(start, this.pos), line, column };
    }
    if (isDigit(c) || (c === '.' && isDigit(s[start + 1] ?? ''))) return this.number(line, column);
    if (c === '"' || c === "'") return { kind: 'string', text: this.string(c, line, column), line, column };
    this.pos++;
    return { kind: 'symbol', text: c, line, column };
  }

  private number(line: number, column: number): Token {
    const s = this.src;
    const start = this.pos;
    if (s[start] === '0' && (s[start + 1] === 'x' || s[start + 1] === 'X')) {
      this.pos += 2;
      while (this.pos < s.length && isHex(s[this.pos])) this.pos++;
      if (this.pos === start + 2) throw this.error({ line, column }, 'hex literal needs digits after 0x');
      return this.endOfNumber({ kind: 'int', text: s.slice(start, this.pos), line, column });
    }
    let float = false;
    while (this.pos < s.length && isDigit(s[this.pos])) this.pos++;
    if (s[this.pos] === '.') {
      float = true;
      this.pos++;
      while (this.pos < s.length && isDigit(s[this.pos])) this.pos++;
    }
    if (s[this.pos] === 'e' || s[this.pos] === 'E') {
      float = true;
      this.pos++;
      if (s[this.pos] === '+' || s[this.pos] === '-') this.pos++;
      const digits = this.pos;
      while (this.pos < s.length && isDigit(s[this.pos])) this.pos++;
      if (this.pos === digits) throw this.error({ line, column }, 'exponent needs digits');
    }
    const text = s.slice(start, this.pos);
    if (!float && text.length > 1 && text[0] === '0' && !/^[0-7]+$/.test(text)) {
      throw this.error({ line, column }, `invalid octal literal ${text}`);
    }
    return this.endOfNumber({ kind: float ? 'float' : 'int', text, line, column });
  }

  private endOfNumber(t: Token): Token {
    // `1foo` is one bad token, not a number followed by an identifier.
    if (this.pos < this.src.length && isIdentStart(this.src[this.pos])) {
      throw this.error(t, `unexpected '${this.src[this.pos]}' after number ${t.text}`);
    }
    return t;
  }

  private string(quote: string, line: number, column: number): string {
    const s = this.src;
    let out = '';
    this.pos++;
    for (;;) {
      if (this.pos >= s.length || s[this.pos] === '\n')
        throw this.error({ line, column }, 'unterminated string');
      const c = s[this.pos++];
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[this.pos++] ?? '';
      if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
      else if (e === 'x' || e === 'X') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(this.pos, this.pos + 2));
        if (!m) throw this.error(this.here(), '\\x needs hex digits');
        out += String.fromCharCode(Number.parseInt(m[0], 16));
        this.pos += m[0].length;
      } else if (e >= '0' && e <= '7') {
        const m = /^[0-7]{1,3}/.exec(s.slice(this.pos - 1, this.pos + 2))!;
        out += String.fromCharCode(Number.parseInt(m[0], 8) & 0xff);
        this.pos += m[0].length - 1;
      } else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = s.slice(this.pos, this.pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex))
          throw this.error(this.here(), `\\${e} needs ${n} hex digits`);
        const cp = Number.parseInt(hex, 16);
        if (cp > 0x10ffff) throw this.error(this.here(), `\\${e}${hex} is not a Unicode code point`);
        out += String.fromCodePoint(cp);
        this.pos += n;
      } else throw this.error(this.here(), `unknown escape \\${e}`);
    }
  }
}
