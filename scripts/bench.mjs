// `make bench`: lncommando against lnmessage (npm) in headless Chromium, against the test node
// and a real Core Lightning (or a node of yours: LNC_URL, LNC_NODE_ID, LNC_RUNE). Every round runs both libraries, in
// alternating order, so machine noise hits both alike; each figure is the median over rounds,
// with its spread (min–max). Prints a table and writes target/bench/results.json
// ({"figure": {"ours", "lnmessage", "ratio", "unit", "better", "ours_min", …}}), merging in
// target/bench/native.json (figures with "ceiling" in place of "lnmessage") when it exists; the
// quick run writes results-quick.json instead, so `make test` leaves the full figures alone.
// What each figure measures: benches/browser/README.md.
//
// Beside them, each node's ceilings (a second table; "ceiling: …" in results.json, with
// "ceiling" and "lnmessage" beside "ours", "ratio" = ours/ceiling and "goal"):
//   raw WebSocket echo: the sequential calls' per-call time against the same count of 128-byte
//     binary messages echoed one after another, in the same page, by the test node's `--echo`
//     listener (no crypto, no protocol) — for Core Lightning, which cannot echo, the same
//     echo: this page's loopback round trip. Goal ≤ 1.3×.
//   node's own RPC (Core Lightning only): the big reply's throughput against pyln-client making
//     the same call over the node's unix socket (lightning-dir/regtest/lightning-rpc), timed
//     in a Python subprocess each round (median of 3 after a warm-up). pyln-client is Core
//     Lightning's own contrib/pyln-client/pyln/client/lightning.py, taken from the source
//     tarball scripts/cln/build.sh builds the node from (cached beside the build). Goal ≥ 0.5×.
//   commando path (Core Lightning only): the same big reply to our native client over TCP
//     (examples/probe: the Rust core with no WebSocket and no browser, timed from the request
//     to the parsed reply, median of 3 a round): what the node's commando path itself allows,
//     which tells the browser's share of the gap to pyln-client from the node's.
//
// Both libraries are loaded as an app ships them, from target/bench/www/:
//   lncommando: pkg/index.js and pkg/lncommando_wasm.js minified by esbuild (each on its own,
//     not bundled), and pkg/lncommando_wasm_bg.wasm as built;
//   lnmessage: `esbuild --bundle --minify --format=esm --platform=browser` of
//     benches/browser/lnmessage-entry.js. It needs no polyfill: lnmessage imports the `buffer`
//     package itself (its own dependency), and its Node-only `import('ws')` resolves through
//     ws's `browser` field to ws's small stub (never called: browsers have WebSocket). No
//     `--define:global=globalThis` or `process` shim is needed.
//
// Environment:
//   LNC_BENCH_QUICK=1    smoke run (seconds): 1 round, 50 calls, a 1 MiB reply (`make test`)
//   LNC_BENCH_ROUNDS=N   rounds (default 7; quick 1)
//   LNC_BENCH_PROFILE=1  also profile, per library, one big reply and the sequential calls with
//                        the DevTools profiler (CDP Profiler) and print the top self-time
//                        functions, and when the big reply's bytes reached the page; the
//                        profiles go to target/bench/profile-{big,seq}-<lib>.cpuprofile (open
//                        them in DevTools). LNC_BENCH_ROUNDS=0 LNC_BENCH_PROFILE=1: profiles only.
//   LNC_BENCH_PKG=dir    load lncommando from dir instead of pkg/ (e.g. a build keeping wasm
//                        function names, for the profile)
//   PYTHON=path          the Python that runs pyln-client (default python3, as scripts/setup.sh)
//   LNC_BENCH_NODES=test,cln  the nodes, one after the other (default both: the test node, then
//                        a real Core Lightning started by scripts/cln/node.mjs, its figures
//                        prefixed "Core Lightning vX:" in results.json)
//   Against a real node (LNC_URL, LNC_NODE_ID, LNC_RUNE): that node alone; the echo figures call getinfo
//   (LNC_BENCH_ECHO_METHOD to change), and the big-reply figures run only when
//   LNC_BENCH_BIG_METHOD (and LNC_BENCH_BIG_PARAMS, JSON) name a method with a big result.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { launch } from './lib/chromium.mjs';
import { serve } from './lib/serve.mjs';
import { nodeKinds, startNode } from './lib/testnode.mjs';
import { freePort, startCln } from './cln/node.mjs';

const root = new URL('../', import.meta.url).pathname;
const benchDir = join(root, 'benches/browser');
const outDir = join(root, 'target/bench');
const www = join(outDir, 'www');
const pkgDir = process.env.LNC_BENCH_PKG ?? join(root, 'pkg');

