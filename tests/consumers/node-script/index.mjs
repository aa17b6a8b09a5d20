// A Node 20 script that installed the packed npm package (with `ws`). Node 20 has no global
// WebSocket, and Core Lightning refuses Node's built-in one (undici, Node 22+).
//   node index.mjs URL NODE_ID RUNE [pass-ws|auto|undici]
//   pass-ws (default): passes the `ws` package's WebSocket;
//   auto: passes none (lncommando finds `ws` by itself);
//   undici: passes Node's built-in one (run with --experimental-websocket on Node 20);
//   reconnect (test node): the node drops the connection (its dev-fault), and a call made during
//   the backoff is awaited at top level: the process must wait for it, not exit (code 13).
// Prints getinfo's id, alias and blockheight, or the error as JSON, as one line.
import { connect } from 'lncommando';
import WebSocket from 'ws';

const [url, nodeId, rune, mode = 'pass-ws'] = process.argv.slice(2);
const opts = { url, nodeId, rune };
if (mode === 'pass-ws') opts.WebSocket = WebSocket;
if (mode === 'undici') opts.WebSocket = globalThis.WebSocket;
if (mode === 'reconnect') {
  opts.WebSocket = WebSocket;
  opts.reconnect = { initialDelayMs: 800, maxDelayMs: 800 };
}
try {
  const node = await connect(opts);
  if (mode === 'reconnect') {
    const dropped = new Promise((r) => node.addEventListener('statechange', (e) => e.detail.state === 'reconnecting' && r()));
    node.commando('dev-fault', { mode: 'warning-close' }).catch(() => {});
    await dropped;
  }
  // During the backoff (reconnect mode) nothing but this call keeps the process alive.
  const info = await node.commando('getinfo');
  console.log(JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight }));
  await node.close();
} catch (e) {
  console.log(JSON.stringify({ error: { name: e.name, code: e.code, reason: e.reason, message: e.message } }));
}
