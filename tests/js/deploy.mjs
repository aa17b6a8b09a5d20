// The paths users deploy on, end to end in headless Chromium (and Node) against the real Core
// Lightning of the tests:
//   1. Core Lightning's own wss-proxy plugin (built beside the node, its self-made certificate
//      trusted by the browser): the package's cases over wss://.
//   2. Debian's nginx with the README's server block (tests/deploy/nginx-site.conf), over https
//      with a self-signed certificate the browser trusts: the package's cases over
//      wss://panel.test:…/lightning, then the admin panel built by scripts/build-www.mjs, hosted
//      as is on the same origin, with every panel case; every request it makes is recorded
//      (same origin only), and once loaded it works with the network gone (nothing external).
//   3. Debian's websockify in front of the node's Lightning port: the package's cases.
//   4. The errors on the way, from the panel on https (the package's reason and message, and
//      the panel's words): a ws:// URL (mixed content), a certificate the browser does not trust
//      (wss-proxy's own, in a browser that trusts only nginx's), an ordinary https site, a
//      WebSocket server that is not a Lightning node (an echo, a text greeting), a proxy that
//      accepts and then hangs up (websockify with no node behind it), nothing listening; and
//      in Node with `ws`: the untrusted certificate (reason certificate), trusted with `ca`.
// Chromium resolves panel.test and node.test to 127.0.0.1 (--host-resolver-rules: names, so
// that https rules apply; Chromium exempts 127.0.0.1 and localhost from mixed-content
// blocking) and trusts only the test certificates (--ignore-certificate-errors-spki-list).
// Needs the Core Lightning the tests start (not run with LNC_NODES=test or an LNC_URL node).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import * as lib from '../../pkg/index.js';
import { buildWww } from '../../scripts/build-www.mjs';
import { freePort, startCln } from '../../scripts/cln/node.mjs';
import { launch } from '../../scripts/lib/chromium.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { report, startNode } from '../../scripts/lib/testnode.mjs';
import { targetKinds } from './nodes.mjs';
import { outcome } from './outcome.mjs';
import { pageCases } from './page-cases.mjs';
import { panelCases } from './panel-cases.mjs';
import { NGINX_SITE, selfSignedCert, spkiOf, startNginx, startWebsockify } from './proxies.mjs';

if (!targetKinds().includes('cln')) {
  console.log(`[deploy] needs the Core Lightning the tests start (nodes: ${targetKinds()}): not run`);
  process.exit(0);
}

const root = new URL('../../', import.meta.url).pathname;
const shots = join(root, 'target/screenshots');
mkdirSync(shots, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'lnc-deploy-'));
// The panel's exact policy: scripts, the wasm, and connections to any node's ws:/wss: URL
// (https: for the probe that tells an untrusted certificate from a web server; see the README).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss: https:; img-src 'self' data:;"
  + " style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