const QUICK = !!process.env.LNC_BENCH_QUICK && process.env.LNC_BENCH_QUICK !== '0';
const PROFILE = !!process.env.LNC_BENCH_PROFILE && process.env.LNC_BENCH_PROFILE !== '0';
const ROUNDS = Number(process.env.LNC_BENCH_ROUNDS ?? (QUICK ? 1 : 7));
const CALLS = QUICK ? 50 : 1000;
const BIG = QUICK ? 1 << 20 : 16 << 20;
const WARM = QUICK ? 1 : 3;
const LIBS = ['ours', 'lnmessage'];
const LIMIT_MS = QUICK ? 180_000 : 570_000;
const ECHO_BYTES = 128;
const PYLN_CALLS = 3;
const NATIVE_CALLS = 3;
const PROBE = join(root, 'target/release/examples/probe');
const PYTHON = process.env.PYTHON ?? 'python3';

const log = (...a) => console.error('[bench]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
function within(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(t));
}

// ---------------------------------------------------------------- staging and shipped size

function esbuildModule() {
  if (!existsSync(join(benchDir, 'node_modules/esbuild')) || !existsSync(join(benchDir, 'node_modules/lnmessage'))) {
    log('installing benches/browser (npm ci)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: benchDir, stdio: ['ignore', 2, 2] });
  }
  return createRequire(join(benchDir, 'package.json'))('esbuild');
}

async function stage() {
  for (const f of ['index.js', 'lncommando_wasm.js', 'lncommando_wasm_bg.wasm']) {
    if (!existsSync(join(pkgDir, f))) throw new Error(`${join(pkgDir, f)} not found: run make pkg`);
  }
  const esbuild = esbuildModule();
  rmSync(www, { recursive: true, force: true });
  mkdirSync(join(www, 'lncommando'), { recursive: true });
  copyFileSync(join(benchDir, 'page.html'), join(www, 'index.html'));
  copyFileSync(join(benchDir, 'page.js'), join(www, 'page.js'));
  await esbuild.build({
    entryPoints: [join(benchDir, 'lnmessage-entry.js')], outfile: join(www, 'lnmessage.js'),
    bundle: true, minify: true, format: 'esm', platform: 'browser', logLevel: 'warning',
  });
  for (const f of ['index.js', 'lncommando_wasm.js']) {
    const { code } = await esbuild.transform(readFileSync(join(pkgDir, f), 'utf8'), { minify: true, format: 'esm', loader: 'js' });
    writeFileSync(join(www, 'lncommando', f), code);
  }
  copyFileSync(join(pkgDir, 'lncommando_wasm_bg.wasm'), join(www, 'lncommando/lncommando_wasm_bg.wasm'));
  const size = (files) => {
    let raw = 0;
    let gz = 0;
    const each = {};
    for (const f of files) {
      const b = readFileSync(join(www, f));
      const g = gzipSync(b, { level: 9 }).length;
      raw += b.length;
      gz += g;
      each[f] = { bytes: b.length, gzip: g };
    }
    return { raw, gz, each };
  };
  return {
    ours: size(['lncommando/index.js', 'lncommando/lncommando_wasm.js', 'lncommando/lncommando_wasm_bg.wasm']),
    lnmessage: size(['lnmessage.js']),
  };
}

// ---------------------------------------------------------------- measurements

const problems = [];

async function openPage(browser, serverUrl, env, lib, context) {
  context ??= await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${lib}: page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${lib}: console error: ${m.text()}`); });
  await page.goto(`${serverUrl}/index.html#${encodeURIComponent(JSON.stringify({ ...env, lib }))}`);
  const cold = await within(page.evaluate(() => window.__cold), 30_000, `${lib}: fresh page connect`);
  return { context, page, cold };
}

/**
 * Fresh page: cold connect, warm connects, then sequential, concurrent and the big reply, each
 * timed in the page. Around each of the last three, the page's main-thread busy time (CDP
 * Performance.getMetrics TaskDuration): what the library costs the page, whatever the node's
 * own speed.
 */
async function runMain(browser, serverUrl, env, lib) {
  const { context, page, cold } = await openPage(browser, serverUrl, env, lib);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const busy = async () => 1000 * (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
    const step = async (what, fn, arg) => {
      const b0 = await busy();
      const value = await within(page.evaluate(fn, arg), QUICK ? 60_000 : 120_000, `${lib}: ${what}`);
      return { value, busyMs: (await busy()) - b0 };
    };
    const { value: warmMs } = await step('warm connects', async (warm) => {
      await window.__conn.close();
      const ms = await window.__bench.warmConnects(window.__adapter, window.__env, warm);
      window.__conn = (await window.__bench.connectAndGetinfo(window.__adapter, window.__env)).c;
      return ms;
    }, WARM);
    const seq = await step('sequential calls', (n) => window.__bench.sequential(window.__conn, window.__env, n), CALLS);
    const echo = env.echoUrl
      ? await step('raw WebSocket echo', (a) => window.__bench.rawEcho(a.url, a.n, a.size), { url: env.echoUrl, n: CALLS, size: ECHO_BYTES })
      : null;
    const conc = await step('concurrent calls', (n) => window.__bench.concurrent(window.__conn, window.__env, n), CALLS);
    const big = env.bigMethod ? await step('big reply', () => window.__bench.big(window.__conn, window.__env, false)) : null;
    await page.evaluate(() => window.__conn.close());
    return {
      cold, warmMs, seq: seq.value, seqBusy: seq.busyMs, echo: echo?.value, echoBusy: echo?.busyMs, conc: conc.value, concBusy: conc.busyMs,
      big: big?.value, bigBusy: big?.busyMs,
    };
  } finally {
    await context.close();
  }
}

/** The renderer processes' pids and CPU times (CDP SystemInfo, browser-wide). */
async function renderers(bcdp) {
  const { processInfo } = await bcdp.send('SystemInfo.getProcessInfo');
  return new Map(processInfo.filter((p) => p.type === 'renderer').map((p) => [p.id, p.cpuTime]));
}
function procStatus(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Fresh page: connect, then one big reply while sampling memory. JS heap: CDP
 * Performance.getMetrics JSHeapUsedSize, sampled every ~5 ms from just before the call (after a
 * forced GC) until just after the parsed result is held (the page keeps it until the last
 * sample). Renderer: the peak resident set (VmHWM, reset through /proc/PID/clear_refs just
 * before the call) of the renderer that did the work, minus its RSS before the call — this
 * covers what the JS heap does not: ArrayBuffers (lnmessage's Buffers), wasm memory, strings'
 * external storage. Wasm: lncommando's linear memory size before and after.
 */
async function runMemory(browser, bcdp, serverUrl, env, lib) {
  const { context, page } = await openPage(browser, serverUrl, env, lib);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.evaluate(() => window.__bench.sequential(window.__conn, window.__env, 5));
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize').value;
    const wasm0 = await page.evaluate(() => window.__adapter.wasmMemoryBytes());
    const cpu0 = await renderers(bcdp);
    const rss0 = new Map([...cpu0.keys()].map((pid) => [pid, procStatus(pid, 'VmRSS')]));
    for (const pid of cpu0.keys()) {
      try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* not ours to reset */ }
    }
    const base = await heap();
    let peak = base;
    let samples = 0;
    let done = false;
    const call = page.evaluate(() => window.__bench.big(window.__conn, window.__env, true)).finally(() => { done = true; });
    while (!done) {
      peak = Math.max(peak, await heap());
      samples += 1;
      await sleep(5);
    }
    const big = await within(call, 120_000, `${lib}: big reply`);
    peak = Math.max(peak, await heap());
    samples += 1;
    const cpu1 = await renderers(bcdp);
    let worker = null;
    for (const [pid, t] of cpu1) if (cpu0.has(pid) && (!worker || t - cpu0.get(pid) > worker.dt)) worker = { pid, dt: t - cpu0.get(pid) };
    const rssPeak = worker ? procStatus(worker.pid, 'VmHWM') - rss0.get(worker.pid) : NaN;
    const wasm1 = await page.evaluate(() => window.__adapter.wasmMemoryBytes());
    await page.evaluate(() => { window.__keep = null; });
    return { heapPeak: peak - base, heapBase: base, samples, rssPeak, wasm0, wasm1, bigMs: big.ms };
  } finally {
    await context.close();
  }
}

/**
 * One big reply (`what` 'big') or the sequential calls ('seq') under the DevTools sampling
 * profiler: the top self-time functions, and when the WebSocket messages reached the page's main thread (a listener added before the
 * library's own, through a WebSocket subclass installed before the page loads).
 */
async function runProfile(browser, serverUrl, env, lib, what) {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const WS = globalThis.WebSocket;
    globalThis.__arrivals = [];
    globalThis.WebSocket = class extends WS {
      constructor(...a) {
        super(...a);
        this.addEventListener('message', (e) => globalThis.__arrivals.push([performance.now(), e.data.byteLength ?? e.data.size ?? 0]));
      }
    };
  });
  const { page } = await openPage(browser, serverUrl, env, lib, context);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const t0 = await page.evaluate(() => { globalThis.__arrivals.length = 0; return performance.now(); });
    const ms = await within(page.evaluate(what === 'big'
      ? () => window.__bench.big(window.__conn, window.__env, false).then((r) => r.ms)
      : (n) => window.__bench.sequential(window.__conn, window.__env, n), CALLS), 120_000, `${lib}: profiled ${what}`);
    const { profile } = await cdp.send('Profiler.stop');
    const arr = await page.evaluate(() => globalThis.__arrivals);
    const arrival = arr.length ? { messages: arr.length, bytes: arr.reduce((a, x) => a + x[1], 0), firstMs: arr[0][0] - t0, lastMs: arr.at(-1)[0] - t0 } : null;
    writeFileSync(join(outDir, `profile-${what}-${lib}.cpuprofile`), JSON.stringify(profile));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const f = byId.get(id).callFrame;
      const file = f.url ? f.url.replace(/^.*\//, '') : '';
      const key = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    });
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([fn, ms]) => ({ fn, ms, pct: (100 * ms) / total }));
    const kinds = {};
    for (const [fn, ms] of self) {
      const k = /^\((idle|program|garbage collector)\)/.test(fn) ? fn : /\.wasm:/.test(fn) ? 'wasm' : 'JS';
      kinds[k] = (kinds[k] ?? 0) + ms;
    }
    return { ms, totalMs: total, kinds, top, arrival };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------- the node's own RPC (pyln-client)

