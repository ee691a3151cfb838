const STAR = 42; // *
const QUESTION = 63; // ?
const OPEN = 91; // [
const CLOSE = 93; // ]
const CARET = 94; // ^
const DASH = 45; // -
const BACKSLASH = 92; // \

/**
 * Redis's glob matching (KEYS, PSUBSCRIBE, CONFIG GET) on raw bytes: `*` any run, `?` one byte,
 * `[abc]`, `[^a-z]` classes, `\` escapes the next byte. Backtracks only to the last `*`, so a hostile
 * pattern such as `*a*a*a*a*b` costs O(pattern × subject), never exponential time.
 *
 * @example
 * matchesGlob(stringToBytes('user:*'), stringToBytes('user:42')) // true
 */
export function matchesGlob(pattern: Uint8Array, subject: Uint8Array): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  const pn = pattern.length;
  const sn = subject.length;
  while (s < sn) {
    if (p < pn) {
      const c = pattern[p];
      if (c === STAR) {
        starP = p++;
        starS = s;
        continue;
      }
      if (c === QUESTION) {
        p++;
        s++;
        continue;
      }
      if (c === OPEN) {
        const end = matchClass(pattern, p, subject[s]);
        if (end > 0) {
          p = end;
          s++;
          continue;
        }
      } else {
        let literal = c;
        let next = p + 1;
        if (c === BACKSLASH && p + 1 < pn) {
          literal = pattern[p + 1];
          next = p + 2;
        }
        if (literal === subject[s]) {
          p = next;
          s++;
          continue;
        }
      }
    }
    // Mismatch: let the last `*` swallow one more byte and retry from just after it.
    if (starP < 0) return false;
    p = starP + 1;
    s = ++starS;
  }
  while (p < pn && pattern[p] === STAR) p++;
  return p === pn;
}

/**
 * Matches `byte` against the class starting at `pattern[open] === '['`. Returns the index after the
 * closing `]` on a match, or -1. An unterminated class runs to the end of the pattern, as in Redis.
 */
function matchClass(pattern: Uint8Array, open: number, byte: number): number {
  const n = pattern.length;
  let i = open + 1;
  let negate = false;
  if (i < n && pattern[i] === CARET) {
    negate = true;
    i++;
  }
  let matched = false;
  while (i < n && pattern[i] !== CLOSE) {
    let c = pattern[i];
    if (c === BACKSLASH && i + 1 < n) {
      c = pattern[++i];
      if (c === byte) matched = true;
      i++;
      continue;
    }
    if (i + 2 < n && pattern[i + 1] === DASH && pattern[i + 2] !== CLOSE) {
      let lo = c;
      let hi = pattern[i + 2];
      if (lo > hi) [lo, hi] = [hi, lo];
      if (byte >= lo && byte <= hi) matched = true;
      i += 3;
      continue;
    }
    if (c === byte) matched = true;
    i++;
  }
  if (negate) matched = !matched;
  if (!matched) return -1;
  return i < n ? i + 1 : n;
}
