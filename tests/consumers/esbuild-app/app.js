// An app bundled by esbuild (`esbuild app.js --bundle`), as ESM and as an IIFE. esbuild does
// not copy the .wasm: the build step copies it next to the bundle, and the app says where it is
// with connect({ wasm }) (a path relative to the page, which works in both formats).
import { connect } from 'lncommando';

const env = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const out = document.getElementById('result');
(async () => {
  try {
    // `noWasm`: the suite checks what a user who forgot the option is told.
    const wasm = env.noWasm ? undefined : 'lncommando_wasm_bg.wasm';
    const node = await connect({ url: env.url, nodeId: env.nodeId, rune: env.rune, wasm });
    const info = await node.commando('getinfo');
    out.textContent = JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight });
    out.dataset.status = 'ok';
    await node.close();
  } catch (e) {
    out.textContent = `${e.name} ${e.code ?? ''} ${e.message}`;
    out.dataset.status = 'error';
  }
})();