/**
 * pyln-client's RPC client, contrib/pyln-client/pyln/client/lightning.py of the Core Lightning
 * source that scripts/cln/build.sh builds the node from (its tarball, the same variables),
 * extracted once into the same cache (stamped with the tarball's sha256); else an installed
 * pyln-client's; else null. The one file is all the bench needs (standard library only): the
 * package's __init__ would also load its gossmap, which wants pyln-bolt7.
 */
function pylnClient(nodeVersion) {
  const version = process.env.LNC_CLN_VERSION ?? nodeVersion;
  const tarball = process.env.LNC_CLN_TARBALL ?? join(root, `../shared/cln/lightning-${version}.tar.xz`);
  const cache = process.env.LNC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lncommando');
  const file = join(cache, `pyln-client-${version}`, 'lightning.py');
  if (existsSync(tarball)) {
    const want = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    const stamp = join(dirname(file), '.source-sha256');
    if (!existsSync(file) || !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== want) {
      log(`extracting pyln-client from ${tarball} into ${dirname(file)}`);
      const text = execFileSync('tar', ['-xJOf', tarball, '--wildcards', '*/contrib/pyln-client/pyln/client/lightning.py'], { maxBuffer: 16 << 20 });
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
      writeFileSync(stamp, `${want}\n`);
    }
    return file;
  }
  try {
    return execFileSync(PYTHON, ['-c', 'import importlib.util; print(importlib.util.find_spec("pyln.client.lightning").origin)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

// Times `calls` calls of METHOD PARAMS (after one untimed) with pyln-client's LightningRpc over
// the node's unix socket, each from the request to the parsed result (a new connection per
// call, as pyln-client makes them); prints {"ms": [...], "bytes": the result's JSON length}.
const PYLN_SCRIPT = `
import importlib.util, json, sys, time
client, rpc_path, method, params, calls = sys.argv[1:6]
spec = importlib.util.spec_from_file_location("pyln_client_lightning", client)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
rpc = m.LightningRpc(rpc_path)
params = json.loads(params)
rpc.call(method, params)
ms = []
for _ in range(int(calls)):
    t0 = time.perf_counter()
    r = rpc.call(method, params)
    ms.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": ms, "bytes": len(json.dumps(r, separators=(",", ":"), ensure_ascii=False))}))
`;

async function pylnRound(pyln, env) {
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', PYLN_SCRIPT, pyln.client, pyln.rpc, env.bigMethod, JSON.stringify(env.bigParams), String(PYLN_CALLS)], { maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout);
  return { ms: median(r.ms), all: r.ms, bytes: r.bytes };
}

/**
 * The big reply over Core Lightning's commando path with no WebSocket and no browser: our native
 * client (examples/probe, the Rust core over TCP) makes the call NATIVE_CALLS times, each on a
 * fresh connection, timed from sending the request to the parsed reply; returns the median ms.
 */
function nativeRound(native, env) {
  const text = JSON.stringify({ id: 'lnc-bench', method: env.bigMethod, params: env.bigParams, rune: env.rune });
  const cases = Array.from({ length: NATIVE_CALLS }, (_, i) => ({ name: `big ${i}`, chunks: [{ id: 1, last: true, text }], expect: [1], wait_ms: 60_000 }));
  const input = JSON.stringify({ addr: native.addr, node_id: env.nodeId, private_key: '11'.repeat(32), cases });
  const out = execFileSync(PROBE, { input, encoding: 'utf8', maxBuffer: 256 << 20 }).trim().split('\n').map((l) => JSON.parse(l));
  const ms = out.map((r) => {
    if (!r.replies['1']?.result) throw new Error(`probe: no result for ${env.bigMethod}: ${JSON.stringify(r).slice(0, 200)}`);
    return r.ms['1'];
  });
  return { ms: median(ms), all: ms };
}

// ---------------------------------------------------------------- figures and output

function figures(rounds, shipped, env) {
  const F = [];
  const add = (name, unit, better, get) => {
    const v = Object.fromEntries(LIBS.map((lib) => [lib, rounds.map((r) => get(r[lib])).filter((x) => Number.isFinite(x))]));
    if (!v.ours.length && !v.lnmessage.length) return;
    F.push({ name, unit, better, v });
  };
  const mb = (bytes) => bytes / 1e6;
  add('connect → first getinfo, fresh page (from navigation start)', 'ms', 'lower', (r) => r.main.cold.fromNav);
  add('connect → first getinfo, fresh page (from dynamic import)', 'ms', 'lower', (r) => r.main.cold.fromImport);
  add(`connect → first getinfo, warm (same page, median of ${WARM})`, 'ms', 'lower', (r) => median(r.main.warmMs));
  add(`${CALLS} sequential ${env.echoMethod} calls, total`, 'ms', 'lower', (r) => r.main.seq);
  add(`${CALLS} sequential ${env.echoMethod} calls, per call`, 'ms', 'lower', (r) => r.main.seq / CALLS);
  add(`${CALLS} concurrent ${env.echoMethod} calls, total`, 'ms', 'lower', (r) => r.main.conc);
  add(`${CALLS} concurrent ${env.echoMethod} calls, per call`, 'ms', 'lower', (r) => r.main.conc / CALLS);
  add(`${CALLS} sequential ${env.echoMethod} calls: page main-thread busy, per call`, 'ms', 'lower', (r) => r.main.seqBusy / CALLS);
  add(`${CALLS} concurrent ${env.echoMethod} calls: page main-thread busy, per call`, 'ms', 'lower', (r) => r.main.concBusy / CALLS);
  if (env.bigMethod) {
    const what = env.bigMethod === 'bigreply' ? `${BIG >> 20} MiB bigreply` : `${env.bigMethod} reply`;
    add(`${what}: call → parsed result`, 'ms', 'lower', (r) => r.main.big.ms);
    add(`${what}: throughput (reply JSON)`, 'MB/s', 'higher', (r) => mb(r.main.big.bytes) / (r.main.big.ms / 1000));
    add(`${what}: page main-thread busy`, 'ms', 'lower', (r) => r.main.bigBusy);
    add(`${what}: peak renderer RSS increase`, 'MB', 'lower', (r) => mb(r.mem.rssPeak));
    add(`${what}: peak JS heap increase (sampled)`, 'MB', 'lower', (r) => mb(r.mem.heapPeak));
    add(`${what}: wasm memory growth (lncommando only)`, 'MB', 'lower', (r) => (r.mem.wasm1 === null ? NaN : mb(r.mem.wasm1 - r.mem.wasm0)));
    add(`${what}: wasm memory after the reply (lncommando only)`, 'MB', 'lower', (r) => (r.mem.wasm1 === null ? NaN : mb(r.mem.wasm1)));
  }
  const out = {};
  for (const { name, unit, better, v } of F) {
    const ours = v.ours.length ? median(v.ours) : null;
    const lnm = v.lnmessage.length ? median(v.lnmessage) : null;
    out[name] = {
      ours, lnmessage: lnm, ratio: ours !== null && lnm ? ours / lnm : null, unit, better,
      ours_min: v.ours.length ? Math.min(...v.ours) : null, ours_max: v.ours.length ? Math.max(...v.ours) : null,
      lnmessage_min: v.lnmessage.length ? Math.min(...v.lnmessage) : null, lnmessage_max: v.lnmessage.length ? Math.max(...v.lnmessage) : null,
      runs: rounds.length, quick: QUICK,
    };
  }
  const kb = (b) => b / 1000;
  for (const [name, key] of [['shipped bytes, minified (js + wasm)', 'raw'], ['shipped bytes, minified + gzip -9 (js + wasm)', 'gz']]) {
    const ours = kb(shipped.ours[key]);
    const lnm = kb(shipped.lnmessage[key]);
    out[name] = { ours, lnmessage: lnm, ratio: ours / lnm, unit: 'KB', better: 'lower', ours_min: ours, ours_max: ours, lnmessage_min: lnm, lnmessage_max: lnm, runs: 1, quick: QUICK };
  }
  return out;
}

/**
 * The ceilings of one node (see the top of this file), each {ours, ceiling, ratio: ours/ceiling,
 * lnmessage, lnmessage_ratio, goal, …}: medians over rounds; the echo's ceiling over both
 * libraries' pages (each round measures it in each).
 */
function ceilings(rounds, env, kind) {
  const out = {};
  const add = (name, unit, better, goal, get, getCeiling) => {
    const v = Object.fromEntries(LIBS.map((lib) => [lib, rounds.map((r) => get(r[lib])).filter((x) => Number.isFinite(x))]));
    const c = rounds.flatMap(getCeiling).filter((x) => Number.isFinite(x));
    if (!c.length || !v.ours.length) return;
    const ceiling = median(c);
    const m = (lib) => (v[lib].length ? median(v[lib]) : null);
    out[name] = {
      ours: m('ours'), ceiling, ratio: m('ours') / ceiling, lnmessage: m('lnmessage'),
      lnmessage_ratio: m('lnmessage') === null ? null : m('lnmessage') / ceiling, unit, better, goal,
      ours_min: Math.min(...v.ours), ours_max: Math.max(...v.ours), ceiling_min: Math.min(...c), ceiling_max: Math.max(...c),
      lnmessage_min: v.lnmessage.length ? Math.min(...v.lnmessage) : null, lnmessage_max: v.lnmessage.length ? Math.max(...v.lnmessage) : null,
      runs: rounds.length, quick: QUICK,
    };
  };
  const echo = kind === 'test' ? "the test node's own --echo" : "loopback: the test node's --echo";
  add(`ceiling: sequential ${env.echoMethod} call vs raw WebSocket echo (${ECHO_BYTES} B, ${echo}), per call`, 'ms', 'lower', '≤ 1.3×',
    (r) => r.main.seq / CALLS, (r) => LIBS.map((lib) => r[lib].main.echo / CALLS));
  if (env.bigMethod) {
    const what = `${env.bigMethod} reply`;
    add(`ceiling: ${what} throughput vs pyln-client over the node's unix RPC socket`, 'MB/s', 'higher', '≥ 0.5×',
      (r) => r.main.big.bytes / 1e3 / r.main.big.ms, (r) => (r.pyln ? [r.pyln.bytes / 1e3 / r.pyln.ms] : []));
    add(`ceiling: ${what} call → parsed result vs pyln-client over the node's unix RPC socket`, 'ms', 'lower', '≤ 2×',
      (r) => r.main.big.ms, (r) => (r.pyln ? [r.pyln.ms] : []));
    add(`ceiling: ${what} call → parsed result vs our native client over TCP (the node's commando path, no WebSocket, no browser)`, 'ms', 'lower', '—',
      (r) => r.main.big.ms, (r) => (r.native ? [r.native.ms] : []));
  }
  return out;
}

const fmt = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));
const cell = (med, lo, hi) => (med === null ? '—' : lo === hi ? fmt(med) : `${fmt(med)} (${fmt(lo)}–${fmt(hi)})`);

const times = (r) => (r === null || r === undefined ? '—' : `${r.toFixed(2)}×`);

/** A markdown table; the columns numbered in `right` are right-aligned. */
function grid(head, rows, right) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]].length)));
  const line = (r) => `| ${r.map((c, i) => (right.includes(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (right.includes(i) ? `${'-'.repeat(n + 1)}:` : `${'-'.repeat(n + 2)}`)).join('|')}|`, ...rows.map(line)].join('\n');
}

