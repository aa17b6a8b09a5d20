// The nodes every end-to-end suite runs against, one after the other: our test node, then a
// real Core Lightning that the tests start and control (scripts/cln/node.mjs: built once into a
// cache, killed and restarted by the drop cases). Given LNC_URL, LNC_NODE_ID and LNC_RUNE (and
// optionally LNC_READONLY_RUNE), only that node, which the tests do not control.
// LNC_NODES=test or LNC_NODES=cln picks one of the first two (for a quicker local run).
//
// for (const node of await nodeTargets()) { … node.kind: 'test' | 'cln' | 'external';
//   node.label: 'test node' | 'Core Lightning v26.06.6' | 'the node at ws://…' }
import { startCln } from '../../scripts/cln/node.mjs';
import { nodeKinds, startNode } from '../../scripts/lib/testnode.mjs';

/** The kinds to run, in order. */
export function targetKinds() {
  return nodeKinds('LNC_NODES');
}

/** Starts (or describes) a node of `kind`; `args` go to the test node. */
export async function startTarget(kind, args = []) {
  if (kind === 'test') {
    const n = await startNode(args);
    return { ...n, kind, label: 'test node', version: 'test node', async stop() { n.stop(); } };
  }
  if (kind === 'cln') {
    const n = await startCln();
    return Object.assign(n, { kind, label: `Core Lightning ${n.version}` });
  }
  return {
    kind: 'external',
    label: `the node at ${process.env.LNC_URL}`,
    url: process.env.LNC_URL,
    nodeId: process.env.LNC_NODE_ID,
    rune: process.env.LNC_RUNE,
    readonlyRune: process.env.LNC_READONLY_RUNE,
    real: true,
    async stop() {},
  };
}

/** What a suite passes to the cases about a node (plain data, so a page can take it too). */
export function describe(node) {
  return {
    kind: node.kind,
    label: node.label,
    url: node.url,
    nodeId: node.nodeId,
    rune: node.rune,
    readonlyRune: node.readonlyRune,
    real: node.kind !== 'test',
    controlled: node.kind !== 'external',
    // Through a proxy that keeps the browser's side open when the node hangs up (wss-proxy).
    hidesHangup: !!node.hidesHangup,
  };
}

/**
 * What the cases may do to a node they control: `kill` (SIGKILL, no goodbye), `restart` (same
 * ports, key and runes), and for the test node nothing more. Resolves when done.
 */
export async function control(node, op) {
  if (op === 'kill') return node.kill();
  if (op === 'restart') return node.restart();
  throw new Error(`unknown control ${op}`);
}
