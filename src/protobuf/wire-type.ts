/**
 * The 3-bit wire type in every tag (`tag = fieldNumber << 3 | wireType`). It tells a reader how to skip a
 * field it does not know, which is why 6 and 7 (never assigned) are rejected rather than guessed at.
 */
export const WireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Field numbers are 29 bits: the tag's other 3 bits hold the wire type. */
export const MAX_FIELD_NUMBER = 0x1fffffff;