function table(results, other, otherLabel) {
  const rows = Object.entries(results).map(([name, f]) => [
    name, f.unit, cell(f.ours, f.ours_min, f.ours_max), cell(f[other], f[`${other}_min`], f[`${other}_max`]), times(f.ratio), f.better ?? '',
  ]);
  return grid(['figure', 'unit', 'ours median (min–max)', `${otherLabel} median (min–max)`, `ours/${otherLabel}`, 'better'], rows, [2, 3, 4]);
}

function ceilingTable(results) {
  const rows = Object.entries(results).map(([name, f]) => [
    name, f.unit, cell(f.ours, f.ours_min, f.ours_max), cell(f.ceiling, f.ceiling_min, f.ceiling_max), times(f.ratio), f.goal,
    cell(f.lnmessage, f.lnmessage_min, f.lnmessage_max), times(f.lnmessage_ratio),
  ]);
  return grid(['figure', 'unit', 'ours median (min–max)', 'ceiling median (min–max)', 'ours/ceiling', 'goal', 'lnmessage median (min–max)', 'lnmessage/ceiling'], rows, [2, 3, 4, 6, 7]);
}

// ---------------------------------------------------------------- main

/**
 * The node of `kind`, what the pages call on it, and its ceilings' servers. Core Lightning
 * (scripts/cln/node.mjs, built once): getinfo for the echo figures, and for the big reply
 * `listdatastore` of two 900 000-character entries (~5.4 MB of JSON: each string and its hex),
 * stored first; beside it, a test node for its `--echo` and pyln-client on its RPC socket. The
 * test node serves its own echo; a node of yours (LNC_URL) has no ceilings.
 */
