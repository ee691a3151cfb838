import type { SocketAddress } from '../sys/sockaddr.js';
import { type DrainSummary, shutdownOnSignals } from '../tcp/index.js';

/** `host:port`, with IPv6 hosts in brackets. */
export function formatAddress(a: SocketAddress): string {
  return `${a.family === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * What every server command does once its server listens: print `NAME listening on HOST:PORT
 * (try: …)` (tests and the bench wait for that line) and drain on SIGTERM/SIGINT, printing the
 * drain summary.
 */
export function announceAndServe(
  name: string,
  address: SocketAddress,
  tryIt: string,
  close: () => Promise<DrainSummary>,
): void {
  const shown = formatAddress(address);
  console.log(`${name} listening on ${shown} (try: ${tryIt})`);
  shutdownOnSignals([{ name: `${name.replace(/^framed /, '')} ${shown}`, close }], {
    log: (line) => console.log(line),
  });
}
