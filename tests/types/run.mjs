// The generated method types (pkg-template/methods.d.ts), checked three ways with `tsc --strict`:
//   1. the committed file equals what scripts/gen-types.mjs makes of ../shared/cln-schemas;
//   2. every recorded example in the schemas (its request params by name, its response) is a
//      value of the generated types; the examples that are not (the schema and its own example
//      disagree) must be exactly those listed in example-disagreements.json, each with tsc's
//      reason, so a change either way is seen;
//   3. expect-errors.ts, the typed API as a user writes it against pkg/ (what compiles, and
//      `@ts-expect-error` lines proving mistakes are caught), compiles.
//
//   node tests/types/run.mjs          (needs pkg/ from `make pkg`)
//   node tests/types/run.mjs --update (rewrites example-disagreements.json)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCHEMAS, OUT, generate } from '../../scripts/gen-types.mjs';

const root = new URL('../../', import.meta.url).pathname;
const here = join(root, 'tests/types');
const work = join(root, 'target/types-check');
const listed = join(here, 'example-disagreements.json');
let failed = 0;
const fail = (what) => {
  failed += 1;
  console.log(`[types] FAIL ${what}`);
};

// 1. Not stale.
const { text, methods } = generate(DEFAULT_SCHEMAS);
if (readFileSync(OUT, 'utf8') !== text) fail(`${OUT} is stale against ${DEFAULT_SCHEMAS}: run node scripts/gen-types.mjs`);
else console.log(`[types]  ok  methods.d.ts is what the schemas generate (${methods.length} methods)`);

// 2. The examples, one constant each, in a file of their own; tsc's errors map back by line.
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const lines = ["import type { Methods } from 'lncommando';", ''];
const where = []; // line index → example label
let examples = 0;
let positional = 0;
let responses = 0;
for (const m of methods) {
  (m.examples ?? []).forEach((ex, i) => {
    const label = `${m.rpc} #${i + 1}`;
    const parts = [];
    const params = ex.request?.params;
    if (Array.isArray(params)) positional += 1;
    else if (params && typeof params === 'object') parts.push(['request', params]);
    if (ex.response !== undefined) {
      parts.push(['response', ex.response]);
      responses += 1;
    }
    examples += 1;
    for (const [part, value] of parts) {
      const start = lines.length;
      const body = JSON.stringify(value, null, 1).split('\n');
      lines.push(`export const e${examples}_${part}: Methods[${JSON.stringify(m.rpc)}][${JSON.stringify(part)}] = ${body[0]}`, ...body.slice(1));
      lines[lines.length - 1] += ';';
      for (let l = start; l < lines.length; l++) where[l] = `${label} ${part}`;
    }
  });
}
writeFileSync(join(work, 'examples.ts'), lines.join('\n'));
copyFileSync(join(here, 'expect-errors.ts'), join(work, 'expect-errors.ts'));
writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
    skipLibCheck: false, types: [], paths: { lncommando: ['../../pkg/index.d.ts'] },
  },
  files: ['examples.ts', 'expect-errors.ts'],
}, null, 2));
writeFileSync(join(work, 'package.json'), '{"type": "module"}\n');
let out = '';
try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(work, 'tsconfig.json')], { encoding: 'utf8' });
} catch (e) {
  out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
}
const errors = [...out.matchAll(/^(\S+?)\((\d+),\d+\): error (TS\d+): ([^\n]*)/gm)].map((m) => ({ file: m[1], line: Number(m[2]) - 1, code: m[3], msg: m[4] }));
const other = out.split('\n').filter((l) => l.trim() && !/^\S+\(\d+,\d+\): error/.test(l) && !/^\s/.test(l));

const found = new Map();
for (const e of errors.filter((x) => x.file.endsWith('examples.ts'))) {
  const label = where[e.line] ?? `line ${e.line + 1}`;
  if (!found.has(label)) found.set(label, `${e.code}: ${e.msg.replace(/'e\d+_(request|response)'/g, 'it')}`);
}
const disagreeing = Object.fromEntries([...found].sort(([a], [b]) => a.localeCompare(b)));
if (process.argv.includes('--update')) writeFileSync(listed, `${JSON.stringify(disagreeing, null, 2)}\n`);
const expected = JSON.parse(readFileSync(listed, 'utf8'));
const checked = examples - positional;
const same = JSON.stringify(expected) === JSON.stringify(disagreeing);
const summary = `${examples} examples of ${methods.filter((m) => m.examples?.length).length} methods: ${checked} requests type-checked by name (${positional} positional, arrays unchecked) and ${responses} responses; ${Object.keys(disagreeing).length} parts disagree with their schema (listed in example-disagreements.json)`;
if (!same) {
  fail(`the examples that disagree with their schema changed: ${summary}`);
  for (const k of new Set([...Object.keys(expected), ...Object.keys(disagreeing)])) {
    if (expected[k] !== disagreeing[k]) console.log(`       ${k}: listed ${JSON.stringify(expected[k])}, now ${JSON.stringify(disagreeing[k])}`);
  }
} else console.log(`[types]  ok  ${summary}`);

// 3. The user's side.
const userErrors = errors.filter((x) => x.file.endsWith('expect-errors.ts'));
if (userErrors.length || other.length) {
  fail('expect-errors.ts: the typed API does not behave as a user expects');
  for (const e of userErrors) console.log(`       line ${e.line + 1}: ${e.code} ${e.msg}`);
  for (const l of other) console.log(`       ${l}`);
} else {
  const expectations = (readFileSync(join(here, 'expect-errors.ts'), 'utf8').match(/@ts-expect-error/g) ?? []).length;
  console.log(`[types]  ok  the typed API compiles as a user writes it, and ${expectations} mistakes are compile errors`);
}
console.log(`[types] ${failed ? `${failed} failed` : 'all passed'}`);
process.exit(failed ? 1 : 0);
