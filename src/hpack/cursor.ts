/**
 * A read position shared by the decoding helpers, so that they can return a value and advance the
 * position without allocating a result object per call.
 */
export interface Cursor {
  pos: number;
}
