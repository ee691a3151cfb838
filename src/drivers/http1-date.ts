let cachedSecond = -1;
let cachedValue = '';

/**
 * The Date field value (IMF-fixdate, RFC 9110 section 5.6.7) for now, formatted at most once per
 * second: every response needs it (section 6.6.1), and toUTCString() costs more than the rest of a
 * small response head.
 */
export function httpDate(nowMs = Date.now()): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
