// Prints the shipped size of pkg/: every file a page loads, raw and gzip -9.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dir = new URL('../pkg/', import.meta.url);
const shipped = readdirSync(dir).filter((f) => /\.(js|wasm)$/.test(f));
let raw = 0;
let gz = 0;
for (const f of shipped.sort()) {
  const b = readFileSync(new URL(f, dir));
  const g = gzipSync(b, { level: 9 }).length;
  raw += b.length;
  gz += g;
  console.log(`${f.padEnd(28)} ${String(b.length).padStart(8)} B  ${String(g).padStart(7)} B gzip`);
}
console.log(`${'shipped (js + wasm)'.padEnd(28)} ${String(raw).padStart(8)} B  ${String(gz).padStart(7)} B gzip`);
