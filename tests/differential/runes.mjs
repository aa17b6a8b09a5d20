// restrictRune and checkRune held to a real node: generated (restrictions, request) pairs, a rune
// narrowed offline with restrictRune from the node's full rune for each, then the call made for
// real over commando with that rune. checkRune's prediction must be the node's answer: allowed
// (any reply but a rune refusal) or refused with the node's own message. The same pairs also go
// to the node's `checkrune` RPC, whose verdict and message must match too.
//
// The pairs come from a fixed seed (the same every run) and cover every operator on every kind
// of field: method, id, time, pnum, pnameX (punctuation, nested values, escapes, unicode),
// parrN, rate/per, pinv…, unknown fields; numbers negative, huge, not numbers, with a sign or
// a leading space. Only harmless methods are called (read-only ones and names that do not
// exist). A coverage check fails the suite if an operator or a field kind was never both
// allowed and refused.
//
//   node tests/differential/runes.mjs   (LNC_NODES=cln or test for one; LNC_RUNE_PAIRS=N)
import { createECDH } from 'node:crypto';
import WebSocket from 'ws';
import * as lib from '../../pkg/index.js';
import { startTarget, targetKinds } from '../js/nodes.mjs';
import { report } from '../../scripts/lib/testnode.mjs';

const PAIRS = Number(process.env.LNC_RUNE_PAIRS ?? 600);
const SEED = 20261203;

// Our key, so that the `id` field (the caller's node id) is known.
const PRIVATE_KEY = '22'.repeat(32);
const ecdh = createECDH('secp256k1');
ecdh.setPrivateKey(Buffer.from(PRIVATE_KEY, 'hex'));
const OUR_ID = ecdh.getPublicKey('hex', 'compressed');

/** mulberry32: a small deterministic generator. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  return { next, int, pick, chance: (p) => next() < p };
}

const OPS = ['!', '=', '/', '^', '$', '~', '<', '>', '{', '}', '#'];
// ASCII punctuation (Core Lightning strips it from parameter names), and a field name: what
// comes before the first punctuation other than `_` (the operator).
const PUNCTUATION = /[!-/:-@[-`{-~]/g;
const FIELD_NAME = /^[^!-/:-@[-^`{-~]*/;
const bareName = (name) => name.replace(PUNCTUATION, '');
/** An alternative as `{field, op}`, from either of its forms (`'field=value'` or parts). */
const fieldAndOp = (a) => {
  if (typeof a !== 'string') return a;
  const field = FIELD_NAME.exec(a)[0];
  return { field, op: a[field.length] };
};
// Harmless: read-only methods, and names the node does not have.
const METHODS = ['getinfo', 'listfunds', 'listpeers', 'help', 'listinvoices', 'nosuchmethod', 'méthode', 'get"info', 'list\\x'];
const STRINGS = ['x', 'a"b', 'back\\slash', 'é', 'línea\nnueva', '\u0001', '10', '-5', ' 5', '', '|&', 'getinfo', 'a b'];
const NUMBERS = [0, 5, -5, 10, 9007199254740991, -9007199254740991, 1.5, 1e21, -0];
const NAMES = ['label', 'amount_msat', 'id', 'x', 'a-b', 'é', 'long_name_here'];

function randomValue(g, depth = 0) {
  const k = g.int(depth > 1 ? 4 : 6);
  if (k === 0) return g.pick(STRINGS);
  if (k === 1) return g.pick(NUMBERS);
  if (k === 2) return g.pick([true, false, null]);
  if (k === 3) return g.pick(STRINGS) + g.pick(STRINGS);
  if (k === 4) return [randomValue(g, depth + 1), randomValue(g, depth + 1)].slice(0, g.int(3));
  return { [g.pick(NAMES)]: randomValue(g, depth + 1) };
}

function randomRequest(g) {
  const method = g.pick(METHODS);
  const n = g.int(4);
  let params;
  if (g.chance(0.35)) params = Array.from({ length: n }, () => randomValue(g));
  else {
    params = {};
    for (let i = 0; i < n; i++) params[g.pick(NAMES)] = randomValue(g);
  }
  return { method, params };
}

