// An app bundled by Vite: `import … from 'lncommando'`, no configuration for the wasm.
import { connect } from 'lncommando';
import { showGetinfo } from '../shared/show-getinfo.js';

showGetinfo(connect);
