// The benchmark page's two adapters and its measurements, driven by scripts/bench.mjs through
// playwright-core. Both libraries are loaded the way an app ships them (minified, from
// scripts/bench.mjs's staging directory): `./lncommando/index.js` (+ its wasm) and
// `./lnmessage.js` (lnmessage bundled by esbuild). Every time is performance.now() in ms.

/** Loads one library (timed by the caller) and returns a uniform adapter. */
export async function load(lib) {
  if (lib === 'ours') {
    const m = await import('./lncommando/index.js');
    return {
      async connect(env) {
        const c = await m.connect({ url: env.url, nodeId: env.nodeId, rune: env.rune });
        return { call: (method, params) => c.commando(method, params), close: () => c.close() };
      },
      // The wasm instance's linear memory (wasm-bindgen's init returns the instance's exports
      // once it is loaded): it only grows, so after a call it is the peak.
      async wasmMemoryBytes() {
        const w = await import('./lncommando/lncommando_wasm.js');
        return (await w.default()).memory.buffer.byteLength;
      },
    };
  }
  if (lib === 'lnmessage') {
    const { LnMessage } = await import('./lnmessage.js');
    return {
      async connect(env) {
        // lnmessage builds its URL as `${wsProtocol}//${ip}:${port}` (no path).
        const u = new URL(env.url);
        const ln = new LnMessage({
          remoteNodePublicKey: env.nodeId, ip: u.hostname, wsProtocol: u.protocol,
          port: Number(u.port || (u.protocol === 'wss:' ? 443 : 80)),
        });
        if (!(await ln.connect(false))) throw new Error('lnmessage: connect() resolved false');
        return {
          call: (method, params) => ln.commando({ method, params, rune: env.rune }),
          close: () => ln.disconnect(),
        };
      },
      async wasmMemoryBytes() { return null; }, // pure JS: no wasm memory
    };
  }
  throw new Error(`unknown library ${lib}`);
}

const now = () => performance.now();

/** connect() then the first getinfo; resolves with the ms it took and the connection. */
export async function connectAndGetinfo(adapter, env) {
  const t0 = now();
  const c = await adapter.connect(env);
  const info = await c.call(env.infoMethod, {});
  const ms = now() - t0;
  if (!info || typeof info !== 'object') throw new Error(`${env.infoMethod} gave no object`);
  if (env.infoMethod === 'getinfo' && info.id !== env.nodeId) throw new Error(`getinfo id ${info.id} is not ${env.nodeId}`);
  return { ms, c };
}

/** `warm` more connect + getinfo in this page (each closed after), in ms. */
export async function warmConnects(adapter, env, warm) {
  const out = [];
  for (let i = 0; i < warm; i++) {
    const { ms, c } = await connectAndGetinfo(adapter, env);
    out.push(ms);
    await c.close();
  }
  return out;
}

/** Checks an echo reply (the test node's echo returns its params; a real node: any object). */
function checkEcho(env, r, i) {
  if (env.echoMethod === 'echo' ? r?.i !== i : !r || typeof r !== 'object') {
    throw new Error(`${env.echoMethod} #${i}: wrong reply ${JSON.stringify(r)?.slice(0, 80)}`);
  }
}

export async function sequential(c, env, n) {
  const params = (i) => (env.echoMethod === 'echo' ? { i } : {});
  const t0 = now();
  for (let i = 0; i < n; i++) checkEcho(env, await c.call(env.echoMethod, params(i)), i);
  return now() - t0;
}

export async function concurrent(c, env, n) {
  const params = (i) => (env.echoMethod === 'echo' ? { i } : {});
  const t0 = now();
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => c.call(env.echoMethod, params(i))));
  const ms = now() - t0;
  if (rs.length !== n) throw new Error(`${rs.length} of ${n} answered`);
  rs.forEach((r, i) => checkEcho(env, r, i));
  return ms;
}

/** One big reply, from the call to the parsed result; its JSON size is measured afterwards. */
export async function big(c, env, keep) {
  const t0 = now();
  const r = await c.call(env.bigMethod, env.bigParams);
  const ms = now() - t0;
  if (keep) globalThis.__keep = r; // held until scripts/bench.mjs has taken its last sample
  const bytes = JSON.stringify(r).length;
  if (env.bigMethod === 'bigreply' && (r.bytes !== env.bigParams.bytes || bytes < r.bytes)) throw new Error(`bigreply gave ${bytes} bytes`);
  return { ms, bytes };
}

/**
 * The ceiling of the sequential calls: `n` binary messages of `size` bytes sent one after
 * another over a plain WebSocket to an echo server (the test node's `--echo`), each awaited back
 * and checked — the page's own loopback round trip, without crypto or protocol. The connection
 * opens (untimed) first; ms.
 */
export async function rawEcho(url, n, size) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`raw echo ${url}: the WebSocket failed`));
  });
  let answer;
  ws.onmessage = (e) => answer(e.data);
  const msg = new Uint8Array(size);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    msg[0] = i & 255;
    const back = await new Promise((resolve) => {
      answer = resolve;
      ws.send(msg);
    });
    if (back.byteLength !== size || new Uint8Array(back)[0] !== (i & 255)) throw new Error(`raw echo #${i}: wrong reply (${back.byteLength} bytes)`);
  }
  const ms = now() - t0;
  ws.close();
  return ms;
}
