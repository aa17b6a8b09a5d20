// Real responses held to the schemas the types are generated from: every method that is safe on a
// fresh regtest Core Lightning without channels is called through the package (Node, `ws`), and
// its response validated at run time against its schema (ajv, Core Lightning's types as custom
// formats). Mismatches are reported with method and path; they must be exactly the ones listed
// in node-disagreements.json (Core Lightning's schema and its own node disagreeing), so a change
// either way is seen. A method that fails to run fails the suite.
//
//   node tests/types/cln-responses.mjs [--update]   (needs pkg/ and the Core Lightning build)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import WebSocket from 'ws';
import * as lib from '../../pkg/index.js';
import { DEFAULT_SCHEMAS } from '../../scripts/gen-types.mjs';
import { startCln } from '../../scripts/cln/node.mjs';
import { targetKinds } from '../js/nodes.mjs';

const here = new URL('./', import.meta.url).pathname;
const listed = join(here, 'node-disagreements.json');

/** Core Lightning's types as JSON Schema: a base type and a format checked below. */
const CLN_TYPES = {
  msat: { type: 'integer', minimum: 0 },
  sat: { type: 'integer', minimum: 0 },
  msat_or_any: { type: ['integer', 'string'] },
  msat_or_all: { type: ['integer', 'string'] },
  sat_or_all: { type: ['integer', 'string'] },
  u8: { type: 'integer', minimum: 0, maximum: 255 },
  u16: { type: 'integer', minimum: 0, maximum: 65535 },
  u32: { type: 'integer', minimum: 0, maximum: 4294967295 },
  u64: { type: 'integer', minimum: 0 },
  pubkey: { type: 'string', format: 'pubkey' },
  hex: { type: 'string', format: 'hex' },
  hash: { type: 'string', format: 'hash' },
  secret: { type: 'string', format: 'hash' },
  txid: { type: 'string', format: 'hash' },
  signature: { type: 'string', format: 'hex' },
  bip340sig: { type: 'string', format: 'bip340sig' },
  short_channel_id: { type: 'string', format: 'short_channel_id' },
  short_channel_id_dir: { type: 'string', format: 'short_channel_id_dir' },
  outpoint: { type: 'string', format: 'outpoint' },
  currency: { type: 'string' },
  feerate: { type: ['integer', 'string'] },
  outputdesc: { type: 'object' },
};
const FORMATS = {
  pubkey: /^0[23][0-9a-f]{64}$/,
  hex: /^([0-9a-f]{2})*$/,
  hash: /^[0-9a-f]{64}$/,
  bip340sig: /^[0-9a-f]{128}$/,
  short_channel_id: /^\d+x\d+x\d+$/,
  short_channel_id_dir: /^\d+x\d+x\d+\/[01]$/,
  outpoint: /^[0-9a-f]{64}:\d+$/,
};

/** A Core Lightning schema as standard JSON Schema (draft-07). */
function standard(s) {
  if (Array.isArray(s)) return s.map(standard);
  if (!s || typeof s !== 'object') return s;
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'description' || k === 'added' || k === 'deprecated' || k === 'hidden' || k === 'untyped') continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, standard(x)]));
    else if (k === 'type' && typeof v === 'string' && CLN_TYPES[v]) Object.assign(out, CLN_TYPES[v]);
    else out[k] = standard(v);
  }
  return out;
}

// What a fresh regtest node without channels can safely be asked (read-only, or writing only
// its own datastore keys, an invoice and runes).
const CALLS = [
  ['getinfo', {}], ['listconfigs', {}], ['listpeers', {}], ['listfunds', {}], ['listpeerchannels', {}],
  ['listchannels', {}], ['listnodes', {}], ['listinvoices', {}],
  ['invoice', { amount_msat: 12345, label: 'lnc-types', description: 'schema check' }],
  ['listinvoices', { label: 'lnc-types' }],
  ['datastore', { key: ['lnc-types', 'a'], string: 'x', mode: 'create-or-replace' }],
  ['listdatastore', { key: ['lnc-types'] }], ['datastoreusage', {}],
  ['deldatastore', { key: ['lnc-types', 'a'] }],
  ['createrune', { restrictions: [['method=getinfo']] }], ['showrunes', {}],
  ['checkrune', { rune: null, method: 'getinfo' }],
  ['help', {}], ['feerates', { style: 'perkw' }], ['listforwards', {}], ['listpays', {}],
  ['listsendpays', {}], ['listtransactions', {}], ['listoffers', {}], ['listclosedchannels', {}],
  ['listhtlcs', {}], ['listaddresses', {}], ['newaddr', {}], ['getlog', { level: 'unusual' }],
  ['signmessage', { message: 'lncommando' }], ['makesecret', { string: 'lncommando' }],
  ['waitblockheight', { blockheight: 0 }], ['bkpr-listbalances', {}], ['bkpr-listincome', {}],
  ['bkpr-listaccountevents', {}], ['listinvoicerequests', {}], ['getemergencyrecoverdata', {}],
  ['decode', { string: null }], ['listsqlschemas', { table: 'forwards' }],
];

