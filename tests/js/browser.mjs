// The JS API's cases in headless Chromium against the test node: the page imports pkg/ as a
// browser would (ES module, wasm fetched relative to the module).
import { launch } from './chromium.mjs';
import { serve } from './serve.mjs';
import { report, startNode } from './testnode.mjs';

const root = new URL('../../', import.meta.url).pathname;
const node = await startNode();
const server = await serve(root);
const browser = await launch();
let failed = 1;
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:9\/'/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  const env = { url: node.url, nodeId: node.nodeId, rune: node.rune, readonlyRune: node.readonlyRune, real: node.real };
  await page.goto(`${server.url}/tests/js/page.html#${encodeURIComponent(JSON.stringify(env))}`);
  await page.waitForFunction(() => window.__results, null, { timeout: 120000 });
  const results = await page.evaluate(() => window.__results);
  results.push({ name: 'no page errors or unexpected console errors', ok: problems.length === 0, ms: 0, error: problems.join('\n') });
  failed = report('chromium', results);
} finally {
  await browser.close();
  server.close();
  node.stop();
}
process.exit(failed ? 1 : 0);