async function benchNode(kind) {
  const echoArgs = async () => ['--echo', `127.0.0.1:${await freePort()}`];
  const echoUrl = (args) => `ws://${args[1]}`;
  if (kind !== 'cln') {
    const args = kind === 'test' ? await echoArgs() : [];
    const node = await startNode(args);
    return {
      stop: () => node.stop(),
      label: node.real ? `real node ${node.url}` : 'test node',
      env: {
        url: node.url, nodeId: node.nodeId, rune: node.rune, infoMethod: 'getinfo',
        echoUrl: node.real ? null : echoUrl(args),
        echoMethod: node.real ? (process.env.LNC_BENCH_ECHO_METHOD ?? 'getinfo') : 'echo',
        bigMethod: node.real ? (process.env.LNC_BENCH_BIG_METHOD ?? null) : 'bigreply',
        bigParams: node.real ? JSON.parse(process.env.LNC_BENCH_BIG_PARAMS ?? '{}') : { bytes: BIG },
      },
    };
  }
  const node = await startCln();
  const args = await echoArgs();
  let echoNode;
  const stop = async () => { echoNode?.stop(); await node.stop(); };
  let client;
  try {
    echoNode = await startNode(args);
    client = pylnClient(node.version);
    if (!client) log(`no pyln-client (no Core Lightning ${node.version} source, none installed): the node-RPC ceiling is left out`);
    const { connect } = await import('../pkg/index.js');
    const c = await connect({ url: node.url, nodeId: node.nodeId, rune: node.rune });
    for (const key of ['a', 'b']) {
      await c.commando('datastore', { key: ['lncommando-bench', key], string: key.repeat(QUICK ? 100_000 : 900_000), mode: 'create-or-replace' });
    }
    await c.close();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    stop,
    label: `Core Lightning ${node.version}`,
    env: {
      url: node.url, nodeId: node.nodeId, rune: node.rune, infoMethod: 'getinfo', echoMethod: 'getinfo',
      echoUrl: echoUrl(args), bigMethod: 'listdatastore', bigParams: { key: ['lncommando-bench'] },
    },
    pyln: client ? { client, rpc: join(node.dir, 'regtest', 'lightning-rpc') } : null,
    native: existsSync(PROBE) ? { addr: node.tcp } : null,
  };
}

