// A Node 20 script that installed the packed npm package (with `ws`). Node 20 has no global
// WebSocket, and Core Lightning refuses Node's built-in one (undici, Node 22+).
//   node index.mjs URL NODE_ID RUNE [pass-ws|auto|undici]
//   pass-ws (default): passes the `ws` package's WebSocket;
//   auto: passes none (lncommando finds `ws` by itself);
//   undici: passes Node's built-in one (run with --experimental-websocket on Node 20).
// Prints getinfo's id, alias and blockheight, or the error as JSON, as one line.
import { connect } from 'lncommando';
import WebSocket from 'ws';

const [url, nodeId, rune, mode = 'pass-ws'] = process.argv.slice(2);
const opts = { url, nodeId, rune };
if (mode === 'pass-ws') opts.WebSocket = WebSocket;
if (mode === 'undici') opts.WebSocket = globalThis.WebSocket;
try {
  const node = await connect(opts);
  const info = await node.commando('getinfo');
  console.log(JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight }));
  await node.close();
} catch (e) {
  console.log(JSON.stringify({ error: { name: e.name, code: e.code, reason: e.reason, message: e.message } }));
}
