// Hostile and broken nodes, in headless Chromium: for each, the specific code and reason, every
// pending call settled, a `close` event with the reason, no unhandled promise rejection, no
// console errors beyond the expected (failed WebSocket connections), and with `reconnect` on,
// new calls succeed once the node is back.
// First the test node's fault modes (only it has them); then, against each node of nodes.mjs
// (the test node and a real Core Lightning), the faults a real node produces: an idle
// connection kept past the node's own pings, the wrong node id, nothing listening, the node
// killed with 100 calls in flight and started again.
import { launch } from '../../scripts/lib/chromium.mjs';
import { startTarget, targetKinds } from './nodes.mjs';
import { outcome, skipped } from './outcome.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { report, startNode } from '../../scripts/lib/testnode.mjs';
const root = new URL('../../', import.meta.url).pathname;
const server = await serve(root);
const browser = await launch();
const nodes = [];
let results = [];
let failed = 0;
const assert = (c, what) => {
  if (!c) throw new Error(`assertion failed: ${what}`);
};
const EXPECTED_CONSOLE = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/;

async function withPage(name, fn) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error (unhandled?): ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !EXPECTED_CONSOLE.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  results.push(await outcome(name, async () => {
    await page.goto(`${server.url}/tests/js/blank.html`);
    await page.evaluate(async () => {
      window.lib = await import('/pkg/index.js');
      // Records how each promise settled.
      window.settleAll = (promises) => Promise.all(promises.map((p) => p.then(
        (v) => ({ ok: true, v }),
        (e) => ({ ok: false, name: e?.name, code: e?.code, reason: e?.reason, message: e?.message }),
      )));
    });
    await fn(page);
    await page.waitForTimeout(100); // Let any late unhandled rejection surface.
    assert(problems.length === 0, problems.join('; '));
  }));
  await page.close();
}

/** A node of `kind` (nodes.mjs); a test node with `args` (fault flags) when given. */
async function newNode(args = [], kind = 'test') {
  const n = args.length ? await startNode(args) : await startTarget(kind);
  nodes.push(n);
  return n;
}

const env = (n) => ({ url: n.url, nodeId: n.nodeId, rune: n.rune });

/**
 * Connects in the page, switches on a fault with dev-fault, starts `calls` (method, params,
 * options) and waits for all of them to settle and for the close event (if `closes`).
 */
async function faultCase(page, node, mode, calls, { closes = true, connectOptions = {}, early = false } = {}) {
  return page.evaluate(async ({ env, mode, calls, closes, connectOptions, early }) => {
    const node = await lib.connect({ ...env, ...connectOptions });
    const closeEvents = [];
    const closed = new Promise((r) => node.addEventListener('close', (e) => { closeEvents.push(e.detail); r(); }));
    const warnings = [];
    node.addEventListener('warning', (e) => warnings.push(e.detail.message));
    const start = () => settleAll(calls.map(([m, p, o]) => node.commando(m, p, o)));
    // `early`: the calls are in flight when the fault strikes (for faults that strike at
    // once): sent right after dev-fault, they wait behind it at the node (one request at a time).
    const fault = node.commando('dev-fault', { mode });
    const pending = early ? start() : null;
    await fault;
    const settled = await (pending ?? start());
    if (closes) await closed;
    const state = node.state;
    await node.close();
    return { settled, closeEvents, warnings, state };
  }, { env: env(node), mode, calls, closes, connectOptions, early });
}

const allRejected = (settled, code, reason) => settled.every((s) => !s.ok && s.code === code && s.reason === reason);