/** The text a field has in the request, as the node sees it (for values that hit). */
function fieldText(field, req, now) {
  if (field === 'method') return JSON.stringify(req.method).slice(1, -1);
  if (field === 'id') return OUR_ID;
  if (field === 'time') return String(now);
  if (field === 'pnum') return String(Object.keys(req.params).length);
  let v;
  if (field.startsWith('pname')) {
    const name = field.slice(5);
    if (Array.isArray(req.params)) return undefined;
    const key = Object.keys(req.params).find((k) => k === name || bareName(k) === name);
    if (key === undefined) return undefined;
    v = req.params[key];
  } else if (field.startsWith('parr')) {
    if (!Array.isArray(req.params)) return undefined;
    v = req.params[Number(field.slice(4))];
    if (v === undefined) return undefined;
  } else return undefined;
  const json = JSON.stringify(v);
  return typeof v === 'string' ? json.slice(1, -1) : json;
}

function randomField(g, req) {
  const named = Array.isArray(req.params) ? [] : Object.keys(req.params);
  const params = Array.isArray(req.params) ? ['parr', 'parr', 'parr', 'pname'] : ['pname', 'pname', 'pname', 'parr'];
  const kind = g.pick(['method', 'method', 'id', 'time', 'pnum', ...params, 'rate', 'per', 'pinv', 'other']);
  switch (kind) {
    case 'pname': {
      const name = named.length && g.chance(0.8) ? g.pick(named) : g.pick(NAMES);
      // As written, or without punctuation (a field name cannot hold punctuation but `_`).
      const bare = bareName(name);
      return FIELD_NAME.exec(name)[0] !== name || g.chance(0.5) ? `pname${bare}` : `pname${name}`;
    }
    case 'parr': return `parr${Array.isArray(req.params) && req.params.length && g.chance(0.8) ? g.int(req.params.length) : g.pick(['0', '1', '2', '01'])}`;
    case 'pinv': return g.pick(['pinvbolt11_amount', 'pinvfoo']);
    case 'other': return g.pick(['foo', 'Method', 'pnum2']);
    default: return kind;
  }
}

function randomAltValue(g, field, op, req, now) {
  if (field === 'rate') return g.pick(['1', '1000', '0', 'x', '2min', ' 3', '4294967295']);
  if (field === 'per') return g.pick(['1sec', '5', '1week', '0', '1msec', '4294967294day', 'x']);
  const text = fieldText(field, req, now);
  if (field === 'time' && (op === '<' || op === '>')) return String(now + g.pick([-100000, 100000, 10 ** 12]));
  if (field === 'time') return g.pick([String(now + 86400), 'x', '-1']);
  const numeric = text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
  if ((op === '<' || op === '>') && numeric !== undefined && g.chance(0.7)) {
    // Mostly on the passing side of the field's value.
    return String(numeric + (op === '<' ? 1 : -1) * g.pick([1, 1000, 0, -1]));
  }
  // Sorting: a value just after the field's text, or a prefix of it (both pass).
  if ((op === '{' || op === '}') && text !== undefined && g.chance(0.4)) return op === '{' ? `${text}~` : text.slice(0, -1);
  const pool = ['5', '-5', '99999999999999999999', '+5', ' 5', '5 ', 'x', '', 'é', 'a"b', 'a\\"b', 'a|b', 'x&y', '\\'];
  if (text === undefined || g.chance(0.3)) return g.pick(pool);
  switch (g.int(4)) {
    case 0: return text;
    case 1: return text.slice(0, 1 + g.int(Math.max(1, text.length)));
    case 2: return text.slice(g.int(Math.max(1, text.length)));
    default: return text + g.pick(['', 'x', '~']);
  }
}

