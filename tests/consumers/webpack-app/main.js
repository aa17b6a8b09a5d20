// An app bundled by webpack 5: `import … from 'lncommando'`, no configuration for the wasm.
import { connect } from 'lncommando';
import { showGetinfo } from '../shared/show-getinfo.js';

showGetinfo(connect);
