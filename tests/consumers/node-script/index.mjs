// A Node 20 script that installed the packed npm package; Node 20 has no usable global
// WebSocket for Core Lightning, so it passes the `ws` package's.
import { connect } from 'lncommando';
import WebSocket from 'ws';

const [url, nodeId, rune] = process.argv.slice(2);
const node = await connect({ url, nodeId, rune, WebSocket });
const info = await node.commando('getinfo');
console.log(JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight }));
await node.close();
