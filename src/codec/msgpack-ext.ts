/**
 * An extension value whose type has no registered codec: the raw type byte and payload. Decoding an
 * unknown extension yields one, and encoding one writes it back unchanged, so a relay round-trips
 * extensions it does not understand.
 *
 * @example
 * const ext = new MsgpackExt(7, new Uint8Array([1, 2, 3]));
 * new MsgpackDecoder().decode(new MsgpackEncoder().encode(ext)); // MsgpackExt { type: 7, data: [1,2,3] }
 */
export class MsgpackExt {
  /** `type` is -128..127; negative types are reserved by the spec (-1 is the timestamp). */
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}
