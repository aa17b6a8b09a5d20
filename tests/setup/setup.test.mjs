// The setup script itself (scripts/setup.sh), run against stand-ins: a copy of the script and
// the lock files it reads in a temporary tree, and a PATH that holds only the shell utilities it
// uses plus stand-ins for cargo, rustup, apt-get, npm, node, python3, wasm-bindgen, clang,
// llvm-ar, chromium, websockify and nginx. Each stand-in records how it was called; the installers'
// stand-ins "install" by creating the stand-in of what they install, so a second run sees it
// present.
// Each case checks which install branches ran, which were skipped, and the exit status.
//   node --test tests/setup/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lock = readFileSync(join(repo, 'Cargo.lock'), 'utf8');
const WASM_BINDGEN = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/)[1];
const PYLN = readFileSync(join(repo, 'scripts/setup.sh'), 'utf8').match(/PYLN_PROTO_VERSION=(\S+)/)[1];

// The utilities setup.sh and the stand-ins use, linked from the real system (nothing else is on PATH).
const UTILS = ['bash', 'sh', 'env', 'awk', 'grep', 'sed', 'id', 'dirname', 'cat', 'printf', 'mkdir', 'touch', 'rm', 'tr', 'head', 'chmod'];

// Stand-ins: bash scripts that log "name args" to $LOG and act on $STATE (a directory of flags).
const STANDINS = {
  cargo: `
    if [ "$1" = install ]; then
      [ -e "$STATE/fail-cargo" ] && exit 101
      v=""; while [ $# -gt 0 ]; do [ "$1" = --version ] && v=$2; shift; done
      printf '#!/bin/bash\\necho "wasm-bindgen $*" >>"$LOG"\\necho "wasm-bindgen %s"\\n' "$v" >"$BIN/wasm-bindgen"
      chmod +x "$BIN/wasm-bindgen"
    fi`,
  rustup: `
    case "$1 $2" in
      "target list") cat "$STATE/targets" 2>/dev/null ;;
      "target add") echo "$3" >>"$STATE/targets" ;;
      "component list") cat "$STATE/components" 2>/dev/null ;;
      "component add") echo "$3-x86_64-unknown-linux-gnu" >>"$STATE/components" ;;
    esac`,
  'apt-get': `
    [ -e "$STATE/fail-apt" ] && exit 100
    if [ "$1" = install ]; then
      for p in "$@"; do
        case "$p" in
          clang) mk clang ;; llvm) mk llvm-ar ;; chromium) mk chromium ;; websockify) mk websockify ;; nginx) mk nginx ;;
        esac
      done
    fi`,
  npm: `
    if [ "$1" = ci ]; then mkdir -p node_modules; touch node_modules/.package-lock.json; fi`,
  node: ``,
  python3: `
    if [ "$1" = -c ]; then [ -e "$STATE/pyln" ]; exit; fi
    if [ "$1 $2 $3" = "-m pip install" ]; then touch "$STATE/pyln"; fi`,
  sudo: `exec "$@"`,
  'wasm-bindgen': `echo "wasm-bindgen $(cat "$STATE/wasm-bindgen-version")"`,
  clang: ``,
  'llvm-ar': ``,
  chromium: ``,
  websockify: ``,
  nginx: ``,
};

function standin(bin, name) {
  const body = `#!/bin/bash
echo "${name} $*" >>"$LOG"
mk() { printf '#!/bin/bash\\necho "%s $*" >>"$LOG"\\n' "$1" >"$BIN/$1"; chmod +x "$BIN/$1"; }
${STANDINS[name]}
exit 0
`;
  writeFileSync(join(bin, name), body);
  chmodSync(join(bin, name), 0o755);
}

