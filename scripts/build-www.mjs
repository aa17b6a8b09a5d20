// Assembles the admin panel for serving or hosting: www/ plus the package (pkg/, built by
// `make pkg`) as lncommando/ and the QR encoder (npm qrcode-generator) as vendor/qrcode.js.
// `node scripts/build-www.mjs [DIR]` (default target/www); the result is static files only.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

export function buildWww(dest = join(root, 'target/www')) {
  if (!existsSync(join(root, 'pkg/index.js'))) throw new Error('pkg/ is missing: run make pkg');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(join(root, 'www'), dest, { recursive: true });
  cpSync(join(root, 'pkg'), join(dest, 'lncommando'), { recursive: true });
  mkdirSync(join(dest, 'vendor'), { recursive: true });
  cpSync(join(root, 'node_modules/qrcode-generator/dist/qrcode.mjs'), join(dest, 'vendor/qrcode.js'));
  return dest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(buildWww(process.argv[2]));
}
