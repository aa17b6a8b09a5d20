// An app bundled by Rollup 4: `import … from 'lncommando'`, the wasm named with connect({ wasm }).
import { connect } from 'lncommando';
import { showGetinfo } from '../shared/show-getinfo.js';

showGetinfo(connect, { wasm: new URL('./lncommando_wasm_bg.wasm', import.meta.url) });
