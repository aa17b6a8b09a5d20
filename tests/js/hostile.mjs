// Hostile nodes (tests/js/hostile-cases.mjs) in Node 20 with `ws`, then in headless Chromium,
// against the test node's hostile fault modes.
import WebSocket from 'ws';
import * as lib from '../../pkg/index.js';
import * as glue from '../../pkg/lncommando_wasm.js';
import { launch } from '../../scripts/lib/chromium.mjs';
import { runHostile } from './hostile-cases.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { report, startNode } from '../../scripts/lib/testnode.mjs';

if (process.env.LNC_URL) {
  console.log('[hostile] skipped: the hostile modes need the test node (LNC_URL is set)');
  process.exit(0);
}
const root = new URL('../../', import.meta.url).pathname;
const node = await startNode();
const warn = await startNode(['--fault', 'warn-at-init']);
const pick = (n) => ({ url: n.url, nodeId: n.nodeId, rune: n.rune });
const env = { ...pick(node), warnNode: pick(warn) };
let failed = 0;
let browser;
let server;
try {
  failed += report('hostile/node', await runHostile(lib, glue, { ...env, WebSocket }));

  server = await serve(root);
  browser = await launch();
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A trap makes the glue log nothing; a socket ended under a stalled handshake may log.
    if (m.type() === 'error' && !/WebSocket connection to .* failed/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  await page.goto(`${server.url}/tests/js/blank.html`);
  const results = await page.evaluate(async (env) => {
    const lib = await import('/pkg/index.js');
    const glue = await import('/pkg/lncommando_wasm.js');
    const { runHostile } = await import('/tests/js/hostile-cases.mjs');
    return runHostile(lib, glue, env);
  }, env);
  results.push({ name: 'no page errors or unexpected console errors', ok: problems.length === 0, ms: 0, error: problems.join('\n') });
  failed += report('hostile/chromium', results);
} finally {
  await browser?.close();
  server?.close();
  node.stop();
  warn.stop();
}
process.exit(failed ? 1 : 0);
