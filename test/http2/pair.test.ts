import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concat, GET, Pair, post } from './harness.js';

test('GET round trip between our client and our server', () => {
  const p = new Pair();
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived') {
      s.sendHeaders(ev.streamId, [
        [':status', '200'],
        ['content-type', 'text/plain'],
      ]);
      s.sendData(ev.streamId, Buffer.from('hello'), { endStream: true });
    }
  };
  const id = p.client.request(GET, { endStream: true });
  p.exchange();
  const resp = p.clientEvents.find((e) => e.type === 'responseReceived');
  assert.ok(resp && resp.type === 'responseReceived');
  assert.equal(resp.headers[0].value, '200');
  const body = concat(p.clientEvents.flatMap((e) => (e.type === 'dataReceived' ? [e.data] : [])));
  assert.equal(body.toString(), 'hello');
  assert.ok(p.clientEvents.some((e) => e.type === 'streamEnded' && e.streamId === id));
  assert.equal(p.client.streamState(id), 'closed');
  assert.equal(p.server.openStreamCount, 0);
});

test('POST echo of 5 MB both ways with flow control and trailers', () => {
  const p = new Pair();
  const received = new Map<number, Buffer[]>();
  p.onServerEvent = (ev, s) => {
    if (ev.type === 'requestReceived') {
      s.sendHeaders(ev.streamId, [[':status', '200']]);
      received.set(ev.streamId, []);
    } else if (ev.type === 'dataReceived') {
      s.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
      s.sendData(ev.streamId, ev.data);
    } else if (ev.type === 'streamEnded') {
      s.sendTrailers(ev.streamId, [['grpc-status', '0']]);
    }
  };
  p.onClientEvent = (ev, c) => {
    if (ev.type === 'dataReceived') c.acknowledgeReceivedData(ev.streamId, ev.flowControlledLength);
  };
  const body = Buffer.alloc(5 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const id = p.client.request(post('/echo'));
  p.client.sendData(id, body, { endStream: true });
  p.exchange();
  const echoed = concat(
    p.clientEvents.flatMap((e) => (e.type === 'dataReceived' && e.streamId === id ? [e.data] : [])),
  );
  assert.equal(echoed.length, body.length);
  assert.ok(echoed.equals(body));
  const trailers = p.clientEvents.find((e) => e.type === 'trailersReceived');
  assert.ok(trailers && trailers.type === 'trailersReceived');
  assert.deepEqual(
    trailers.headers.map((h) => [h.name, h.value]),
    [['grpc-status', '0']],
  );
});
