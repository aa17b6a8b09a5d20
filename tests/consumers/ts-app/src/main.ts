// A TypeScript program (tsc --strict) that installed the packed npm package: the typed commando
// API as a wallet author uses it. Compiled by the consumers suite with the repository's tsc, then
// run against the node.
//   node dist/main.js URL NODE_ID RUNE
// Prints one line of JSON: what it read through the typed API, or the error.
import { connect, CommandoError, type GetinfoResponse, type ListfundsResponse } from 'lncommando';
// @ts-ignore: ws ships no types, and this program needs none of them
import WebSocket from 'ws';

// Node's globals, the one this program uses (no @types/node needed).
declare const process: { argv: string[] };
const [url = '', nodeId = '', rune = ''] = process.argv.slice(2);

async function main(): Promise<void> {
  const node = await connect({ url, nodeId, rune, WebSocket });
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