const cln = await startCln({ wssProxy: true });
const stops = [() => cln.stop()];
const results = {};
let failed = 0;
try {
  const wsPort = Number(new URL(cln.url).port);
  const www = join(tmp, 'www');
  buildWww(www);
  const cert = selfSignedCert(join(tmp, 'tls'), ['panel.test', 'node.test', '127.0.0.1']);
  const nginx = await startNginx({ dir: join(tmp, 'nginx'), name: 'panel.test', cert, www, wsPort });
  stops.push(nginx.stop);
  // The snippet most guides give: Connection "upgrade", lower case, which Core Lightning refuses.
  const lowercase = await startNginx({
    dir: join(tmp, 'nginx-lowercase'), name: 'panel.test', cert, www, wsPort,
    mistakes: [['proxy_set_header Connection "Upgrade";', 'proxy_set_header Connection "upgrade";']],
  });
  stops.push(lowercase.stop);
  const websockify = await startWebsockify(cln.tcp);
  stops.push(websockify.stop);
  // A ws→tcp proxy whose node is not there: it accepts the WebSocket, then hangs up.
  const deadProxy = await startWebsockify(`127.0.0.1:${await freePort()}`);
  stops.push(deadProxy.stop);
  const other = await notLightning();
  stops.push(other.stop);
  const attacker = await startNode();
  stops.push(() => attacker.stop());
  const server = await serve(root);
  stops.push(() => server.close());
  const resolve = '--host-resolver-rules=MAP panel.test 127.0.0.1, MAP node.test 127.0.0.1';
  const wssProxyCert = join(cln.wssCerts, 'server.pem');
  const trusting = await launch({ args: [resolve, `--ignore-certificate-errors-spki-list=${cert.spki},${spkiOf(wssProxyCert)}`] });
  stops.push(() => trusting.close());
  // Trusts nginx's certificate only: wss-proxy's self-made one is what a user's browser sees.
  const plain = await launch({ args: [resolve, `--ignore-certificate-errors-spki-list=${cert.spki}`] });
  stops.push(() => plain.close());

  const viaNginx = `wss://panel.test:${nginx.port}/lightning`;
  const through = (label, url, more = {}) => ({
    ...more,
    kind: 'cln', real: true, label, url, nodeId: cln.nodeId, rune: cln.rune, readonlyRune: cln.readonlyRune,
    kill: () => cln.kill(), restart: () => cln.restart(),
  });
  for (const [key, node] of [
    // wss-proxy does not pass on the node's hang-up (a wrong node id waits for the timeout).
    ['wss-proxy', through(`Core Lightning through its wss-proxy (${cln.wssUrl})`, cln.wssUrl, { hidesHangup: true })],
    ['nginx', through(`Core Lightning through nginx (${viaNginx})`, viaNginx)],
    ['websockify', through(`Core Lightning through websockify to its Lightning port (${websockify.url})`, websockify.url)],
  ]) {
    results[key] = await pageCases(trusting, server.url, node);
  }

  // The panel hosted by nginx, connecting through the same origin.
  const requests = [];
  const https = through(`Core Lightning through nginx, the panel at ${nginx.origin}`, viaNginx);
  results.panel = await panelCases({
    browser: trusting, origin: nginx.origin, node: https, attacker, shots, name: 'panel-https',
    onContext: (context) => context.on('request', (r) => requests.push(r.url())),
  });
  results.panel.push(await outcome('every request the panel made went to its own origin', async () => {
    const foreign = requests.filter((u) => !u.startsWith(`${nginx.origin}/`) && !/^(data|about):/.test(u));
    if (requests.length < 5) throw new Error(`only ${requests.length} requests recorded`);
    if (foreign.length) throw new Error(`requests elsewhere: ${[...new Set(foreign)].join(', ')}`);
  }));
  results.hosting = await hostingCases({ browser: trusting, nginx, viaNginx, www });
  results.errors = await errorCases({ browser: plain, nginx, lowercase, wsPort, deadProxy, other });
  results.node = await nodeCases({ nginx, lowercase });
} catch (e) {
  console.error(e);
  failed += 1;
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(tmp, { recursive: true, force: true });
}
const labels = {
  'wss-proxy': 'chromium · wss-proxy', nginx: 'chromium · nginx', websockify: 'chromium · websockify',
  panel: 'panel over https · nginx', hosting: 'panel hosting', errors: 'deploy errors · chromium', node: 'deploy · Node (ws)',
};
for (const [key, r] of Object.entries(results)) failed += report(labels[key], r);
process.exit(failed ? 1 : 0);

/** A WebSocket server that is not a Lightning node: /echo echoes, /hello greets in text. */
async function notLightning() {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  wss.on('connection', (sock, req) => {
    if (req.url === '/hello') sock.send('hello! this is a chat server');
    else sock.on('message', (data, binary) => sock.send(data, { binary }));
  });
  await new Promise((r) => wss.on('listening', r));
  return { url: `ws://127.0.0.1:${port}`, stop: () => new Promise((r) => wss.close(r)) };
}

