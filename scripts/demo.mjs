// `make demo`: the admin panel against the test node (or a real node), served on loopback.
//   node scripts/demo.mjs            serve and print the URL (connection details prefilled)
//   HEADLESS=1 node scripts/demo.mjs drive the panel in headless Chromium, print getinfo as the
//                                    page shows it, save target/demo.png, exit
// A real node: LNC_URL (ws:// or wss://), LNC_NODE_ID, LNC_RUNE.
import { buildWww } from './build-www.mjs';
import { serve } from './lib/serve.mjs';
import { startNode } from './lib/testnode.mjs';

const headless = !!process.env.HEADLESS && process.env.HEADLESS !== '0';
const www = buildWww();
const node = await startNode();
let server;
try {
  server = await serve(www, Number(process.env.PORT ?? 8080));
} catch {
  server = await serve(www, 0);
}
const hash = new URLSearchParams({ url: node.url, nodeId: node.nodeId, rune: node.rune, connect: '1' });
const pageUrl = `${server.url}/#${hash}`;
console.log(node.real ? `node: ${node.url} (${node.nodeId})` : `test node: ${node.url} (node id ${node.nodeId})`);
if (node.readonlyRune) console.log(`read-only rune (get*/list* only), to try in the panel: ${node.readonlyRune}`);

const stop = () => {
  server.close();
  node.stop();
};

if (!headless) {
  console.log(`\nadmin panel: ${pageUrl}\n\n(the link carries the rune: it stays on this machine. The panel shows the node the link names and\nconnects when you click "Connect to this node". Ctrl-C to stop)`);
  process.on('SIGINT', () => {
    stop();
    process.exit(0);
  });
} else {
  const { launch } = await import('./lib/chromium.mjs');
  const browser = await launch();
  let code = 1;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pageUrl);
    // A link never connects by itself to a node that is not remembered: confirm it, as a person would.
    await page.click('#link-connect', { timeout: 30000 });
    await page.waitForFunction(() => document.querySelector('#state')?.textContent.trim() === 'ready', null, { timeout: 30000 });
    await page.waitForFunction(() => document.querySelector('#summary-alias')?.textContent.trim(), null, { timeout: 30000 });
    await page.waitForTimeout(500); // Let funds and channels render for the screenshot.
    const shown = await page.evaluate(() => {
      const text = (sel) => document.querySelector(sel)?.textContent.trim().replace(/\s+/g, ' ');
      return {
        state: text('#state'),
        getinfo: {
          alias: text('#summary-alias'),
          id: document.querySelector('#summary-id')?.dataset.id,
          network: text('#summary-network'),
          blockheight: text('#summary-blockheight'),
          peers: text('#summary-peers'),
          channels: text('#summary-channels'),
          fees: text('#summary-fees'),
          version: text('#summary-version'),
        },
      };
    });
    console.log(`\nconnection state: ${shown.state}`);
    console.log('getinfo as shown on the page:');
    for (const [k, v] of Object.entries(shown.getinfo)) console.log(`  ${k.padEnd(12)} ${v}`);
    await page.screenshot({ path: new URL('../target/demo.png', import.meta.url).pathname, fullPage: true });
    console.log('screenshot: target/demo.png');
    code = 0;
  } catch (e) {
    console.error(`demo failed: ${e.message}`);
  } finally {
    await browser.close();
    stop();
  }
  process.exit(code);
}
