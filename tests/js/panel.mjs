// The admin panel (www/) in headless Chromium against each node of nodes.mjs: the test node,
// then a real Core Lightning (its own alias, no channels, invoices made for real, the drop
// case by killing and restarting it). Against a node the tests do not control (LNC_URL), the
// cases that create invoices, need a read-only rune or kill the node are skipped; a second
// test node plays the attacker in the link cases.
//
// Stages www/ with the package (pkg/ → lncommando/) and the QR encoder (vendor/qrcode.js) into
// target/www-test (scripts/build-www.mjs), serves it, opens it with the connection in the URL hash, and drives every section.
// Screenshots: target/screenshots/panel-*.png. Exit code 1 on any failure.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildWww } from '../../scripts/build-www.mjs';
import { launch } from '../../scripts/lib/chromium.mjs';
import { panelCases } from './panel-cases.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { startTarget, targetKinds } from './nodes.mjs';
import { report, startNode } from '../../scripts/lib/testnode.mjs';

const root = new URL('../../', import.meta.url).pathname;
// Its own staging directory: `make demo` serves target/www.
const staging = join(root, 'target/www-test');
const shots = join(root, 'target/screenshots');

function stage() {
  buildWww(staging);
  mkdirSync(shots, { recursive: true });
  for (const f of readdirSync(shots)) if (/^panel(-https)?-fail-/.test(f)) rmSync(join(shots, f));
}

stage();
// A second node, as an attacker's: links name it to try to get the user's rune sent there.
const attacker = targetKinds().includes('external') ? null : await startNode();
const server = await serve(staging);
const browser = await launch();
let failed = 0;
try {
  for (const kind of targetKinds()) {
    const node = await startTarget(kind);
    try {
      failed += report(`panel · ${node.label}`, await panelCases({ browser, origin: server.url, node, attacker, shots }));
    } finally {
      await node.stop();
    }
  }
} catch (e) {
  console.error(e);
  failed += 1;
} finally {
  await browser.close();
  server.close();
  attacker?.stop();
}
process.exit(failed ? 1 : 0);
