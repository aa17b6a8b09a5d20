// Generates the package's method types (pkg-template/methods.d.ts) from Core Lightning's RPC
// schemas: for every method its request (params by name) and its response, as TypeScript.
// Names, types, enums, required fields, `added`/`deprecated` markers and conditional fields
// carry over; the schemas' prose does not (each method links to its reference page instead).
//
//   node scripts/gen-types.mjs [SCHEMA_DIR] [OUT]   (default ../shared/cln-schemas → pkg-template/methods.d.ts)
//   node scripts/gen-types.mjs --check [SCHEMA_DIR]  (exit 1 if the committed file is stale)
//
// For another Core Lightning version: point SCHEMA_DIR at its `doc/schemas/` (one
// `<method>.json` per method) and set CLN_VERSION (default v26.06.6) for the header.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_SCHEMAS = join(root, '../shared/cln-schemas');
export const OUT = join(root, 'pkg-template/methods.d.ts');

/** Core Lightning's own types: their TypeScript alias and a one-line doc. */
const ALIASES = {
  msat: ['Msat', 'number', 'An amount in millisatoshi (an integer; JSON numbers lose precision past 2^53).'],
  msat_or_all: ['MsatOrAll', 'number | string', 'An amount in millisatoshi, or `"all"`.'],
  msat_or_any: ['MsatOrAny', 'number | string', 'An amount in millisatoshi (a number, or a string with a unit: `"1000sat"`), or `"any"`.'],
  sat: ['Sat', 'number', 'An amount in satoshi (an integer).'],
  sat_or_all: ['SatOrAll', 'number | string', 'An amount in satoshi (a number, or a string with a unit), or `"all"`.'],
  u8: ['U8', 'number', 'An integer from 0 to 255.'],
  u16: ['U16', 'number', 'An integer from 0 to 65535.'],
  u32: ['U32', 'number', 'An integer from 0 to 2^32 − 1.'],
  u64: ['U64', 'number', 'An integer from 0 to 2^64 − 1 (JSON numbers lose precision past 2^53).'],
  pubkey: ['Pubkey', 'string', 'A compressed secp256k1 public key: 66 lowercase hex digits.'],
  hex: ['Hex', 'string', 'Bytes as lowercase hex.'],
  hash: ['Hash', 'string', 'A 32-byte hash: 64 lowercase hex digits.'],
  secret: ['Secret', 'string', 'A 32-byte secret: 64 lowercase hex digits.'],
  txid: ['Txid', 'string', 'A transaction id: 64 lowercase hex digits.'],
  signature: ['Signature', 'string', 'A DER-encoded ECDSA signature, as hex.'],
  bip340sig: ['Bip340sig', 'string', 'A BIP-340 Schnorr signature: 128 hex digits.'],
  short_channel_id: ['ShortChannelId', 'string', 'A short channel id: `BLOCKxTXxOUTPUT`, e.g. `"103x1x0"`.'],
  short_channel_id_dir: ['ShortChannelIdDir', 'string', 'A short channel id and a direction: `"103x1x0/1"`.'],
  outpoint: ['Outpoint', 'string', 'A transaction output: `"TXID:N"`.'],
  currency: ['Currency', 'string', 'A currency code, e.g. `"USD"`.'],
  feerate: ['Feerate', 'number | string', 'A feerate: a number with `perkw`/`perkb`, or a name such as `"normal"`, `"urgent"`, `"slow"`.'],
  outputdesc: ['OutputDesc', '{ [address: string]: number | string }', 'One output: `{address: amount}` (satoshi, a string with a unit, or `"all"`).'],
};

const pascal = (name) => name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const key = (k) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k));

function tags(s) {
  const t = [];
  if (s.added) t.push(`@since Core Lightning ${s.added}`);
  if (Array.isArray(s.deprecated)) t.push(`@deprecated since Core Lightning ${s.deprecated[0]}${s.deprecated[1] ? `, removed in ${s.deprecated[1]}` : ''}`);
  else if (s.deprecated) t.push('@deprecated');
  if (s.default !== undefined && typeof s.default !== 'object') t.push(`@defaultValue ${JSON.stringify(s.default)}`);
  return t;
}

function doc(lines, pad) {
  if (lines.length === 0) return '';
  if (lines.length === 1) return `${pad}/** ${lines[0]} */\n`;
  return `${pad}/**\n${lines.map((l) => `${pad} * ${l}`).join('\n')}\n${pad} */\n`;
}

/** The properties an object schema may have: its own, and its `if`/`then`/`else` branches'. */
function collect(s, props, required, top) {
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    // A branch restates a property as `{}` (no change), or with the shape it has in that case.
    const meaningful = v && (v.type || v.oneOf || v.enum || v.untyped);
    if (!props.has(k)) props.set(k, []);
    if (meaningful) props.get(k).push(v);
  }
  if (top) for (const r of s.required ?? []) required.add(r);
  for (const branch of s.allOf ?? []) {
    for (const part of [branch.then, branch.else]) if (part) collect(part, props, required, false);
  }
}

