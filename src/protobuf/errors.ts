import { WirestackError } from '../buf/errors.js';

/** Where in a `.proto` source something was found: 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A `.proto` file could not be parsed or does not make sense (unknown type, duplicate field number...).
 * The message starts with `file:line:column` so editors can jump to it.
 *
 * @example
 * try { schema = ProtoSchema.fromSources({ 'a.proto': 'message A { int32 x = 0; }' }) }
 * catch (e) { if (e instanceof ProtoSyntaxError) console.error(e.message) } // a.proto:1:25: field number 0 ...
 */
export class ProtoSyntaxError extends WirestackError {
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(code: string, where: SourceLocation, message: string) {
    super(code, `${where.file}:${where.line}:${where.column}: ${message}`);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

/**
 * A value handed to the encoder does not fit its field (wrong JS type, out of range, two members of one
 * oneof set, nesting too deep). `field` is the dotted path of the offending field.
 *
 * @example
 * try { Ping.encode({ seq: 'one' }) }
 * catch (e) { if (e instanceof ProtoEncodeError) e.field } // 'demo.Ping.seq'
 */
export class ProtoEncodeError extends WirestackError {
  readonly field: string;

  constructor(code: string, field: string, message: string) {
    super(code, `${field}: ${message}`);
    this.field = field;
  }
}