function randomRestrictions(g, req, now) {
  const out = [];
  const n = 1 + (g.chance(0.4) ? g.int(3) : 0);
  for (let i = 0; i < n; i++) {
    const alts = [];
    const m = 1 + (g.chance(0.3) ? g.int(3) : 0);
    for (let j = 0; j < m; j++) {
      const field = randomField(g, req);
      const op = field === 'rate' || field === 'per' ? (g.chance(0.9) ? '=' : '<') : g.pick(OPS);
      const value = randomAltValue(g, field, op, req, now);
      // Half as createrune strings, half as parts: both forms are the API.
      alts.push(g.chance(0.5) ? `${field}${op}${value}` : { field, op, value });
    }
    out.push(alts);
  }
  return out;
}

const describeAlt = (a) => (typeof a === 'string' ? a : `${a.field}${a.op}${a.value}`);

/** The node's real answer to a call: {allowed: true} or {allowed: false, reason} (a rune refusal). */
async function realOutcome(c, req, rune) {
  try {
    await c.commando(req.method, req.params, { rune, timeoutMs: 20000 });
    return { allowed: true };
  } catch (e) {
    if (e?.code === lib.ErrorCode.NOT_AUTHORISED) {
      return { allowed: false, reason: String(e.message).replace(/^Invalid rune: /, '') };
    }
    if (e instanceof lib.CommandoError && e.reason !== 'node' && e.reason !== 'rejected') throw e;
    return { allowed: true, note: `${e.code} ${e.message}` };
  }
}

/** The node's `checkrune` RPC on the same pair: {allowed: true} or {allowed: false, reason}. */
async function checkruneOutcome(c, req, rune) {
  try {
    const r = await c.commando('checkrune', { rune, nodeid: OUR_ID, method: req.method, params: req.params }, { timeoutMs: 20000 });
    return r.valid === true ? { allowed: true } : { allowed: false, reason: `valid: ${JSON.stringify(r.valid)}` };
  } catch (e) {
    if (!(e instanceof lib.CommandoError) || e.reason !== 'node') throw e;
    return { allowed: false, reason: e.message, code: e.code };
  }
}

