import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reactor } from '../../src/loop/reactor.js';
import { EPOLLIN } from '../../src/sys/constants.js';
import { eventFd } from '../../src/sys/epoll.js';
import { libc } from '../../src/sys/libc.js';
import { close, read } from '../../src/sys/socket.js';

const one = new Uint8Array(new BigUint64Array([1n]).buffer);

test('readiness of a registered fd reaches its handler from inside Node’s loop, and promises run right after', async () => {
  const reactor = new Reactor();
  const efd = eventFd();
  const seen: string[] = [];
  try {
    const fired = new Promise<void>((resolve) => {
      reactor.add(efd, EPOLLIN, (events) => {
        assert.ok(events & EPOLLIN);
        read(efd, new Uint8Array(8));
        seen.push('handler');
        Promise.resolve().then(() => {
          seen.push('microtask');
          resolve();
        });
      });
    });
    setTimeout(() => libc.write(efd, one, 8), 5);
    await fired;
    assert.deepEqual(seen, ['handler', 'microtask']);
    assert.ok(reactor.stats.events >= 1);
  } finally {
    reactor.remove(efd);
    close(efd);
    reactor.close();
  }
});

test('a removed fd is not reported again, even when it stays ready', async () => {
  const reactor = new Reactor();
  const efd = eventFd(1); // readable from the start, and we never read it
  let calls = 0;
  try {
    reactor.add(efd, EPOLLIN, () => {
      calls++;
      reactor.remove(efd);
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1);
    assert.equal(reactor.interest(efd), -1);
    assert.equal(reactor.size, 0);
  } finally {
    close(efd);
    reactor.close();
  }
});

test('interest can be narrowed: with no events of interest the handler is not called', async () => {
  const reactor = new Reactor();
  const efd = eventFd(1);
  let calls = 0;
  try {
    reactor.add(efd, EPOLLIN, () => {
      calls++;
      reactor.modify(efd, 0);
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1, 'level-triggered readiness stops once interest is 0');
    reactor.modify(efd, EPOLLIN);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 2, 'and resumes when interest is restored');
  } finally {
    reactor.remove(efd);
    close(efd);
    reactor.close();
  }
});

test('a handler that throws does not stop the other fds in the same batch', async () => {
  const uncaught: unknown[] = [];
  const reactor = new Reactor({ onHandlerError: (e) => uncaught.push(e) });
  const a = eventFd(1);
  const b = eventFd(1);
  let bCalled = 0;
  try {
    reactor.add(a, EPOLLIN, () => {
      reactor.remove(a);
      throw new Error('handler bug');
    });
    reactor.add(b, EPOLLIN, () => {
      bCalled++;
      reactor.remove(b);
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(bCalled, 1);
    assert.equal(uncaught.length, 1, 'the bug is still reported');
  } finally {
    close(a);
    close(b);
    reactor.close();
  }
});