/** A temporary tree with setup.sh and its inputs, and a bin directory with `present` tools. */
function sandbox({ present, targets = [], components = [], wasmBindgen = WASM_BINDGEN, pyln = false, npmDone = false }) {
  const root = mkdtempSync(join(tmpdir(), 'lnc-setup-'));
  const tree = join(root, 'repo');
  const bin = join(root, 'bin');
  const state = join(root, 'state');
  for (const d of [join(tree, 'scripts'), join(tree, 'benches/browser'), bin, state]) mkdirSync(d, { recursive: true });
  copyFileSync(join(repo, 'scripts/setup.sh'), join(tree, 'scripts/setup.sh'));
  chmodSync(join(tree, 'scripts/setup.sh'), 0o755);
  for (const f of ['Cargo.lock', 'package.json', 'package-lock.json', 'benches/browser/package.json', 'benches/browser/package-lock.json']) {
    copyFileSync(join(repo, f), join(tree, f));
  }
  if (npmDone) {
    for (const d of ['.', 'benches/browser']) {
      mkdirSync(join(tree, d, 'node_modules'), { recursive: true });
      writeFileSync(join(tree, d, 'node_modules/.package-lock.json'), '{}');
    }
  }
  for (const u of UTILS) {
    const real = execFileSync('bash', ['-c', `command -v ${u}`], { encoding: 'utf8' }).trim();
    if (real.startsWith('/')) symlinkSync(real, join(bin, u));
  }
  for (const name of present) standin(bin, name);
  writeFileSync(join(state, 'targets'), targets.join('\n') + (targets.length ? '\n' : ''));
  writeFileSync(join(state, 'components'), components.join('\n') + (components.length ? '\n' : ''));
  writeFileSync(join(state, 'wasm-bindgen-version'), wasmBindgen);
  if (pyln) writeFileSync(join(state, 'pyln'), '');
  const log = join(root, 'log');
  writeFileSync(log, '');
  const run = (args = [], extraEnv = {}) => {
    writeFileSync(log, '');
    const r = spawnSync(join(tree, 'scripts/setup.sh'), args, {
      encoding: 'utf8',
      env: { PATH: bin, LOG: log, STATE: state, BIN: bin, HOME: root, LNC_SBIN: join(root, 'sbin'), ...extraEnv },
    });
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
  };
  return { root, tree, bin, state, run, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const BASE = ['cargo', 'rustup', 'npm', 'node', 'python3', 'sudo', 'apt-get'];
const ALL = [...BASE, 'wasm-bindgen', 'clang', 'llvm-ar', 'chromium', 'websockify', 'nginx'];
const READY = {
  present: ALL,
  targets: ['wasm32-unknown-unknown', 'x86_64-unknown-linux-gnu'],
  components: ['cargo-x86_64-unknown-linux-gnu', 'clippy-x86_64-unknown-linux-gnu', 'rustfmt-x86_64-unknown-linux-gnu'],
  pyln: true,
  npmDone: true,
};

// The installing calls setup.sh can make (probes such as `rustup target list` are not).
const INSTALLS = {
  wasmTarget: (c) => c === 'rustup target add wasm32-unknown-unknown',
  clippy: (c) => c === 'rustup component add clippy',
  rustfmt: (c) => c === 'rustup component add rustfmt',
  aptUpdate: (c) => c === 'apt-get update -qq',
  clang: (c) => /^apt-get install .* clang llvm( |$)/.test(c),
  chromium: (c) => /^apt-get install .*chromium chromium-driver/.test(c),
  websockify: (c) => /^apt-get install .*websockify/.test(c),
  nginx: (c) => /^apt-get install .*\bnginx\b/.test(c),
  wasmBindgen: (c) => c === `cargo install --quiet --force wasm-bindgen-cli --version ${WASM_BINDGEN}`,
  npmRoot: (c, cwdLog) => c.startsWith('npm ci') && cwdLog === 'root',
  pyln: (c) => c === `python3 -m pip install --quiet --disable-pip-version-check pyln-proto==${PYLN}`,
};

function ran(calls, key) {
  return calls.some((c) => INSTALLS[key](c));
}
function installs(calls) {
  return calls.filter((c) => /\b(add|install|ci)\b/.test(c) || c.startsWith('apt-get update'));
}
function npmCis(r) {
  return (r.stdout.match(/npm ci in (\S+)/g) || []).map((s) => s.replace('npm ci in ', ''));
}

test('a machine with none of the tools: every install branch runs, and setup.sh exits 0', () => {
  const s = sandbox({ present: BASE });
  try {
    const r = s.run(['test']);
    assert.equal(r.status, 0, r.stderr);
    for (const k of ['wasmTarget', 'clippy', 'rustfmt', 'aptUpdate', 'clang', 'chromium', 'websockify', 'nginx', 'wasmBindgen', 'pyln']) {
      assert.ok(ran(r.calls, k), `${k} not installed; calls:\n${r.calls.join('\n')}`);
    }
    assert.equal(r.calls.filter((c) => c.startsWith('apt-get update')).length, 1, 'one apt-get update for all packages');
    assert.deepEqual(npmCis(r), ['.', 'benches/browser']);
    assert.ok(existsSync(join(s.tree, 'node_modules/.package-lock.json')));
    assert.ok(existsSync(join(s.tree, 'benches/browser/node_modules/.package-lock.json')));
    assert.match(r.stdout, new RegExp(`installing wasm-bindgen-cli ${WASM_BINDGEN.replace(/\./g, '\\.')} \\(found: none;`));
    // Run again: everything is now present, nothing is installed, still exit 0.
    const again = s.run(['test']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(installs(again.calls), [], `second run installed:\n${again.calls.join('\n')}`);
    assert.equal(again.stdout, '');
  } finally {
    s.cleanup();
  }
});

test('a machine with everything: nothing is installed, setup.sh exits 0 and prints nothing', () => {
  const s = sandbox(READY);
  try {
    for (const job of [[], ['test'], ['demo']]) {
      const r = s.run(job, { HEADLESS: '1' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(installs(r.calls), [], `${job}: installed:\n${r.calls.join('\n')}`);
      assert.equal(r.stdout, '');
    }
  } finally {
    s.cleanup();
  }
});

test('each tool missing alone: only its branch runs', () => {
  const cases = [
    { key: 'wasmTarget', change: (o) => ({ ...o, targets: ['x86_64-unknown-linux-gnu'] }) },
    { key: 'clippy', change: (o) => ({ ...o, components: o.components.filter((c) => !c.startsWith('clippy')) }) },
    { key: 'clang', change: (o) => ({ ...o, present: o.present.filter((t) => t !== 'llvm-ar') }) },
    { key: 'chromium', change: (o) => ({ ...o, present: o.present.filter((t) => t !== 'chromium') }) },
    { key: 'websockify', change: (o) => ({ ...o, present: o.present.filter((t) => t !== 'websockify') }) },
    { key: 'nginx', change: (o) => ({ ...o, present: o.present.filter((t) => t !== 'nginx') }) },
    { key: 'wasmBindgen', change: (o) => ({ ...o, present: o.present.filter((t) => t !== 'wasm-bindgen') }) },
    { key: 'wasmBindgen', change: (o) => ({ ...o, wasmBindgen: '0.2.1' }), why: 'a wrong version' },
    { key: 'pyln', change: (o) => ({ ...o, pyln: false }) },
  ];
  for (const { key, change, why } of cases) {
    const s = sandbox(change(READY));
    try {
      const r = s.run(['test']);
      assert.equal(r.status, 0, `${key}: ${r.stderr}`);
      assert.ok(ran(r.calls, key), `${key} (${why || 'absent'}) not installed; calls:\n${r.calls.join('\n')}`);
      const others = installs(r.calls).filter((c) => !INSTALLS[key](c) && !INSTALLS.aptUpdate(c));
      assert.deepEqual(others, [], `${key}: other installs ran`);
      assert.deepEqual(npmCis(r), []);
    } finally {
      s.cleanup();
    }
  }
});

test('nginx in /usr/sbin (off a non-root PATH) counts as present', () => {
  const s = sandbox({ ...READY, present: READY.present.filter((t) => t !== 'nginx') });
  try {
    mkdirSync(join(s.root, 'sbin'));
    writeFileSync(join(s.root, 'sbin/nginx'), '#!/bin/sh\n');
    chmodSync(join(s.root, 'sbin/nginx'), 0o755);
    const r = s.run(['test']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(installs(r.calls), [], `installed:\n${r.calls.join('\n')}`);
  } finally {
    s.cleanup();
  }
});

test('npm packages: npm ci when node_modules is missing or older than package-lock.json', () => {
  const s = sandbox({ ...READY, npmDone: false });
  try {
    const r = s.run(['test']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(npmCis(r), ['.', 'benches/browser']);
    // A newer lock file than the install: npm ci again, in that directory only.
    const later = new Date(Date.now() + 60_000);
    execFileSync('touch', ['-d', later.toISOString(), join(s.tree, 'package-lock.json')]);
    const r2 = s.run(['test']);
    assert.deepEqual(npmCis(r2), ['.']);
  } finally {
    s.cleanup();
  }
});

test('make demo installs only what the demo needs; Chromium only with HEADLESS=1', () => {
  const s = sandbox({ present: BASE });
  try {
    const r = s.run(['demo']);
    assert.equal(r.status, 0, r.stderr);
    for (const k of ['wasmTarget', 'clang', 'wasmBindgen']) assert.ok(ran(r.calls, k), `demo: ${k} not installed`);
    for (const k of ['clippy', 'rustfmt', 'chromium', 'websockify', 'nginx', 'pyln']) assert.ok(!ran(r.calls, k), `demo installed ${k}`);
    assert.deepEqual(npmCis(r), ['.'], 'demo: only the root npm packages (no benchmark ones)');
    // Every install it makes says what and how long.
    for (const line of r.stdout.trim().split('\n')) assert.match(line, /^setup: .*~\d/, line);
    const h0 = s.run(['demo'], { HEADLESS: '0' });
    assert.ok(!ran(h0.calls, 'chromium'), 'HEADLESS=0 installed chromium');
    const h1 = s.run(['demo'], { HEADLESS: '1' });
    assert.equal(h1.status, 0, h1.stderr);
    assert.ok(ran(h1.calls, 'chromium'), 'HEADLESS=1 did not install chromium');
  } finally {
    s.cleanup();
  }
});

test('a failing install fails setup.sh (non-zero), not a later step', () => {
  const s = sandbox({ present: BASE });
  try {
    writeFileSync(join(s.state, 'fail-apt'), '');
    const r = s.run(['test']);
    assert.notEqual(r.status, 0, 'apt-get failed but setup.sh exited 0');
    rmSync(join(s.state, 'fail-apt'));
    writeFileSync(join(s.state, 'fail-cargo'), '');
    const r2 = s.run(['test']);
    assert.notEqual(r2.status, 0, 'cargo install failed but setup.sh exited 0');
  } finally {
    s.cleanup();
  }
});

test('no cargo/rustup or no node/npm: a clear error naming what to install', () => {
  const s = sandbox({ present: BASE.filter((t) => t !== 'rustup') });
  try {
    const r = s.run(['test']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /rustup/);
  } finally {
    s.cleanup();
  }
  const n = sandbox({ present: BASE.filter((t) => t !== 'npm') });
  try {
    const r = n.run(['test']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Node\.js 20\+ with npm/);
  } finally {
    n.cleanup();
  }
  const u = sandbox(READY);
  try {
    const r = u.run(['bogus']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown job/);
  } finally {
    u.cleanup();
  }
});
