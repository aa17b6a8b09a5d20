// Soak: many calls over one connection in headless Chromium (100 000 by default: each call is a
// message each way, so keys rotate ~200 times in each direction), with the wasm memory and the
// JS heap (after a forced GC) measured after a warm-up and at the end: neither may grow with the
// number of calls. LNC_SOAK_CALLS sets the count (make test runs a short one).
import { launch } from '../../scripts/lib/chromium.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { report, startNode } from '../../scripts/lib/testnode.mjs';

const calls = Number(process.env.LNC_SOAK_CALLS ?? 100000);
// The warm-up reaches the steady state: frames asking for no pong add up to a pong every
// ~61 KB (about 250 calls), and the allocator's high-water mark settles within ~2000 calls.
const warmup = Math.min(2000, Math.floor(calls * 0.4));
const window = 100;
const root = new URL('../../', import.meta.url).pathname;
const node = await startNode();
const server = await serve(root);
const browser = await launch();
const results = [];
const t0 = performance.now();
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const measure = async (label, done) => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize').value;
    const wasm = await page.evaluate(() => lib.wasmMemoryBytes());
    const m = { label, done, heapMB: heap / 1e6, wasmMB: wasm / 1e6 };
    console.log(`[soak] ${label.padEnd(12)} after ${String(done).padStart(6)} calls: JS heap ${m.heapMB.toFixed(2)} MB, wasm memory ${m.wasmMB.toFixed(2)} MB`);
    return m;
  };
  await page.goto(`${server.url}/tests/js/blank.html`);
  const env = { url: node.url, nodeId: node.nodeId, rune: node.rune, real: node.real };
  await page.evaluate(async (env) => {
    window.lib = await import('/pkg/index.js');
    window.conn = await lib.connect(env);
    // Runs `n` calls, `w` at a time, each checked; returns the number of mismatches.
    window.runCalls = async (from, n, w) => {
      let bad = 0;
      for (let i = from; i < from + n; i += w) {
        const batch = [];
        for (let j = i; j < Math.min(from + n, i + w); j++) {
          batch.push(env.real
            ? conn.commando('getinfo', {}, { filter: { id: true } }).then((r) => r.id === env.nodeId || bad++)
            : conn.commando('echo', { j, pad: 'x'.repeat(j % 64) }).then((r) => r.j === j || bad++));
        }
        await Promise.all(batch);
      }
      return bad;
    };
  }, env);
  const bad1 = await page.evaluate(([n, w]) => runCalls(0, n, w), [warmup, window]);
  const start = await measure('after warm-up', warmup);
  const mid = calls / 2;
  const bad2 = await page.evaluate(([f, n, w]) => runCalls(f, n, w), [warmup, mid - warmup, window]);
  const middle = await measure('middle', mid);
  const bad3 = await page.evaluate(([f, n, w]) => runCalls(f, n, w), [mid, calls - mid, window]);
  const end = await measure('end', calls);
  const state = await page.evaluate(async () => {
    const s = conn.state;
    await conn.close();
    return s;
  });
  const secs = (performance.now() - t0) / 1000;
  console.log(`[soak] ${calls} calls in ${secs.toFixed(1)} s (${Math.round(calls / secs)} calls/s), ${window} in flight at a time`);
  results.push({ name: `${calls} calls answered and matched, connection still ready`, ok: bad1 + bad2 + bad3 === 0 && state === 'ready', ms: 0, error: `mismatches ${bad1 + bad2 + bad3}, state ${state}` });
  results.push({
    name: 'wasm memory does not grow with the call count',
    ok: end.wasmMB <= start.wasmMB,
    ms: 0,
    error: `${start.wasmMB} MB after warm-up, ${end.wasmMB} MB at the end`,
  });
  results.push({
    name: 'JS heap does not grow with the call count (≤ +1 MB after GC)',
    ok: end.heapMB <= start.heapMB + 1 && middle.heapMB <= start.heapMB + 1,
    ms: 0,
    error: `${start.heapMB.toFixed(2)} MB after warm-up, ${middle.heapMB.toFixed(2)} MB in the middle, ${end.heapMB.toFixed(2)} MB at the end`,
  });
  results.push({ name: 'no page or console errors', ok: problems.length === 0, ms: 0, error: problems.join('; ') });
} finally {
  await browser.close();
  server.close();
  node.stop();
}
process.exit(report('soak', results) ? 1 : 0);
