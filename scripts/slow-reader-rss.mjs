// Server RSS growth while a client writes N MiB (argv[2]) to the echo server and reads slowly.
// Usage: npm run build && node scripts/slow-reader-rss.mjs 256

import { spawn } from 'node:child_process';
import net from 'node:net';
import { sampleProcess } from '../dist/src/bench/proc-stats.js';

const child = spawn(
  process.execPath,
  [
    ...(process.argv[3] ? process.argv[3].split(' ') : []),
    new URL('../dist/src/cli/main.js', import.meta.url).pathname,
    'echo',
    '--port',
    '0',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise((r) =>
  child.stdout.on('data', (d) => {
    const m = String(d).match(/:(\d+) /);
    if (m) r(Number(m[1]));
  }),
);
const MiB = 1024 * 1024;
const total = Number(process.argv[2]) * MiB;
const base = sampleProcess(child.pid).rssBytes;
const sock = net.connect({ port, host: '127.0.0.1' });
let received = 0,
  peak = base;
sock.on('data', (d) => {
  received += d.length;
  if (received % (512 * 1024) < d.length) {
    sock.pause();
    setTimeout(() => sock.resume(), 10);
  }
});
const iv = setInterval(() => {
  const s = sampleProcess(child.pid);
  peak = Math.max(peak, s.rssBytes);
}, 20);
const iv2 = setInterval(
  () =>
    console.log(
      'recv MiB',
      (received / MiB) | 0,
      'rss growth MiB',
      ((sampleProcess(child.pid).rssBytes - base) / MiB).toFixed(1),
    ),
  1000,
);
const chunk = Buffer.alloc(MiB, 1);
let sent = 0;
const pump = () => {
  while (sent < total) {
    sent += MiB;
    if (!sock.write(chunk)) {
      sock.once('drain', pump);
      return;
    }
  }
  sock.end();
};
sock.on('connect', pump);
sock.on('close', () => {
  clearInterval(iv);
  clearInterval(iv2);
  console.log('done, peak growth MiB', ((peak - base) / MiB).toFixed(1));
  child.kill();
});