async function suite(node) {
  const results = [];
  const c = await lib.connect({ url: node.url, nodeId: node.nodeId, rune: node.rune, privateKey: PRIVATE_KEY, WebSocket });
  const g = rng(SEED);
  const counts = { pairs: 0, allowed: 0, refused: 0, unknown: 0, checkrune: 0, limitFirst: 0 };
  const disagreements = [];
  const checkruneDisagreements = [];
  // Per operator and field kind: [allowed seen, refused seen] by the real node.
  const coverage = new Map();
  const seen = (key, allowed) => {
    const v = coverage.get(key) ?? [0, 0];
    v[allowed ? 0 : 1] += 1;
    coverage.set(key, v);
  };
  const kindOf = (f) => (/^(pname|parr|pinv)/.exec(f)?.[1] ?? (['method', 'id', 'time', 'pnum', 'rate', 'per'].includes(f) ? f : 'other'));
  const t0 = Date.now();
  for (let i = 0; i < PAIRS; i++) {
    const now = Math.floor(Date.now() / 1000);
    const req = randomRequest(g);
    const restrictions = randomRestrictions(g, req, now);
    const label = `#${i} ${restrictions.map((r) => r.map(describeAlt).join('|')).join(' & ')} · ${req.method} ${JSON.stringify(req.params)}`;
    let rune;
    try {
      rune = await lib.restrictRune(node.rune, restrictions);
    } catch (e) {
      disagreements.push(`${label}: restrictRune threw ${e.message}`);
      continue;
    }
    const predicted = await lib.checkRune(rune, { ...req, nodeId: OUR_ID, time: now });
    const real = await realOutcome(c, req, rune);
    counts.pairs += 1;
    counts[predicted.allowed === true ? 'allowed' : predicted.allowed === false ? 'refused' : 'unknown'] += 1;
    const alts = restrictions.flat().map(fieldAndOp);
    if (predicted.allowed !== 'unknown') {
      // Counted by the prediction (the same as the node's answer, or the pair fails above), so
      // the coverage depends on the seed alone, not on the node's rate-limit state.
      for (const a of alts) seen(`${kindOf(a.field)} ${a.op}`, predicted.allowed);
      const same = predicted.allowed === real.allowed && (real.allowed || predicted.reason === real.reason);
      // A sure refusal after a rate limit: the node may find the limit failing first.
      const limitFirst = predicted.allowed === false && !real.allowed && real.reason.includes('too soon')
        && alts.some((a) => a.field === 'rate' || a.field === 'per');
      if (limitFirst && !same) counts.limitFirst += 1;
      if (!same && !limitFirst) disagreements.push(`${label}\n         predicted ${JSON.stringify(predicted)}, the node: ${JSON.stringify(real)}`);
    } else if (!real.allowed && !/too soon|Invalid invoice/.test(real.reason)) {
      // Unknown must only ever be about what the node alone knows.
      disagreements.push(`${label}\n         predicted unknown (${predicted.reason}), the node refused: ${real.reason}`);
    }
    if (node.kind !== 'test' && predicted.allowed !== 'unknown') {
      const check = await checkruneOutcome(c, req, rune);
      counts.checkrune += 1;
      const same = check.allowed === predicted.allowed && (check.allowed || check.reason === predicted.reason);
      const limitFirst = predicted.allowed === false && !check.allowed && check.reason.includes('too soon')
        && alts.some((a) => a.field === 'rate' || a.field === 'per');
      if (!same && !limitFirst) checkruneDisagreements.push(`${label}\n         predicted ${JSON.stringify(predicted)}, checkrune: ${JSON.stringify(check)}`);
    }
  }
  await c.close();
  const ms = Date.now() - t0;
  const note = `${counts.pairs} pairs: ${counts.allowed} allowed, ${counts.refused} refused (${counts.limitFirst} of them by an earlier rate limit first), ${counts.unknown} unknown (rate/per/invoice)`;
  results.push({
    name: `checkRune predicts ${node.label}'s commando answer for every pair`,
    ok: disagreements.length === 0 && counts.pairs >= Math.min(PAIRS, 500),
    ms,
    note,
    error: `${disagreements.length} disagreement(s):\n       ${disagreements.slice(0, 20).join('\n       ')}`,
  });
  if (node.kind !== 'test') {
    results.push({
      name: `checkRune agrees with ${node.label}'s checkrune RPC`,
      ok: checkruneDisagreements.length === 0 && counts.checkrune > 0,
      ms: 0,
      note: `${counts.checkrune} pairs compared`,
      error: `${checkruneDisagreements.length} disagreement(s):\n       ${checkruneDisagreements.slice(0, 20).join('\n       ')}`,
    });
  }
  // Coverage: every operator on the main field kinds, seen both allowed and refused.
  const missing = [];
  for (const kind of ['method', 'pname', 'parr']) {
    for (const op of OPS) {
      const [a, r] = coverage.get(`${kind} ${op}`) ?? [0, 0];
      // `#` always passes; on method, `!` always refuses (the method is always there) and so
      // do `<` and `>` (the method is never an integer).
      if (a === 0 && !(kind === 'method' && '!<>'.includes(op))) missing.push(`${kind} ${op} never allowed`);
      if (r === 0 && op !== '#') missing.push(`${kind} ${op} never refused`);
    }
  }
  for (const kind of ['id', 'time', 'pnum', 'other', 'rate', 'per']) {
    const total = OPS.reduce((n, op) => n + (coverage.get(`${kind} ${op}`)?.[1] ?? 0), 0);
    if (total === 0) missing.push(`${kind} never refused`);
  }
  const counted = ['method', 'pname', 'parr'].flatMap((k) => OPS.map((op) => coverage.get(`${k} ${op}`) ?? [0, 0]));
  results.push({
    note: `fewest pairs per operator and field kind: ${Math.min(...counted.map(([a, r]) => a + r))}`,
    name: 'the pairs cover every operator on method, pnameX and parrN (allowed and refused), and every field kind',
    ok: missing.length === 0,
    ms: 0,
    error: missing.join('; '),
  });
  return results;
}

let failed = 0;
for (const kind of targetKinds()) {
  const node = await startTarget(kind);
  try {
    failed += report(`runes · ${node.label}`, await suite(node));
  } finally {
    await node.stop();
  }
}
process.exit(failed ? 1 : 0);