try {
  if (targetKinds().includes('test')) {
    const node = await newNode();

    await withPage('close mid-reply: pending calls reject -32600 closed, close event', async (page) => {
      const r = await faultCase(page, node, 'close-mid-reply', [
        ['bigreply', { bytes: 400000 }], ['sleep', { ms: 5000 }], ['sleep', { ms: 5000 }], ['echo', [1]],
      ]);
      assert(allRejected(r.settled, -32600, 'closed'), JSON.stringify(r.settled));
      assert(r.closeEvents.length === 1 && r.closeEvents[0].reason === 'closed', JSON.stringify(r.closeEvents));
      assert(r.state === 'closed', r.state);
    });

    await withPage('corrupt MAC: -32600 transport, close event', async (page) => {
      const r = await faultCase(page, node, 'corrupt-mac', [['getinfo', {}], ['sleep', { ms: 5000 }], ['sleep', { ms: 5000 }]]);
      assert(allRejected(r.settled, -32600, 'transport'), JSON.stringify(r.settled));
      assert(r.closeEvents[0]?.reason === 'transport', JSON.stringify(r.closeEvents));
    });

    await withPage('never answer: 19535 timeout, the connection stays ready', async (page) => {
      const r = await faultCase(page, node, 'never-answer', [
        ['getinfo', {}, { timeoutMs: 300 }], ['echo', [1], { timeoutMs: 300 }], ['echo', [2], { timeoutMs: 400 }],
      ], { closes: false });
      assert(allRejected(r.settled, 19535, 'timeout'), JSON.stringify(r.settled));
      assert(r.state === 'ready', r.state);
    });

    await withPage('unknown even message: -32600 protocol', async (page) => {
      const r = await faultCase(page, node, 'unknown-even', [['sleep', { ms: 5000 }], ['sleep', { ms: 5000 }]], { early: true });
      assert(allRejected(r.settled, -32600, 'protocol'), JSON.stringify(r.settled));
      assert(r.closeEvents[0]?.reason === 'protocol' && /unknown even message type 32770/.test(r.closeEvents[0].message), JSON.stringify(r.closeEvents));
    });

    await withPage('warning then close: the warning text, then -32600 closed', async (page) => {
      const r = await faultCase(page, node, 'warning-close', [['sleep', { ms: 5000 }]], { early: true });
      assert(allRejected(r.settled, -32600, 'closed'), JSON.stringify(r.settled));
      assert(r.warnings.some((w) => w.includes('warning-close')), JSON.stringify(r.warnings));
      assert(r.closeEvents[0]?.reason === 'closed', JSON.stringify(r.closeEvents));
    });

    await withPage('oversize reply beyond the cap: 19535 too-large, the session lives on', async (page) => {
      const r = await faultCase(page, node, 'oversize-reply', [['getinfo', {}]], { closes: false, connectOptions: { maxReplyBytes: 2_000_000 } });
      assert(allRejected(r.settled, 19535, 'too-large'), JSON.stringify(r.settled));
      assert(r.state === 'ready', r.state);
    });

    const stalled = await newNode(['--fault', 'stall-handshake']);
    await withPage('stalled handshake: connect rejects 19535 timeout at timeoutMs', async (page) => {
      const r = await page.evaluate(async (env) => {
        const t0 = performance.now();
        const [s] = await settleAll([lib.connect({ ...env, timeoutMs: 500 })]);
        return { s, ms: performance.now() - t0 };
      }, env(stalled));
      assert(!r.s.ok && r.s.code === 19535 && r.s.reason === 'timeout', JSON.stringify(r.s));
      assert(r.ms >= 450 && r.ms < 2000, `${r.ms} ms`);
    });
    failed += report('faults · test node', results);
  } else {
    console.log('[faults · test node] the fault modes need the test node: not run');
  }

  for (const kind of targetKinds()) {
    results = [];
    const label = kind === 'test' ? 'test node' : null;
    const node = await newNode([], kind);
    // The node's own keep-alive: the test node pings after 1 s of silence here, Core Lightning
    // after 60 s and hangs up when no pong comes (an idle client that never answers is dropped
    // at ~130 s). The connection keeps its own pings off and stays idle past that.
    const idleNode = kind === 'test' ? await startNode(['--ping-ms', '1000']) : kind === 'cln' ? await newNode([], kind) : null;
    if (idleNode && kind === 'test') nodes.push(idleNode);
    const idleMs = kind === 'test' ? 3500 : 140000;
    const idlePage = idleNode && await browser.newPage();
    const idle = idleNode && outcome(`idle for ${idleMs / 1000} s past the node's pings, no keep-alive of ours: still ready, calls work`, async () => {
      await idlePage.goto(`${server.url}/tests/js/blank.html`);
      const r = await idlePage.evaluate(async ({ env, idleMs }) => {
        const lib = await import('/pkg/index.js');
        const node = await lib.connect({ ...env, keepaliveMs: 0 });
        const closes = [];
        node.addEventListener('close', (e) => closes.push(e.detail));
        await new Promise((r) => setTimeout(r, idleMs));
        const info = await node.commando('getinfo', {}, { timeoutMs: 10000 }).catch((e) => ({ error: `${e.code} ${e.reason} ${e.message}` }));
        const state = node.state;
        const closed = [...closes];
        await node.close();
        return { info, state, closes: closed };
      }, { env: env(idleNode), idleMs });
      assert(r.info.id === idleNode.nodeId && r.state === 'ready' && r.closes.length === 0, JSON.stringify(r));
    });
    await withPage('wrong node id: -32600 handshake, quickly', async (page) => {
      const r = await page.evaluate(async (env) => {
        const t0 = performance.now();
        const [s] = await settleAll([lib.connect({ ...env, nodeId: '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798' })]);
        return { s, ms: performance.now() - t0 };
      }, env(node));
      assert(!r.s.ok && r.s.code === -32600 && r.s.reason === 'handshake', JSON.stringify(r.s));
      assert(r.ms < 2000, `${r.ms} ms`);
    });

    await withPage('nothing listening: -32600 unreachable', async (page) => {
      const [s] = await page.evaluate(async (env) => settleAll([lib.connect({ ...env, url: 'ws://127.0.0.1:9' })]), env(node));
      assert(!s.ok && s.code === -32600 && s.reason === 'unreachable', JSON.stringify(s));
    });

    const victim = node;
    if (kind === 'external') results.push(skipped('node killed during 100 in-flight calls', 'needs a node the tests control'));
    else await withPage('node killed during 100 in-flight calls: all reject, reconnect brings new calls back', async (page) => {
      await page.evaluate(async ({ env, real }) => {
        window.node = await lib.connect({ ...env, reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
        window.events = [];
        for (const t of ['close', 'statechange']) node.addEventListener(t, (e) => events.push([t, e.detail]));
        // Calls that do not answer for 10 s: the test node's sleep; on Core Lightning,
        // waitblockheight for a block that never comes.
        const slow = (i) => (real
          ? node.commando('waitblockheight', { blockheight: 4_000_000 + i, timeout: 10 })
          : node.commando('sleep', { ms: 10000 + i }));
        window.inflight = settleAll(Array.from({ length: 100 }, (_, i) => slow(i)));
        await new Promise((r) => setTimeout(r, 500)); // All 100 reach the node.
      }, { env: env(victim), real: kind !== 'test' });
      await victim.kill();
      const settled = await page.evaluate(() => inflight);
      assert(settled.length === 100 && allRejected(settled, -32600, 'closed'), JSON.stringify(settled.slice(0, 3)));
      const during = await page.evaluate(() => ({ state: node.state, events }));
      assert(during.events.some(([t, d]) => t === 'close' && d.willReconnect), JSON.stringify(during.events));
      assert(during.state === 'reconnecting', during.state);
      await victim.restart();
      const after = await page.evaluate(async () => {
        const info = await node.commando('getinfo', {}, { timeoutMs: 15000 });
        const state = node.state;
        await node.close();
        return { id: info.id, state, events };
      });
      assert(after.id === victim.nodeId && after.state === 'ready', JSON.stringify(after));
    });
    results.push(idle ? await idle : skipped('idle past the node\'s pings', 'needs a node the tests control'));
    await idlePage?.close();
    failed += report(`faults · ${label ?? node.label}`, results);
  }
} finally {
  await browser.close();
  server.close();
  for (const n of nodes) await n.stop();
}
process.exit(failed ? 1 : 0);
