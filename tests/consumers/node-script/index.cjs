// The same script as index.mjs, as CommonJS: `require('lncommando')` (an ES module; Node 20.19+
// and 22.12+ load it with require(), older Node versions need import()).
//   node index.cjs URL NODE_ID RUNE
const { connect } = require('lncommando');
const WebSocket = require('ws');

const [url, nodeId, rune] = process.argv.slice(2);
connect({ url, nodeId, rune, WebSocket })
  .then(async (node) => {
    const info = await node.commando('getinfo');
    console.log(JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight }));
    await node.close();
  })
  .catch((e) => console.log(JSON.stringify({ error: { name: e.name, code: e.code, reason: e.reason, message: e.message } })));
