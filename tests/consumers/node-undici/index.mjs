// A Node script that installed the packed npm package without `ws`, on a Node with a built-in
// WebSocket (Node 22+, or Node 20 with --experimental-websocket): lncommando falls back to that
// one, which Core Lightning refuses; the error must say so and name the fix.
//   node --experimental-websocket index.mjs URL NODE_ID RUNE
// (tests/consumers/run.mjs installs it in a temporary directory, away from the clone's `ws`.)
import { connect } from 'lncommando';

const [url, nodeId, rune] = process.argv.slice(2);
try {
  const node = await connect({ url, nodeId, rune });
  const info = await node.commando('getinfo');
  console.log(JSON.stringify({ id: info.id }));
  await node.close();
} catch (e) {
  console.log(JSON.stringify({ error: { name: e.name, code: e.code, reason: e.reason, message: e.message } }));
}
