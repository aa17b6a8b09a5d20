// What a browser app ships of lnmessage: its default export, bundled by scripts/bench.mjs with
// esbuild (--bundle --minify --format=esm --platform=browser).
export { default as LnMessage } from 'lnmessage';
