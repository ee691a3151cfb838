/**
 * How a frame's body is serialized, with the number written in the header's codec bits. Wire format:
 * never renumber, only add (two bits: at most four codecs).
 *
 * @example
 * const id = BODY_CODEC_IDS.protobuf; // 2
 */
export const BODY_CODEC_IDS = { msgpack: 0, json: 1, protobuf: 2 } as const;

/** A body serialization by name. */
export type BodyCodecName = keyof typeof BODY_CODEC_IDS;

/** Every body codec name, in id order. */
export const BODY_CODEC_NAMES: readonly BodyCodecName[] = ['msgpack', 'json', 'protobuf'];
