// Node benchmark: alternates the modules, 5 rounds of bench(N), prints medians.
// usage: node bench.js [N] [suffix]   (suffix "-opt" = wasm-opt -Oz'd builds, "" = plain wasm-bindgen output)
const N = +(process.argv[2] || 1000);
const suf = process.argv[3] ?? '-opt';
const path = require('path');
const mods = [
  ['k256', require(path.join(__dirname, 'out', 'k256' + suf, 'k256bench.js'))],
  ['secp256k1', require(path.join(__dirname, 'out', 'secp' + suf, 'secpbench.js'))],
];
try { mods.push(['secp256k1-lowmem', require(path.join(__dirname, 'out', 'secp-lowmem' + suf, 'secpbench.js'))]); } catch (e) {}
const now = () => Number(process.hrtime.bigint()) / 1e6;
const times = Object.fromEntries(mods.map(([n]) => [n, []]));
const results = {};
for (const [name, m] of mods) {
  const t0 = now(); const o = m.one(); const t1 = now();
  console.log(`${name}: one() = ${o.toString(16).padStart(8, '0')}  first call ${(t1 - t0).toFixed(2)} ms`);
  m.bench(50); // warm-up (JIT tier-up)
}
for (let r = 0; r < 5; r++) {
  const order = r % 2 ? [...mods].reverse() : mods;
  for (const [name, m] of order) {
    const t0 = now(); results[name] = m.bench(N); times[name].push(now() - t0);
  }
}
for (const [name] of mods) {
  const t = [...times[name]].sort((a, b) => a - b);
  console.log(`${name.padEnd(17)} bench(${N}) = ${(results[name] >>> 0).toString(16).padStart(8, '0')}  runs ms = [${times[name].map(x => x.toFixed(1)).join(', ')}]  median = ${t[2].toFixed(1)} ms`);
}
