// A TypeScript program (tsc --strict; with the dom lib, and Node-only without it) that installed the packed npm package: the typed commando
// API as a wallet author uses it. Compiled by the consumers suite with the repository's tsc, then
// run against the node.
//   node dist/main.js URL NODE_ID RUNE
// Prints one line of JSON: what it read through the typed API, or the error.
import { connect, CommandoError, type GetinfoResponse, type ListfundsResponse } from 'lncommando';
import WebSocket from 'ws';

// Node's argv, without needing @types/node (the dom-lib build has none).
const argv = (globalThis as unknown as { process: { argv: string[] } }).process.argv;
const [url = '', nodeId = '', rune = ''] = argv.slice(2);

async function main(): Promise<void> {
  // The `ws` package's WebSocket, passed as the README says: its type fits the option.
  const node = await connect({ url, nodeId, rune, WebSocket });
  node.addEventListener('close', (e) => void e.detail.reason);
  try {
    const info: GetinfoResponse = await node.commando('getinfo');
    const funds: ListfundsResponse = await node.commando('listfunds');
    // Enum fields are string unions; amounts are numbers in msat.
    const confirmed = funds.outputs.filter((o) => o.status === 'confirmed').reduce((n, o) => n + o.amount_msat, 0);
    const invoices = await node.commando('listinvoices', { index: 'created', limit: 5 });
    const channels = await node.commando('listpeerchannels');
    console.log(JSON.stringify({
      id: info.id,
      blockheight: info.blockheight,
      network: info.network,
      confirmed_msat: confirmed,
      invoices: invoices.invoices.length,
      channels: channels.channels.length,
    }));
  } finally {
    await node.close();
  }
}

main().catch((e: unknown) => {
  const err = e instanceof CommandoError ? { code: e.code, reason: e.reason, message: e.message } : { message: String(e) };
  console.log(JSON.stringify({ error: err }));
});
