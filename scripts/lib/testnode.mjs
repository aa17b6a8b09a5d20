// Starts lncommando-testnode on free loopback ports and reads its info file, or describes the
// real node given by LNC_URL, LNC_NODE_ID and LNC_RUNE.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/**
 * The kinds of node a run covers, in order: ['external'] for the node given by LNC_URL,
 * LNC_NODE_ID and LNC_RUNE; else the list in `variable` (default both: 'test', then 'cln').
 */
export function nodeKinds(variable) {
  if (process.env.LNC_URL && process.env.LNC_NODE_ID && process.env.LNC_RUNE) return ['external'];
  const want = (process.env[variable] ?? 'test,cln').split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of want) if (k !== 'test' && k !== 'cln') throw new Error(`${variable}: unknown node kind ${k} (test, cln)`);
  return want;
}

export async function startNode(extraArgs = []) {
  if (process.env.LNC_URL && process.env.LNC_NODE_ID && process.env.LNC_RUNE) {
    return {
      url: process.env.LNC_URL, nodeId: process.env.LNC_NODE_ID, rune: process.env.LNC_RUNE,
      readonlyRune: undefined, real: true, stop() {},
    };
  }
  const bin = process.env.LNC_TESTNODE ?? join(root, 'target/release/lncommando-testnode');
  if (!existsSync(bin)) throw new Error(`${bin} not found: run cargo build --release -p lncommando-testnode`);
  // A known key, so that a restarted node keeps its id (and its runes).
  const secret = randomBytes(32).toString('hex');
  const launchNode = async (ws, tcp) => {
    const info = join(tmpdir(), `lncommando-js-${process.pid}-${Date.now()}.json`);
    const child = spawn(bin, ['--ws', ws, '--tcp', tcp, '--secret', secret, '--info-file', info, ...extraArgs], {
      stdio: ['ignore', 'ignore', process.env.LNC_TESTNODE_LOG ? 'inherit' : 'ignore'],
    });
    const deadline = Date.now() + 20000;
    while (!existsSync(info)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the test node did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const v = JSON.parse(readFileSync(info, 'utf8'));
    rmSync(info, { force: true });
    return { child, v };
  };
  let { child, v } = await launchNode('127.0.0.1:0', '127.0.0.1:0');
  const ws = v.ws_url.replace('ws://', '');
  const tcp = v.tcp;
  return {
    url: v.ws_url, nodeId: v.node_id, rune: v.rune, readonlyRune: v.readonly_rune, real: false, tcp,
    stop() { child.kill(); },
    /** Kills the node (SIGKILL: no goodbye) and resolves when it is gone. */
    kill() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGKILL');
      });
    },
    /** Starts it again on the same ports with the same key. */
    async restart() {
      ({ child } = await launchNode(ws, tcp));
    },
  };
}

/** Prints each case and the summary line; a skipped case is counted as skipped, not passed. */
export function report(where, results) {
  let failed = 0;
  let skipped = 0;
  for (const r of results) {
    const mark = r.skipped ? 'skip' : r.ok ? ' ok ' : 'FAIL';
    console.log(`[${where}] ${mark} ${r.name} (${r.ms} ms)${r.note ? `: ${r.note}` : ''}`);
    if (r.skipped) skipped += 1;
    else if (!r.ok) {
      failed += 1;
      console.log(`       ${r.error}`);
    }
  }
  const passed = results.length - failed - skipped;
  console.log(`[${where}] ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed;
}
