// Large requests against a real Core Lightning (scripts/cln/node.mjs), through its own WebSocket
// reader: directly on loopback and through a proxy that delivers the stream in MSS-sized TCP
// segments with delays (tests/js/segmenting-proxy.mjs), from Node 20 with `ws` and from
// headless Chromium. Each runs LNC_LARGE_COUNT requests (default 100: half `datastore` of a
// 300 000-character string, half of 900 000) and 1 000 mixed calls; every one must succeed.
// This is what the core's frame shaping (Config::align_frames) is for: without it, Core
// Lightning unmasks each read() of a frame from mask byte 0 and corrupts the stream.
import WebSocket from 'ws';
import * as lib from '../../pkg/index.js';
import { startCln } from '../../scripts/cln/node.mjs';
import { launch } from './chromium.mjs';
import { outcome } from './outcome.mjs';
import { segmentingProxy } from './segmenting-proxy.mjs';
import { serve } from './serve.mjs';
import { report } from './testnode.mjs';

const COUNT = Number(process.env.LNC_LARGE_COUNT ?? 100);
const root = new URL('../../', import.meta.url).pathname;

// Runs in Node and, as source, in the page: the large requests then the mixed calls.
async function workload(lib, env) {
  const { connect } = lib;
  const node = await connect({ url: env.url, nodeId: env.nodeId, rune: env.rune, WebSocket: env.WebSocket, timeoutMs: 20000 });
  const t0 = Date.now();
  const failures = [];
  const sizes = [];
  for (let i = 0; i < env.count; i++) sizes.push(i % 2 ? 900000 : 300000);
  // One at a time: Core Lightning throttles a peer that sends several megabytes at once ("too
  // much traffic"), which would only measure its throttle.
  let next = 0;
  const worker = async () => {
    while (next < sizes.length) {
      const i = next++;
      try {
        const r = await node.commando('datastore', { key: ['lnc-large', String(i % 4)], string: String(i % 10).repeat(sizes[i]), mode: 'create-or-replace' }, { timeoutMs: 60000 });
        if (r.key?.[1] !== String(i % 4)) failures.push(`datastore ${i}: ${JSON.stringify(r).slice(0, 200)}`);
      } catch (e) {
        failures.push(`datastore ${i} (${sizes[i]}): ${e.code} ${e.reason} ${e.message}`);
      }
    }
  };
  await worker();
  const largeMs = Date.now() - t0;
  const methods = [
    ['getinfo', {}], ['listpeers', {}], ['listfunds', {}], ['listdatastore', { key: ['lnc-mixed'] }],
    ['datastore', { key: ['lnc-mixed'], string: 'y'.repeat(5000), mode: 'create-or-replace' }],
    ['listconfigs', { config: 'network' }],
  ];
  const t1 = Date.now();
  // 20 in flight at a time.
  let k = 0;
  const mixedWorker = async () => {
    while (k < 1000) {
      const i = k++;
      const [m, p] = methods[i % methods.length];
      try {
        await node.commando(m, p, { timeoutMs: 60000 });
      } catch (e) {
        failures.push(`mixed ${i} ${m}: ${e.code} ${e.reason} ${e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, mixedWorker));
  const mixedMs = Date.now() - t1;
  await node.close();
  return { failures: failures.slice(0, 5), failed: failures.length, largeMs, mixedMs };
}

const cln = await startCln();
const proxy = await segmentingProxy({ port: Number(new URL(cln.url).port) });
const results = [];
const where = `Core Lightning ${cln.version}`;
let browser;
let server;
const check = (r, what) => {
  if (r.failed) throw new Error(`${r.failed} of ${COUNT + 1000} calls failed (${what}): ${r.failures.join(' | ')}`);
  return `${COUNT} large requests in ${r.largeMs} ms, 1000 mixed calls in ${r.mixedMs} ms, 0 failed`;
};
try {
  const env = (url) => ({ url, nodeId: cln.nodeId, rune: cln.rune, count: COUNT });
  for (const [name, url] of [['direct', cln.url], ['through the segmenting proxy', proxy.url]]) {
    let note = '';
    const r = await outcome(`Node: ${COUNT} requests of 300/900 KB and 1000 mixed calls, ${name}`, async () => {
      note = check(await workload(lib, { ...env(url), WebSocket }), name);
    });
    r.note = note;
    results.push(r);
  }
  server = await serve(root);
  browser = await launch();
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/js/blank.html`);
  for (const [name, url] of [['direct', cln.url], ['through the segmenting proxy', proxy.url]]) {
    let note = '';
    const r = await outcome(`Chromium: ${COUNT} requests of 300/900 KB and 1000 mixed calls, ${name}`, async () => {
      const out = await page.evaluate(async ({ env, src }) => {
        const lib = await import('/pkg/index.js');
        // eslint-disable-next-line no-new-func
        const fn = new Function(`return (${src})`)();
        return fn(lib, env);
      }, { env: env(url), src: workload.toString() });
      note = check(out, name);
    });
    r.note = note;
    results.push(r);
  }
  console.log(`[cln-large] proxy: ${proxy.stats.segments} segments, ${(proxy.stats.bytes / 1e6).toFixed(1)} MB, MSS per connection ${proxy.stats.mss.join(', ')}`);
} finally {
  await browser?.close();
  server?.close();
  proxy.close();
  if (results.some((r) => !r.ok)) {
    const { execSync } = await import('node:child_process');
    console.log(execSync(`grep -E "UNUSUAL|BROKEN|Bad encrypted|Throttl|websocket" ${cln.dir}/log | tail -20 || true`).toString());
  }
  await cln.stop();
}
process.exit(report(`cln-large, ${where}`, results) ? 1 : 0);