// Amounts in params may also be strings with a unit (`"10sat"`); results are always numbers.
const INPUT_AMOUNTS = new Set(['msat', 'sat']);

function tsType(s, pad, input) {
  if (!s || typeof s !== 'object' || s.untyped) return 'unknown';
  if (s.oneOf) return [...new Set(s.oneOf.map((x) => tsType(x, pad, input)))].join(' | ');
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const type = Array.isArray(s.type) ? s.type : [s.type];
  const out = type.map((t) => {
    if (t === undefined) return s.properties ? objectType(s, pad, input) : 'unknown';
    if (input && INPUT_AMOUNTS.has(t)) return `${ALIASES[t][0]} | AmountWithUnit`;
    if (ALIASES[t]) return ALIASES[t][0];
    switch (t) {
      case 'string': return 'string';
      case 'integer': case 'number': return 'number';
      case 'boolean': return 'boolean';
      case 'null': return 'null';
      case 'array': {
        const item = tsType(s.items, pad, input);
        return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
      }
      case 'object': return objectType(s, pad, input);
      default: throw new Error(`unknown schema type ${t}`);
    }
  });
  return out.join(' | ');
}

function objectType(s, pad, input) {
  const props = new Map();
  const required = new Set();
  collect(s, props, required, true);
  if (props.size === 0) return s.additionalProperties === false ? 'Record<string, never>' : '{ [key: string]: unknown }';
  const inner = `${pad}  `;
  let body = '';
  for (const [k, shapes] of props) {
    // The shapes a property takes in the different cases, as one union.
    const types = [...new Set(shapes.map((v) => tsType(v, inner, input)))];
    body += doc(tags(shapes[0] ?? {}), inner);
    body += `${inner}${key(k)}${required.has(k) ? '' : '?'}: ${types.length ? types.join(' | ') : 'unknown'};\n`;
  }
  // Open objects (`additionalProperties` not false, no branches to list the rest) take more.
  if (s.additionalProperties !== false && !s.allOf) body += `${inner}[key: string]: unknown;\n`;
  return `{\n${body}${pad}}`;
}

/** The whole file's text from the schemas in `dir`. */
export function generate(dir = DEFAULT_SCHEMAS, version = process.env.CLN_VERSION ?? 'v26.06.6') {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'rpc-schema-draft.json').sort();
  const methods = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8'))).filter((j) => j.rpc && j.request && j.response);
  let out = `// Core Lightning ${version}'s RPC methods, generated by scripts/gen-types.mjs from its JSON schemas
// (${methods.length} methods). Do not edit: run \`node scripts/gen-types.mjs\` (see the README).

`;
  for (const [, [name, ts, line]] of Object.entries(ALIASES)) out += `/** ${line} */\nexport type ${name} = ${ts};\n`;
  out += '/** In params, an amount may be a string with its unit: `"1000msat"`, `"10sat"`, `"0.001btc"`. */\nexport type AmountWithUnit = string;\n';
  out += '\n';
  for (const m of methods) {
    const T = pascal(m.rpc);
    const link = `https://docs.corelightning.org/reference/${m.rpc}`;
    const head = [`Params of \`${m.rpc}\`: ${link}`, ...tags(m)];
    out += doc(head, '') + `export type ${T}Request = ${tsType({ type: 'object', ...m.request }, '', true)};\n`;
    out += doc([`Result of \`${m.rpc}\`: ${link}`, ...tags(m)], '') + `export type ${T}Response = ${tsType({ type: 'object', ...m.response }, '', false)};\n\n`;
  }
  out += '/** Every method: its params (by name) and its result. */\nexport interface Methods {\n';
  for (const m of methods) {
    const T = pascal(m.rpc);
    out += doc([`https://docs.corelightning.org/reference/${m.rpc}`, ...tags(m)], '  ');
    out += `  ${key(m.rpc)}: { request: ${T}Request; response: ${T}Response };\n`;
  }
  out += '}\n';
  return { text: out, methods };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const check = args[0] === '--check';
  if (check) args.shift();
  const [dir = DEFAULT_SCHEMAS, out = OUT] = args;
  const { text, methods } = generate(dir);
  if (check) {
    const committed = readFileSync(out, 'utf8');
    if (committed !== text) {
      console.error(`${out} is stale against ${dir}: run node scripts/gen-types.mjs`);
      process.exit(1);
    }
    console.log(`${out}: up to date (${methods.length} methods)`);
  } else {
    writeFileSync(out, text);
    console.log(`${out}: ${methods.length} methods`);
  }
}
