import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MsgpackDecoder, MsgpackEncoder, UnsupportedProtocolVersion } from '../../src/codec/index.js';
import { VersionedMessageChannel } from '../../src/drivers/versioned-message-channel.js';
import { connectTcp, TcpServer } from '../../src/tcp/index.js';

const encoder = new MsgpackEncoder();
const decoder = new MsgpackDecoder();

/** The order server of order-protocol.ts over real TCP: v1 and v2 on one port. */
async function startServer() {
  const server = new TcpServer();
  const compressedSeen: string[] = [];
  server.onConnection = (conn) => {
    const channel = VersionedMessageChannel.server(conn, { versions: [1, 2] });
    channel.onMessage = ({ version, compression, body }) => {
      compressedSeen.push(compression);
      const msg = decoder.decode(body) as Record<string, unknown>;
      const reply: Record<string, unknown> =
        msg.type === 'order'
          ? { type: 'ack', id: msg.id, qty: msg.qty }
          : { type: 'error', code: 'unknown-type' };
      if (version >= 2 && msg.type === 'order') reply.currency = msg.currency ?? 'EUR';
      if (msg.type === 'order' && Array.isArray(msg.notes)) reply.notes = msg.notes.length;
      channel.send(encoder.encode(reply), { version });
    };
  };
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, port, compressedSeen };
}

/** Connects with `versions`, sends one order, resolves with the agreed version and the reply. */
async function orderOver(port: number, versions: number[], order: Record<string, unknown>) {
  const conn = await connectTcp({ host: '127.0.0.1', port });
  const channel = VersionedMessageChannel.client(conn, { versions });
  return new Promise<{ version: number; reply: unknown }>((resolve, reject) => {
    let version = 0;
    channel.onReady = (agreement) => {
      version = agreement.version;
      channel.send(encoder.encode(order));
    };
    channel.onMessage = ({ body }) => {
      resolve({ version, reply: JSON.parse(JSON.stringify(decoder.decode(body))) });
      conn.end();
    };
    channel.onError = reject;
  });
}

test('TCP end to end: v1 and v2 clients on one v1+v2 server; a v3 client gets the supported list', async () => {
  const { server, port, compressedSeen } = await startServer();
  try {
    const v1 = await orderOver(port, [1], { type: 'order', id: 1, item: 'pen', qty: 2 });
    assert.deepEqual(v1, { version: 1, reply: { type: 'ack', id: 1, qty: 2 } });
    const v2 = await orderOver(port, [1, 2], { type: 'order', id: 2, item: 'ink', qty: 1, currency: 'CHF' });
    assert.deepEqual(v2, { version: 2, reply: { type: 'ack', id: 2, qty: 1, currency: 'CHF' } });
    // A big order with many notes: compressed on the wire (brotli, agreed in the handshake), intact on arrival.
    const notes = Array.from({ length: 2000 }, (_, i) => `note ${i}: leave at the door`);
    const big = await orderOver(port, [2], { type: 'order', id: 3, item: 'box', qty: 9, notes });
    assert.deepEqual(big.reply, { type: 'ack', id: 3, qty: 9, currency: 'EUR', notes: 2000 });
    assert.deepEqual(compressedSeen, ['none', 'none', 'brotli']);
    await assert.rejects(orderOver(port, [3], { type: 'order', id: 4 }), (e: unknown) => {
      assert.ok(e instanceof UnsupportedProtocolVersion);
      assert.deepEqual(e.offered, [1, 2]);
      assert.match(e.message, /peer offers protocol versions \[1, 2\]; this side supports \[3\]/);
      return true;
    });
  } finally {
    await server.close({ drainTimeoutMs: 1000 });
  }
});
