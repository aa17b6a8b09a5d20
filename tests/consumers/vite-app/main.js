// A Vite app that installed the packed npm package: `import … from 'lncommando'`.
import { connect } from 'lncommando';

const env = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const out = document.getElementById('result');
try {
  const node = await connect({ url: env.url, nodeId: env.nodeId, rune: env.rune });
  const info = await node.commando('getinfo');
  out.textContent = JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight });
  out.dataset.status = 'ok';
  await node.close();
} catch (e) {
  out.textContent = `${e.name} ${e.code ?? ''} ${e.message}`;
  out.dataset.status = 'error';
}
