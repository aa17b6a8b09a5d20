// The package as its three kinds of users meet it, each against the test node:
//   1. `npm pack` of pkg/: exactly the files a user needs, nothing stray;
//   2. a static page importing pkg/index.js with no bundler (headless Chromium);
//   3. a Vite app that npm-installed the tarball, built with `vite build`, opened in Chromium;
//   4. a Node 20 script that npm-installed the tarball, with the `ws` package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from '../js/chromium.mjs';
import { outcome } from '../js/outcome.mjs';
import { serve } from '../js/serve.mjs';
import { report, startNode } from '../js/testnode.mjs';

const root = new URL('../../', import.meta.url).pathname;
const here = new URL('./', import.meta.url).pathname;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const results = [];
async function test(name, fn) {
  results.push(await outcome(name, fn));
}
const assert = (c, what) => {
  if (!c) throw new Error(`assertion failed: ${what}`);
};

const node = await startNode();
const browser = await launch();
const servers = [];

async function openAndRead(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const env = encodeURIComponent(JSON.stringify({ url: node.url, nodeId: node.nodeId, rune: node.rune }));
  await page.goto(`${url}#${env}`);
  await page.waitForSelector('#result[data-status]', { timeout: 30000 });
  const status = await page.getAttribute('#result', 'data-status');
  const text = await page.textContent('#result');
  await page.close();
  assert(status === 'ok', `page says: ${text}`);
  assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  const info = JSON.parse(text);
  assert(info.id === node.nodeId, `getinfo id ${info.id}`);
  console.log(`  getinfo as shown: ${text}`);
}

try {
  await test('npm pack: the package holds exactly its files', async () => {
    mkdirSync(join(root, 'target'), { recursive: true });
    const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', join(root, 'target'), join(root, 'pkg')], root));
    const files = out[0].files.map((f) => f.path).sort();
    const want = ['README.md', 'index.d.ts', 'index.js', 'lncommando_wasm.js', 'lncommando_wasm_bg.wasm', 'package.json'];
    assert(JSON.stringify(files) === JSON.stringify(want), `files: ${files}`);
    assert(out[0].filename === 'lncommando-0.1.0.tgz', out[0].filename);
    console.log(`  tarball ${out[0].filename}: ${out[0].size} B packed, ${out[0].unpackedSize} B unpacked`);
  });

  await test('static page importing pkg/ with no bundler', async () => {
    const s = await serve(root);
    servers.push(s);
    await openAndRead(`${s.url}/tests/consumers/static/index.html`);
  });

  await test('Vite app: npm install of the tarball, vite build, page in Chromium', async () => {
    const app = join(here, 'vite-app');
    rmSync(join(app, 'node_modules', 'lncommando'), { recursive: true, force: true });
    run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], app);
    rmSync(join(app, 'dist'), { recursive: true, force: true });
    run('npx', ['vite', 'build'], app);
    const s = await serve(join(app, 'dist'));
    servers.push(s);
    await openAndRead(`${s.url}/index.html`);
  });

  await test('Node 20 script: npm install of the tarball, ws for WebSocket', async () => {
    const app = join(here, 'node-script');
    rmSync(join(app, 'node_modules', 'lncommando'), { recursive: true, force: true });
    run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], app);
    const out = run('node', ['index.mjs', node.url, node.nodeId, node.rune], app).trim();
    const info = JSON.parse(out);
    assert(info.id === node.nodeId, `getinfo id ${info.id}`);
    console.log(`  getinfo as printed: ${out}`);
  });
} finally {
  await browser.close();
  for (const s of servers) s.close();
  node.stop();
}
process.exit(report('consumers', results) ? 1 : 0);
