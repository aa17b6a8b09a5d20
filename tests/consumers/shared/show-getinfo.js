// What every browser consumer's page does, whatever built it: connect with the connection given
// in the URL hash (JSON: url, nodeId, rune), show getinfo in #result, set data-status.
//   showGetinfo(connect, options?) — `connect` is the package's, as the app imported it; the
//   options (e.g. `wasm`) are the app's own; `env.noWasm` drops `wasm` (the suite's check).
export async function showGetinfo(connect, options = {}) {
  const env = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  const out = document.getElementById('result');
  const extra = { ...options };
  if (env.noWasm) delete extra.wasm;
  try {
    const node = await connect({ url: env.url, nodeId: env.nodeId, rune: env.rune, ...extra });
    const info = await node.commando('getinfo');
    out.textContent = JSON.stringify({ id: info.id, alias: info.alias, blockheight: info.blockheight });
    out.dataset.status = 'ok';
    await node.close();
  } catch (e) {
    out.textContent = `${e.name} ${e.code ?? ''} ${e.message}`;
    out.dataset.status = 'error';
  }
}