/** The page as nginx serves it: its policy, the README's block, offline once loaded. */
async function hostingCases({ browser, nginx, viaNginx, www }) {
  const out = [];
  const check = async (name, fn) => out.push(await outcome(name, fn));
  await check('the README gives the nginx server block the test runs, verbatim', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    if (!readme.includes(`\`\`\`nginx\n${NGINX_SITE}\`\`\``)) throw new Error('README.md lacks tests/deploy/nginx-site.conf verbatim in an ```nginx block');
  });
  await check('nginx serves the built panel as is, with its Content-Security-Policy and no framing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(`${nginx.origin}/`);
    const html = await res.text();
    const headers = res.headers();
    if (headers['content-security-policy'] !== "frame-ancestors 'none'" || headers['x-frame-options'] !== 'DENY') {
      throw new Error(`framing headers: ${headers['content-security-policy']} / ${headers['x-frame-options']}`);
    }
    if (html !== readFileSync(join(www, 'index.html'), 'utf8')) throw new Error('index.html differs from the build');
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    if (csp !== CSP) throw new Error(`CSP is\n  ${csp}\nnot\n  ${CSP}`);
    const wasm = await page.evaluate(async () => (await fetch('lncommando/lncommando_wasm_bg.wasm')).headers.get('content-type'));
    if (wasm !== 'application/wasm') throw new Error(`the wasm is served as ${wasm}`);
    await context.close();
  });
  await check('once loaded, the panel works with the network gone: connect, summary, invoice with QR, console; no request, no CSP violation', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    await page.goto(`${nginx.origin}/`);
    await page.waitForSelector('html[data-app="ready"]');
    // From here on, every http(s) request fails as if offline (WebSockets are not routed).
    const late = [];
    await context.route('**/*', (route) => {
      late.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    await page.fill('#url', viaNginx);
    await page.fill('#nodeId', cln.nodeId);
    await page.fill('#rune', cln.rune);
    await page.click('#connect');
    await page.waitForFunction(() => document.getElementById('state').textContent === 'ready');
    await page.waitForFunction((id) => document.getElementById('summary-id').dataset.id === id, cln.nodeId);
    await page.fill('#invoice-amount', '2100');
    await page.fill('#invoice-description', 'offline panel');
    await page.click('#invoice-create');
    await page.waitForSelector('#invoice-result:not([hidden]) #invoice-qr svg, #invoice-result:not([hidden]) #invoice-qr img, #invoice-result:not([hidden]) #invoice-qr canvas');
    await page.fill('#console-method', 'getinfo');
    await page.fill('#console-params', '{}');
    await page.click('#console-run');
    await page.waitForFunction(() => document.getElementById('console-output').dataset.status === 'ok');
    if (late.length) throw new Error(`requests after load: ${late.join(', ')}`);
    const violations = await page.evaluate(() => window.__violations);
    if (violations.length) throw new Error(`CSP violations: ${violations.join('; ')}`);
    // The policy is in force: a plain http:// connection is not in connect-src.
    await page.evaluate(() => fetch('http://node.test:1/').catch(() => {}));
    await page.waitForFunction(() => window.__violations.length > 0);
    const v = await page.evaluate(() => window.__violations[0]);
    if (!v.startsWith('connect-src')) throw new Error(`unexpected violation ${v}`);
    await page.screenshot({ path: join(shots, 'panel-https-offline.png'), fullPage: true });
    await context.close();
  });
  return out;
}

/**
 * Each error, from the panel hosted on https: the package's CommandoError (through the copy the
 * panel ships) and the panel's words for it, in a browser that trusts nginx's certificate only.
 */
