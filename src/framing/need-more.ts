/**
 * What a streaming decoder returns when the bytes it has do not yet hold a whole frame or value.
 * Incomplete input is normal on a byte stream, so it is a return value, never an exception.
 *
 * @example
 * for (let f = decoder.read(); f !== NEED_MORE; f = decoder.read()) handle(f);
 */
export const NEED_MORE: unique symbol = Symbol('NEED_MORE');
export type NeedMore = typeof NEED_MORE;
