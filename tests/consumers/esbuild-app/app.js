// An app bundled by esbuild (`esbuild app.js --bundle`), as ESM and as an IIFE. esbuild does
// not copy the .wasm: the build step copies it next to the bundle, and the app says where it is
// with connect({ wasm }) (a path relative to the page, which works in both formats).
import { connect } from 'lncommando';
import { showGetinfo } from '../shared/show-getinfo.js';

showGetinfo(connect, { wasm: 'lncommando_wasm_bg.wasm' });
