// Rollup 4 with node-resolve, as its docs set up an app. Rollup does not copy the .wasm: the
// suite copies it next to the bundle, and main.js names it with connect({ wasm }).
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'main.js',
  output: { file: 'dist/main.js', format: 'es' },
  plugins: [nodeResolve({ browser: true })],
};
