// Large requests against a real Core Lightning (scripts/cln/node.mjs), from Node 20 with `ws`
// and from headless Chromium, three ways:
//   - directly to its WebSocket port on loopback (loopback's MSS, ~65 483 bytes, is not a
//     multiple of 4: frames bigger than a segment are read in misaligned pieces);
//   - through a proxy that delivers the stream in MSS-sized TCP segments of 536–1460 bytes
//     with pauses, as a sender's TCP on a real network does (tests/js/segmenting-proxy.mjs);
//   - through Debian's websockify in front of its Lightning (TCP) port: the ws→tcp path that
//     avoids its WebSocket code entirely.
// Directly and through the proxy: LNC_LARGE_COUNT requests (default 100: half `datastore` of a
// 300 000-character string, half of 900 000) and 1 000 mixed calls, every one must succeed;
// through websockify LNC_WSPROXY_COUNT (default 20) and the 1 000 mixed calls.
// This is what the core's frame shaping (Config::align_frames) is for: without it, Core
// Lightning unmasks each read() of a frame from mask byte 0 and corrupts the stream.
import { execSync } from 'node:child_process';
import WebSocket from 'ws';
import * as lib from '../../pkg/index.js';
import { startCln } from '../../scripts/cln/node.mjs';
import { startWebsockify } from './proxies.mjs';
import { launch } from '../../scripts/lib/chromium.mjs';
import { targetKinds } from './nodes.mjs';
import { outcome } from './outcome.mjs';
import { segmentingProxy } from './segmenting-proxy.mjs';
import { serve } from '../../scripts/lib/serve.mjs';
import { report } from '../../scripts/lib/testnode.mjs';

const COUNT = Number(process.env.LNC_LARGE_COUNT ?? 100);
const WSPROXY_COUNT = Number(process.env.LNC_WSPROXY_COUNT ?? 20);
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

if (!targetKinds().includes('cln')) {
  console.log(`[cln-large] needs the Core Lightning the tests start (nodes: ${targetKinds()}): not run`);
  process.exit(0);
}
const cln = await startCln();
const proxy = await segmentingProxy({ port: Number(new URL(cln.url).port) });
const websockify = await startWebsockify(cln.tcp);
const results = [];
const where = `Core Lightning ${cln.version}`;
let browser;
let server;
const check = (r, what, count) => {
  if (r.failed) throw new Error(`${r.failed} of ${count + 1000} calls failed (${what}): ${r.failures.join(' | ')}`);
  return `${count} large requests in ${r.largeMs} ms, 1000 mixed calls in ${r.mixedMs} ms, 0 failed`;
};
const ways = [
  ['directly to its WebSocket port', cln.url, COUNT],
  ['through the segmenting proxy', proxy.url, COUNT],
  ['through websockify to its Lightning port', websockify.url, WSPROXY_COUNT],
];
try {
  const env = (url, count) => ({ url, nodeId: cln.nodeId, rune: cln.rune, count });
  for (const [name, url, count] of ways) {
    let note = '';
    const r = await outcome(`Node: ${count} requests of 300/900 KB and 1000 mixed calls, ${name}`, async () => {
      note = check(await workload(lib, { ...env(url, count), WebSocket }), name, count);
    });
    r.note = note;
    results.push(r);
  }
  // The control: segments at offsets that are not multiples of 4 (which no sender's TCP with
  // a 4-aligned MSS makes) do corrupt the stream at this node, so the cases above test
  // something.
  const control = await segmentingProxy({ port: Number(new URL(cln.url).port), misalign: true });
  results.push(await outcome('control: 1001-byte segments through the node\'s reader break a large request', async () => {
    const node = await lib.connect({ url: control.url, nodeId: cln.nodeId, rune: cln.rune, WebSocket });
    const err = await node.commando('datastore', { key: ['lnc-control'], string: 'c'.repeat(300000), mode: 'create-or-replace' }, { timeoutMs: 20000 })
      .then(() => null, (e) => e);
    await node.close();
    control.close();
    if (!err || err.code !== -32600) throw new Error(`the request went through: the control does not reproduce the bug (${err?.code} ${err?.reason})`);
    const log = execSync(`grep -c "Bad encrypted packet" ${cln.dir}/log || true`).toString().trim();
    if (log === '0') throw new Error(`failed (${err.reason}) but the node logged no bad packet`);
  }));
  server = await serve(root);
  browser = await launch();
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/js/blank.html`);
  for (const [name, url, count] of ways) {
    let note = '';
    const r = await outcome(`Chromium: ${count} requests of 300/900 KB and 1000 mixed calls, ${name}`, async () => {
      const out = await page.evaluate(async ({ env, src }) => {
        const lib = await import('/pkg/index.js');
        // eslint-disable-next-line no-new-func
        const fn = new Function(`return (${src})`)();
        return fn(lib, env);
      }, { env: env(url, count), src: workload.toString() });
      note = check(out, name, count);
    });
    r.note = note;
    results.push(r);
  }
  console.log(`[cln-large] proxy: ${proxy.stats.segments} segments, ${(proxy.stats.bytes / 1e6).toFixed(1)} MB, MSS per connection ${proxy.stats.mss.join(', ')}`);
} finally {
  await browser?.close();
  server?.close();
  proxy.close();
  websockify.stop();
  if (results.some((r) => !r.ok)) {
    console.log(execSync(`grep -E "UNUSUAL|BROKEN|Bad encrypted|Throttl|websocket" ${cln.dir}/log | tail -20 || true`).toString());
  }
  await cln.stop();
}
process.exit(report(`cln-large, ${where}`, results) ? 1 : 0);
