// A TCP proxy on loopback that delivers the client's bytes to the server the way a real network
// does: in TCP segments of one MSS (chosen per connection among common path MSS values,
// 536–1460 bytes), the last segment of a burst shorter, each written separately with a small
// delay, so that the server's read() calls see a WebSocket frame in many pieces. Loopback
// itself hands over 64 KB at once, which hides Core Lightning's WebSocket reader bug.
//
// const p = await segmentingProxy({ port }); p.url → 'ws://127.0.0.1:PORT'; p.stats; p.close()
import { connect, createServer } from 'node:net';

// MSS values seen on real paths: IPv4/IPv6 Ethernet with and without TCP timestamps, PPPoE,
// common tunnels, and the 536-byte minimum.
export const MSS_VALUES = [1460, 1448, 1440, 1432, 1420, 1400, 1380, 1360, 1300, 1220, 536];

export async function segmentingProxy({ port, host = '127.0.0.1', delayEvery = 4 }) {
  const stats = { connections: 0, segments: 0, bytes: 0, mss: [] };
  const sockets = new Set();
  let n = 0;
  const server = createServer((client) => {
    const mss = MSS_VALUES[n++ % MSS_VALUES.length];
    stats.connections += 1;
    stats.mss.push(mss);
    client.setNoDelay(true);
    const upstream = connect(port, host);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    // Server → client: as it comes (the bug is in the server's reader).
    upstream.on('data', (d) => client.write(d));
    // Client → server: one burst at a time, cut into MSS-sized segments from the burst's start.
    const queue = [];
    let busy = false;
    const pump = async () => {
      if (busy) return;
      busy = true;
      while (queue.length) {
        const chunk = queue.shift();
        for (let off = 0, i = 0; off < chunk.length; off += mss, i++) {
          const seg = chunk.subarray(off, Math.min(off + mss, chunk.length));
          if (!upstream.write(seg)) await new Promise((r) => upstream.once('drain', r));
          stats.segments += 1;
          stats.bytes += seg.length;
          // Let the server read between segments now and then (a network's pacing).
          if (i % delayEvery === delayEvery - 1) await new Promise((r) => setTimeout(r, 1));
          else await new Promise((r) => setImmediate(r));
        }
      }
      busy = false;
    };
    client.on('data', (d) => {
      queue.push(d);
      pump();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${server.address().port}`,
    stats,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
