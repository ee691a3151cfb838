import { MsgpackEncodeCode, MsgpackEncodeError } from './msgpack-errors.js';

/** How one application type maps to a MessagePack extension type. */
export interface MsgpackExtension<T = unknown> {
  /** Application extension types are 0..127; -128..-1 are reserved by the spec. */
  readonly type: number;
  /** Instances of exactly this class (`value.constructor === cls`) are encoded with `encode`. */
  readonly cls: abstract new (
    ...args: never
  ) => T;
  /** The payload for `value`. */
  encode(value: T): Uint8Array;
  /** The value for a payload; `data` is a copy the decoder will not touch again. */
  decode(data: Uint8Array): T;
}

/**
 * A registry of application extension types, shared by an encoder and a decoder. Lookup is by
 * exact class on encode (one Map lookup, no predicate chain) and by type byte on decode.
 *
 * @example
 * class Point { constructor(readonly x: number, readonly y: number) {} }
 * const extensions = new MsgpackExtensions().register({
 *   type: 1, cls: Point,
 *   encode: (p) => new Uint8Array([p.x, p.y]),
 *   decode: (d) => new Point(d[0], d[1]),
 * });
 * const bytes = new MsgpackEncoder({ extensions }).encode(new Point(1, 2));
 * new MsgpackDecoder({ extensions }).decode(bytes); // Point { x: 1, y: 2 }
 */
export class MsgpackExtensions {
  private readonly byClass = new Map<unknown, MsgpackExtension>();
  private readonly byType = new Map<number, MsgpackExtension>();

  /** Adds an extension; throws if the type is outside 0..127 or already registered. */
  register<T>(extension: MsgpackExtension<T>): this {
    const { type } = extension;
    if (!Number.isInteger(type) || type < 0 || type > 127) {
      throw new MsgpackEncodeError(MsgpackEncodeCode.range, `extension type ${type} is not in 0..127`);
    }
    if (this.byType.has(type)) {
      throw new MsgpackEncodeError(MsgpackEncodeCode.range, `extension type ${type} is already registered`);
    }
    this.byType.set(type, extension as MsgpackExtension);
    this.byClass.set(extension.cls, extension as MsgpackExtension);
    return this;
  }

  /** The extension for instances of `cls`, if any. */
  forClass(cls: unknown): MsgpackExtension | undefined {
    return this.byClass.get(cls);
  }

  /** The extension registered for `type`, if any. */
  forType(type: number): MsgpackExtension | undefined {
    return this.byType.get(type);
  }
}