async function errorCases({ browser, nginx, lowercase, wsPort, deadProxy, other }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const opened = [];
  page.on('websocket', (ws) => opened.push(ws.url()));
  await page.goto(`${nginx.origin}/`);
  await page.waitForSelector('html[data-app="ready"]');
  const wssProxyPort = new URL(cln.wssUrl).port;
  const closed = await freePort();
  const cases = [
    {
      name: 'an https page given a ws:// URL: mixed content, refused before any connection',
      url: `ws://node.test:${wsPort}`, reason: 'mixed-content',
      message: /served over https.*refuses the unencrypted ws:\/\/node\.test.*mixed content.*wss:\/\/.*wss-proxy.*nginx/,
      panel: /served over https, so the browser refused the ws:\/\/ URL.*Use a wss:\/\/ URL/s,
      after: () => { if (opened.some((u) => u.includes('node.test'))) throw new Error('a WebSocket was opened'); },
    },
    {
      name: 'a certificate the browser does not trust (wss-proxy\'s own, self-signed)',
      url: cln.wssUrl, reason: 'unreachable',
      message: new RegExp(`nothing answered there, or this browser does not trust its TLS certificate\\. Open https://127\\.0\\.0\\.1:${wssProxyPort}/ in a tab.*ca\\.pem`),
      panel: new RegExp(`does not trust its certificate.*Open https://127\\.0\\.0\\.1:${wssProxyPort}/ in a new tab.*ca\\.pem`, 's'),
    },
    {
      name: 'nothing listening at a wss:// URL: the same words, naming both',
      url: `wss://node.test:${closed}`, reason: 'unreachable',
      message: new RegExp(`could not open a WebSocket to wss://node\\.test:${closed}/?: nothing answered there, or this browser does not trust`),
      panel: /Nothing answered at that URL, or this browser does not trust its certificate/,
    },
    {
      name: 'an ordinary https site (the panel\'s own page, not a WebSocket)',
      url: `wss://panel.test:${nginx.port}/`, reason: 'upgrade-refused',
      message: new RegExp(`an HTTPS server answered at https://panel\\.test:${nginx.port}/ \\(HTTP 200\\) but did not accept the WebSocket.*Upgrade and Connection headers`),
      panel: /A web server answered at that URL, but it is not the node's WebSocket.*Upgrade and Connection headers/s,
    },
    {
      name: 'a reverse proxy sending Connection "upgrade" (lower case), which Core Lightning refuses',
      url: `wss://node.test:${lowercase.port}/lightning`, reason: 'upgrade-refused',
      message: new RegExp(`an HTTPS server answered at https://node\\.test:${lowercase.port}/ but did not accept the WebSocket.*lacks the Upgrade and Connection`),
      panel: /A web server answered at that URL, but it is not the node's WebSocket/,
    },
    {
      name: 'a WebSocket server that is not a Lightning node (an echo)',
      url: `${other.url}/echo`, reason: 'handshake',
      message: /act two failed authentication: the server answered, but not as the Lightning node/,
      panel: /Handshake failed: wrong node id, or not a Lightning node/,
    },
    {
      name: 'a WebSocket server that is not a Lightning node (a text greeting)',
      url: `${other.url}/hello`, reason: 'protocol',
      message: /sent a WebSocket text message: Lightning is binary only, so this is not a Lightning node/,
      panel: /Not a Lightning node at that URL\..*node's WebSocket port/s,
    },
    {
      name: 'a proxy that accepts and then hangs up (websockify with no node behind it)',
      url: deadProxy.url, reason: 'handshake',
      message: /hung up before answering the handshake.*or a proxy in front of the node could not reach it/,
      panel: /Handshake failed.*a proxy that could not reach the node/s,
    },
  ];
  const out = [];
  for (const c of cases) {
    out.push(await outcome(c.name, async () => {
      const e = await page.evaluate(async ({ url, nodeId, rune }) => {
        const { connect } = await import('/lncommando/index.js');
        try {
          const node = await connect({ url, nodeId, rune, timeoutMs: 15000 });
          node.close();
          return { connected: true };
        } catch (e) {
          return { name: e.name, code: e.code, reason: e.reason, message: e.message };
        }
      }, { url: c.url, nodeId: cln.nodeId, rune: cln.rune });
      if (e.name !== 'CommandoError' || e.code !== -32600 || e.reason !== c.reason) {
        throw new Error(`wanted CommandoError -32600 ${c.reason}, got ${JSON.stringify(e)}`);
      }
      if (!c.message.test(e.message)) throw new Error(`message: ${e.message}`);
      if (e.message.includes(cln.rune)) throw new Error('the rune is in the message');
      // The panel's words for it.
      await page.fill('#url', c.url);
      await page.fill('#nodeId', cln.nodeId);
      await page.fill('#rune', cln.rune);
      await page.evaluate(() => { document.getElementById('connect-message').textContent = ''; });
      await page.click('#connect');
      await page.waitForFunction(() => {
        const m = document.getElementById('connect-message');
        return !m.hidden && m.textContent.length > 0 && document.getElementById('state').textContent === 'closed';
      });
      const shown = await page.locator('#connect-message').innerText();
      if (!c.panel.test(shown)) throw new Error(`the panel shows: ${shown}`);
      c.after?.();
    }));
  }
  await page.screenshot({ path: join(shots, 'panel-https-error.png'), fullPage: true });
  await context.close();
  return out;
}