const schemas = new Map();
const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
for (const [name, re] of Object.entries(FORMATS)) ajv.addFormat(name, re);

if (!targetKinds().includes('cln')) {
  // LNC_NODES=test, or a node of yours (LNC_URL): this suite writes invoices, datastore keys and
  // runes, so it runs only on the Core Lightning the tests start.
  console.log(`[cln-responses] skip: runs on the Core Lightning the tests start (nodes asked for: ${targetKinds().join(', ')})`);
  process.exit(0);
}
const node = await startCln();
let failed = 0;
const found = {};
let validated = 0;
try {
  const c = await lib.connect({ url: node.url, nodeId: node.nodeId, rune: node.rune, WebSocket });
  let bolt11;
  for (const [method, given] of CALLS) {
    const params = { ...given };
    if (method === 'checkrune') params.rune = node.readonlyRune;
    if (method === 'decode') params.string = bolt11;
    let response;
    try {
      response = await c.commando(method, params, { timeoutMs: 30000 });
    } catch (e) {
      failed += 1;
      console.log(`[cln-responses] FAIL ${method}: the call failed (${e.code} ${e.message})`);
      continue;
    }
    if (method === 'invoice') bolt11 = response.bolt11;
    if (method === 'getinfo') {
      // The validator is not vacuous: a tampered getinfo must fail where it was changed.
      const probe = { ...response, id: 'not a pubkey', blockheight: -1, nosuchfield: 1 };
      await validate('getinfo', probe);
      const seen = found.getinfo ?? [];
      delete found.getinfo;
      validated -= 1;
      for (const want of ['/id must match format "pubkey"', '/blockheight must be >= 0']) {
        if (!seen.includes(want)) {
          failed += 1;
          console.log(`[cln-responses] FAIL the validator missed a tampered field: ${want} not in ${JSON.stringify(seen)}`);
        }
      }
    }
    if (method === 'signmessage') {
      const check = await c.commando('checkmessage', { message: 'lncommando', zbase: response.zbase, pubkey: node.nodeId });
      await validate('checkmessage', check);
    }
    await validate(method, response);
  }
  await c.close();

  async function validate(method, response) {
    if (!schemas.has(method)) {
      const j = JSON.parse(readFileSync(join(DEFAULT_SCHEMAS, `${method}.json`), 'utf8'));
      schemas.set(method, ajv.compile({ type: 'object', ...standard(j.response) }));
    }
    const check = schemas.get(method);
    validated += 1;
    if (check(response)) return;
    const errs = [...new Set(check.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`))];
    // Paths into arrays name the first element the same way every run.
    found[method] = errs.map((e) => e.replace(/\/\d+(?=\/|\s)/g, '/N')).filter((e, i, a) => a.indexOf(e) === i).sort();
  }
} finally {
  await node.stop();
}

if (process.argv.includes('--update')) writeFileSync(listed, `${JSON.stringify(found, null, 2)}\n`);
const expected = JSON.parse(readFileSync(listed, 'utf8'));
const methods = new Set([...Object.keys(expected), ...Object.keys(found)]);
let changed = 0;
for (const m of [...methods].sort()) {
  if (JSON.stringify(expected[m]) !== JSON.stringify(found[m])) {
    changed += 1;
    console.log(`[cln-responses] ${m}: listed ${JSON.stringify(expected[m] ?? [])}, now ${JSON.stringify(found[m] ?? [])}`);
  }
}
const summary = `${validated} real responses of ${node.version} (${CALLS.length + 1} calls) validated against their schemas; ${Object.keys(found).length} methods disagree (node-disagreements.json): ${Object.entries(found).map(([m, e]) => `${m} ${e.join('; ')}`).join(' · ') || 'none'}`;
if (changed) {
  failed += 1;
  console.log(`[cln-responses] FAIL the responses that disagree with their schema changed: ${summary}`);
} else console.log(`[cln-responses]  ok  ${summary}`);
process.exit(failed ? 1 : 0);
