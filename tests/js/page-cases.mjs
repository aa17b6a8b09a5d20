// The JS API's cases (cases.mjs) in one Chromium page against one node: tests/js/page.html,
// served from the repository root at `origin`, imports pkg/ as a browser would. The cases that
// kill or restart the node ask back through __lncControl. Used by browser.mjs (each node) and
// deploy.mjs (the same real node through each deploy path).
import { control, describe } from './nodes.mjs';
import { escapeRegExp, isProbeOf } from './outcome.mjs';

/** Runs the cases; resolves with their results, plus one for unexpected console errors. */
export async function pageCases(browser, origin, node) {
  const page = await browser.newPage();
  try {
    const problems = [];
    // Chromium logs the WebSocket connections that fail: expected to the node's own URL (the
    // cases kill it and connect while it is down) and to loopback ports (the unreachable cases);
    // for a wss:// node, the probe that follows a failed one (Failed to load resource).
    const expected = new RegExp(`WebSocket connection to '(${escapeRegExp(node.url)}/?|ws://127\\.0\\.0\\.1:\\d+/)' failed`);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !expected.test(m.text()) && !isProbeOf(m, node.url)) problems.push(`console error: ${m.text()}`);
    });
    await page.exposeFunction('__lncControl', (op) => control(node, op));
    await page.goto(`${origin}/tests/js/page.html#${encodeURIComponent(JSON.stringify(describe(node)))}`);
    await page.waitForFunction(() => window.__results, null, { timeout: 300000 });
    const results = await page.evaluate(() => window.__results);
    // The first connect on a fresh page opens its WebSocket before the wasm is fetched (the
    // upgrade overlaps the wasm's load): the order in which the page started them (page.html).
    const started = await page.evaluate(() => window.__started.slice(0, 2));
    results.push({
      name: 'the first connect opened its WebSocket before the wasm was fetched', ok: started.join() === 'websocket,wasm', ms: 0,
      error: `the page started: ${started.join(', ')}`,
    });
    results.push({ name: 'no page errors or unexpected console errors', ok: problems.length === 0, ms: 0, error: problems.join('\n') });
    return results;
  } finally {
    await page.close();
  }
}
