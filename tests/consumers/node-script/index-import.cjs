// CommonJS on a Node that cannot require() an ES module (before 20.19 and 22.12): import() it,
// as the README says.
//   node index-import.cjs URL NODE_ID RUNE
const WebSocket = require('ws');

const [url, nodeId, rune] = process.argv.slice(2);
import('lncommando')
  .then(({ connect }) => connect({ url, nodeId, rune, WebSocket }))
  .then(async (node) => {
    const info = await node.commando('getinfo');
    console.log(JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight }));
    await node.close();
  })
  .catch((e) => console.log(JSON.stringify({ error: { name: e.name, code: e.code, reason: e.reason, message: e.message } })));