/** In Node with `ws`: wss-proxy's certificate untrusted, then trusted; nginx's by name. */
async function nodeCases({ nginx, lowercase }) {
  const out = [];
  const check = async (name, fn) => out.push(await outcome(name, fn));
  const trusting = (ca) => class extends WebSocket {
    constructor(url) {
      super(url, { ca });
    }
  };
  const failure = async (o) => {
    try {
      const node = await lib.connect({ nodeId: cln.nodeId, rune: cln.rune, ...o });
      await node.close();
    } catch (e) {
      return e;
    }
    throw new Error(`connected to ${o.url}`);
  };
  await check('wss-proxy\'s self-signed certificate, not trusted: reason certificate, naming NODE_EXTRA_CA_CERTS', async () => {
    const e = await failure({ url: cln.wssUrl });
    if (e.reason !== 'certificate' || e.code !== -32600 || !/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO/.test(e.message)
      || !e.message.includes('NODE_EXTRA_CA_CERTS') || !e.message.includes('ca.pem')) {
      throw new Error(`${e.reason}: ${e.message}`);
    }
  });
  await check('wss-proxy with its ca.pem trusted (the error\'s own recipe): getinfo', async () => {
    const node = await lib.connect({ url: cln.wssUrl, nodeId: cln.nodeId, rune: cln.rune, WebSocket: trusting(readFileSync(join(cln.wssCerts, 'ca.pem'))) });
    const info = await node.commando('getinfo');
    await node.close();
    if (info.id !== cln.nodeId) throw new Error(`id ${info.id}`);
  });
  const ca = readFileSync(join(tmp, 'tls/cert.pem'));
  await check('nginx by a name its certificate lacks: reason certificate (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    const e = await failure({ url: `wss://localhost:${nginx.port}/lightning`, WebSocket: trusting(ca) });
    if (e.reason !== 'certificate' || !e.message.includes('ERR_TLS_CERT_ALTNAME_INVALID')) throw new Error(`${e.reason}: ${e.message}`);
  });
  await check('nginx, trusted: getinfo over wss://…/lightning; its root is not a WebSocket (upgrade-refused, HTTP 200)', async () => {
    const node = await lib.connect({ url: `wss://127.0.0.1:${nginx.port}/lightning`, nodeId: cln.nodeId, rune: cln.rune, WebSocket: trusting(ca) });
    const info = await node.commando('getinfo');
    await node.close();
    if (info.id !== cln.nodeId) throw new Error(`id ${info.id}`);
    const e = await failure({ url: `wss://127.0.0.1:${nginx.port}/`, WebSocket: trusting(ca) });
    if (e.reason !== 'upgrade-refused' || !e.message.includes('HTTP 200')) throw new Error(`${e.reason}: ${e.message}`);
  });
  await check('a reverse proxy sending Connection "upgrade": Core Lightning\'s HTTP 400, explained (capital U)', async () => {
    const e = await failure({ url: `wss://127.0.0.1:${lowercase.port}/lightning`, WebSocket: trusting(ca) });
    if (e.reason !== 'upgrade-refused' || !e.message.includes('HTTP 400 I only speak websocket')
      || !e.message.includes('proxy_set_header Connection "Upgrade"')) throw new Error(`${e.reason}: ${e.message}`);
  });
  return out;
}
