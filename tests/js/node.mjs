// The JS API's cases in Node 20, with the `ws` package's WebSocket, against each node of
// nodes.mjs (the test node, then a real Core Lightning).
import WebSocket from 'ws';
import * as lib from '../../pkg/index.js';
import { runCases } from './cases.mjs';
import { control, describe, startTarget, targetKinds } from './nodes.mjs';
import { report } from '../../scripts/lib/testnode.mjs';

let failed = 0;
for (const kind of targetKinds()) {
  const node = await startTarget(kind);
  try {
    const results = await runCases(lib, { ...describe(node), control: (op) => control(node, op), WebSocket });
    failed += report(`node · ${node.label}`, results);
  } catch (e) {
    console.log(`[node · ${node.label}] FAIL the suite: ${e?.stack ?? e}`);
    failed += 1;
  } finally {
    await node.stop();
  }
}
process.exit(failed ? 1 : 0);
