// webpack 5 with no loaders or plugins: it turns `new URL('…wasm', import.meta.url)` in the
// package into an emitted asset by itself.
export default {
  mode: 'production',
  entry: './main.js',
  output: { path: new URL('./dist', import.meta.url).pathname, filename: 'main.js', clean: true },
  experiments: { topLevelAwait: true },
};
