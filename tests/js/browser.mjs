// The JS API's cases in headless Chromium against each node of nodes.mjs (the test node, then
// a real Core Lightning): the page imports pkg/ as a browser would (ES module, wasm fetched
// relative to the module); the cases that kill or restart the node ask this script to.
import { launch } from '../../scripts/lib/chromium.mjs';
import { control, describe, startTarget, targetKinds } from './nodes.mjs';
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
      const page = await browser.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/.test(m.text())) problems.push(`console error: ${m.text()}`);
      });
      await page.exposeFunction('__lncControl', (op) => control(node, op));
      await page.goto(`${server.url}/tests/js/page.html#${encodeURIComponent(JSON.stringify(describe(node)))}`);
      await page.waitForFunction(() => window.__results, null, { timeout: 300000 });
      const results = await page.evaluate(() => window.__results);
      results.push({ name: 'no page errors or unexpected console errors', ok: problems.length === 0, ms: 0, error: problems.join('\n') });
      failed += report(`chromium · ${node.label}`, results);
      await page.close();
    } finally {
      await node.stop();
    }
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
