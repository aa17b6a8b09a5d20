// A TCP proxy on loopback that delivers the client's bytes to the server the way a sender's TCP
// stack on a real network does, so that the server's read() calls see WebSocket frames in
// pieces. Loopback itself hands over 64 KB at once, which hides Core Lightning's WebSocket reader
// bug (connectd/websocketd.c unmasks every read() piece from mask byte 0).
//
// The model, per connection: one MSS, chosen among common path MSS values (536–1460 bytes). A
// sender's TCP cuts what the application wrote into MSS-sized segments counted from where a
// write began on an idle connection (later writes join the unsent tail). Here a "write" is a
// WebSocket frame (the proxy parses the frame headers; a browser or `ws` writes a frame at a
// time): when the proxy's queue is empty at a frame boundary, the next segment starts there;
// bytes that arrive while segments are still queued continue the current grid, as they would in
// a send buffer. Segments are written one by one with pauses (a network's pacing), so the server
// often reads a frame's payload in several pieces. The cut points do not depend on how loopback
// happened to deliver the bytes to the proxy.
//
// `misalign: true` is the control that shows the reader's bug is there: segments of 1001 bytes
// (not a multiple of 4), and one pause of 300 ms once 20 000 bytes have gone, inside the first
// large frame, so that the reader surely reads part of it: the rest is unmasked wrongly.
//
// const p = await segmentingProxy({ port }); p.url → 'ws://127.0.0.1:PORT'; p.stats; p.close()
import { connect, createServer } from 'node:net';

// MSS values seen on real paths: IPv4/IPv6 Ethernet with and without TCP timestamps, PPPoE,
// common tunnels (WireGuard, Tailscale), and the 536-byte minimum.
export const MSS_VALUES = [1460, 1448, 1440, 1432, 1420, 1400, 1380, 1360, 1300, 1220, 536];

/** Tracks WebSocket frame boundaries in a client→server byte stream after the upgrade. */
class FrameTracker {
  constructor() {
    this.header = Buffer.alloc(0); // the bytes of a frame header read so far
    this.left = 0; // payload bytes of the current frame still to come
  }

  /** Whether the stream is now at a frame boundary. */
  get atBoundary() {
    return this.left === 0 && this.header.length === 0;
  }

  /** Feeds the next bytes of the stream. */
  feed(buf) {
    let i = 0;
    while (i < buf.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, buf.length - i);
        this.left -= n;
        i += n;
        continue;
      }
      this.header = Buffer.concat([this.header, buf.subarray(i, i + 1)]);
      i += 1;
      const h = this.header;
      if (h.length < 2) continue;
      const len7 = h[1] & 0x7f;
      const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (h[1] & 0x80 ? 4 : 0);
      if (h.length < need) continue;
      const len = len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7;
      this.header = Buffer.alloc(0);
      this.left = len;
    }
  }
}

export async function segmentingProxy({ port, host = '127.0.0.1', delayEvery = 4, misalign = false }) {
  const stats = { connections: 0, segments: 0, bytes: 0, mss: [] };
  const sockets = new Set();
  let n = 0;
  const server = createServer((client) => {
    const mss = misalign ? 1001 : MSS_VALUES[n++ % MSS_VALUES.length];
    let paused = !misalign;
    stats.connections += 1;
    stats.mss.push(mss);
    client.setNoDelay(true);
    const upstream = connect(port, host);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    // Server → client: as it comes (the bug is in the server's reader).
    upstream.on('data', (d) => client.write(d));

    // Client → server. The HTTP upgrade request goes as it is; then frames, segmented.
    let upgraded = false;
    let head = Buffer.alloc(0);
    const frames = new FrameTracker();
    const queue = []; // segments to write, in order
    let gridLeft = 0; // bytes until the next MSS cut in the current grid
    let busy = false;

    const enqueue = (d) => {
      // A new grid starts at a frame boundary met with nothing queued: an idle sender's next
      // write. Otherwise the bytes join the current grid, as in a send buffer.
      if (queue.length === 0 && !busy && frames.atBoundary) gridLeft = 0;
      frames.feed(d);
      for (let off = 0; off < d.length;) {
        if (gridLeft === 0) gridLeft = mss;
        const take = Math.min(gridLeft, d.length - off);
        queue.push(d.subarray(off, off + take));
        off += take;
        gridLeft -= take;
      }
    };
    const pump = async () => {
      if (busy) return;
      busy = true;
      let i = 0;
      while (queue.length) {
        const seg = queue.shift();
        if (!upstream.write(seg)) await new Promise((r) => upstream.once('drain', r));
        stats.segments += 1;
        stats.bytes += seg.length;
        if (!paused && stats.bytes > 20000) {
          paused = true;
          await new Promise((r) => setTimeout(r, 300));
        }
        // Let the server read between segments now and then (a network's pacing).
        if (++i % delayEvery === 0) await new Promise((r) => setTimeout(r, 1));
        else await new Promise((r) => setImmediate(r));
      }
      busy = false;
    };
    client.on('data', (d) => {
      if (!upgraded) {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        upstream.write(head.subarray(0, end + 4));
        d = head.subarray(end + 4);
        head = null;
        if (d.length === 0) return;
      }
      enqueue(d);
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