// The nodes to run against, in order: LNC_BENCH_NODES (test,cln), or the LNC_URL node alone.
const kinds = nodeKinds('LNC_BENCH_NODES');
const watchdog = setTimeout(() => {
  console.error(`[bench] FAILED: still running after ${(kinds.length * LIMIT_MS) / 1000} s`);
  process.exit(1);
}, kinds.length * LIMIT_MS);
let server;
let browser;
let failed = false;
const stops = [];
try {
  const shipped = await stage();
  server = await serve(www);
  browser = await launch();
  const bcdp = await browser.newBrowserCDPSession();
  const lnmVersion = JSON.parse(readFileSync(join(benchDir, 'node_modules/lnmessage/package.json'), 'utf8')).version;
  const merged = {};
  const allRounds = {};
  for (const kind of kinds) {
    const { stop, label, env, pyln, native } = await benchNode(kind);
    if (kind === 'cln' && !native) log(`no ${PROBE} (cargo build --release --example probe): the commando-path ceiling is left out`);
    stops.push(stop);
    log(`${QUICK ? 'quick' : 'full'} run: ${ROUNDS} round(s), ${CALLS} calls, ${env.bigMethod ? `${env.bigMethod} ${JSON.stringify(env.bigParams)}` : 'no big reply'}, ${label}, Chromium ${browser.version()}`);
    log(`${label}: ceilings: raw WebSocket echo ${env.echoUrl ?? '(none)'}${pyln ? `; pyln-client ${pyln.client} on ${pyln.rpc}, ${PYLN_CALLS} calls a round` : ''}`);
    const rounds = [];
    const t0 = Date.now();
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 ? ['lnmessage', 'ours'] : ['ours', 'lnmessage'];
      const round = { ours: {}, lnmessage: {} };
      for (const lib of order) round[lib].main = await runMain(browser, server.url, env, lib);
      if (env.bigMethod) {
        for (const lib of [...order].reverse()) round[lib].mem = await runMemory(browser, bcdp, server.url, env, lib);
      }
      if (pyln) round.pyln = await pylnRound(pyln, env);
      if (native) round.native = nativeRound(native, env);
      rounds.push(round);
      log(`${label}: round ${i + 1}/${ROUNDS} (${order.join(' then ')}) done at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const results = figures(rounds, shipped, env);
    const ceiled = ceilings(rounds, env, kind);
    let profiles = null;
    if (PROFILE) {
      profiles = {};
      for (const what of env.bigMethod ? ['big', 'seq'] : ['seq']) for (const lib of LIBS) profiles[`${what}-${lib}`] = await runProfile(browser, server.url, env, lib, what);
    }
    if (problems.length) throw new Error(`the pages reported errors:\n  ${problems.join('\n  ')}`);
    await stops.pop()();

    console.log(`\nlncommando vs lnmessage ${lnmVersion} in headless Chromium ${browser.version()}, ${label}, ${rounds.length} round(s)${QUICK ? ' (quick)' : ''}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (${cpus().length} cores)`);
    console.log(table(results, 'lnmessage', 'lnmessage'));
    if (Object.keys(ceiled).length) {
      console.log(`\nceilings, ${label}: ours (and lnmessage) against the fastest the same work can be done here`);
      console.log(ceilingTable(ceiled));
    }
    // The test node's figures under their own names (as before); the others prefixed.
    for (const [k, v] of Object.entries({ ...results, ...ceiled })) merged[kind === 'test' ? k : `${label}: ${k}`] = v;
    allRounds[label] = { env: { ...env, rune: undefined }, rounds, profiles };
    if (profiles) {
      for (const [key, p] of Object.entries(profiles)) {
        const [what, lib] = key.split('-');
        console.log(`\nprofile of ${what === 'big' ? `one ${env.bigMethod}` : `${CALLS} sequential ${env.echoMethod} calls`} (${lib}, ${label}): ${fmt(p.ms)} ms in the page, ${fmt(p.totalMs)} ms sampled (${Object.entries(p.kinds).sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${fmt(ms)} ms`).join(', ')}); top self time:`);
        const a = p.arrival;
        if (a) console.log(`  its ${a.messages} WebSocket messages (${fmt(a.bytes / 1e6)} MB) reached the main thread from ${fmt(a.firstMs)} to ${fmt(a.lastMs)} ms after the call`);
        for (const t of p.top) console.log(`  ${fmt(t.ms).padStart(7)} ms ${t.pct.toFixed(1).padStart(5)}%  ${t.fn}`);
      }
    }
  }
  console.log(`\nshipped files (minified, gzip -9): ${Object.entries({ ...shipped.ours.each, ...shipped.lnmessage.each }).map(([f, s]) => `${f} ${s.bytes} B (${s.gzip} B)`).join(', ')}`);
  const nativeFile = join(outDir, 'native.json');
  if (existsSync(nativeFile)) {
    const native = JSON.parse(await readFile(nativeFile, 'utf8'));
    for (const [k, v] of Object.entries(native)) merged[k in merged ? `native: ${k}` : k] = v;
    console.log('\nnative (target/bench/native.json):');
    console.log(table(native, 'ceiling', 'ceiling'));
  }
  mkdirSync(outDir, { recursive: true });
  if (ROUNDS > 0) {
    const suffix = QUICK ? '-quick' : '';
    writeFileSync(join(outDir, `results${suffix}.json`), `${JSON.stringify(merged, null, 1)}\n`);
    writeFileSync(join(outDir, `browser-rounds${suffix}.json`), `${JSON.stringify({ quick: QUICK, calls: CALLS, shipped, nodes: allRounds }, null, 1)}\n`);
    console.log(`\nwrote target/bench/results${suffix}.json (round by round: target/bench/browser-rounds${suffix}.json)`);
  } else {
    console.log('\nno rounds (LNC_BENCH_ROUNDS=0): results.json left as it was');
  }
} catch (e) {
  console.error(`[bench] FAILED: ${e?.stack ?? e}`);
  failed = true;
} finally {
  clearTimeout(watchdog);
  await browser?.close().catch(() => {});
  server?.close();
  for (const stop of stops) await stop();
}
process.exit(failed ? 1 : 0);
