// `make cln`: a real Core Lightning (regtest, no bitcoind) for a person building a UI: prints
// its WebSocket URL, node id and runes, and runs until Ctrl-C.
import { startCln } from './node.mjs';

const n = await startCln();
console.log(`Core Lightning ${n.version} (regtest), running until Ctrl-C
  WebSocket URL  ${n.url}
  Lightning TCP  ${n.tcp}
  node id        ${n.nodeId}
  rune (full)    ${n.rune}
  rune (get*/list* only) ${n.readonlyRune}
  lightning-cli --lightning-dir=${n.dir} --network=regtest …

Try it: make demo LNC_URL=${n.url} LNC_NODE_ID=${n.nodeId} LNC_RUNE=${n.rune}`);
const stop = async () => {
  await n.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
