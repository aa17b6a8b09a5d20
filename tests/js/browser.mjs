// The JS API's cases in headless Chromium against each node of nodes.mjs (the test node, then
// a real Core Lightning): the page imports pkg/ as a browser would (ES module, wasm fetched
// relative to the module); the cases that kill or restart the node ask this script to.
import { launch } from '../../scripts/lib/chromium.mjs';
import { startTarget, targetKinds } from './nodes.mjs';
import { pageCases } from './page-cases.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { report } from '../../scripts/lib/testnode.mjs';

const root = new URL('../../', import.meta.url).pathname;
const server = await serve(root);
const browser = await launch();
let failed = 0;
try {
  for (const kind of targetKinds()) {
    const node = await startTarget(kind);
    try {
      failed += report(`chromium · ${node.label}`, await pageCases(browser, server.url, node));
    } finally {
      await node.stop();
    }
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
