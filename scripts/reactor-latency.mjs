// Costs behind the event-loop design: wake-up latency of the reactor's libuv poll handle, when a
// promise queued in a handler runs, and the price of a koffi call.
// Usage: npm run build && node scripts/reactor-latency.mjs
import { Reactor } from '../dist/src/loop/reactor.js';
import { EPOLLIN } from '../dist/src/sys/constants.js';
import { eventFd } from '../dist/src/sys/epoll.js';
import { libc } from '../dist/src/sys/libc.js';
import { close, read, writev } from '../dist/src/sys/socket.js';

const reactor = new Reactor();
const efd = eventFd();
const one = new Uint8Array(new BigUint64Array([1n]).buffer);
const sink = new Uint8Array(8);
const wake = [];
const micro = [];
let t0 = 0n;
let tHandler = 0n;
const ROUNDS = 200;
await new Promise((resolve) => {
  reactor.add(efd, EPOLLIN, () => {
    tHandler = process.hrtime.bigint();
    read(efd, sink);
    Promise.resolve().then(() => {
      wake.push(Number(tHandler - t0) / 1000);
      micro.push(Number(process.hrtime.bigint() - tHandler) / 1000);
      if (wake.length === ROUNDS) resolve();
      else setTimeout(fire, 1);
    });
  });
  const fire = () => {
    t0 = process.hrtime.bigint();
    libc.write(efd, one, 8);
  };
  setTimeout(fire, 10);
});
reactor.remove(efd);
close(efd);
reactor.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `write(eventfd) from a timer -> reactor handler: median ${median(wake).toFixed(1)} us (${ROUNDS} rounds)`,
);
console.log(`handler -> promise job queued in it:            median ${median(micro).toFixed(1)} us`);

const N = 1_000_000;
const buf = new Uint8Array(64);
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) libc.read(-1, buf, 8);
console.log(
  `koffi sync call, read(-1) -> EBADF:              ${(Number(process.hrtime.bigint() - t) / N).toFixed(0)} ns`,
);
const parts = [buf.subarray(0, 8), buf.subarray(8, 16)];
t = process.hrtime.bigint();
for (let i = 0; i < N; i++) writev(-1, parts);
console.log(
  `writev(-1) of 2 chunks incl. iovec building:     ${(Number(process.hrtime.bigint() - t) / N).toFixed(0)} ns`,
);
