// The JS API's cases in Node 20, with the `ws` package's WebSocket, against the test node.
import WebSocket from 'ws';
import * as lib from '../../pkg/index.js';
import { runCases } from './cases.mjs';
import { report, startNode } from './testnode.mjs';

const node = await startNode();
let failed = 1;
try {
  const results = await runCases(lib, { ...node, WebSocket });
  failed = report('node', results);
} finally {
  node.stop();
}
process.exit(failed ? 1 : 0);
