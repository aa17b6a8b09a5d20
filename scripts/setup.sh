#!/usr/bin/env bash
# Installs what a job needs, idempotently: quick (about a second) when everything is present.
#   scripts/setup.sh demo   what `make demo` needs: the wasm toolchain and the package's npm
#                           tools; Chromium only when HEADLESS=1
#   scripts/setup.sh test   (the default) everything the tests need: the above, clippy and
#                           rustfmt, Chromium, the benchmark's npm packages, pyln-proto
# Every probe tolerates a missing tool (this runs under `set -euo pipefail` on machines that
# have none of them); tests/setup/setup.test.mjs runs it against stand-ins to prove each branch.
set -euo pipefail
cd "$(dirname "$0")/.."

job=${1:-test}
case "$job" in
  demo | test) ;;
  *) echo "setup: unknown job '$job' (demo or test)" >&2; exit 2 ;;
esac

PYLN_PROTO_VERSION=26.6.9
PYTHON=${PYTHON:-python3}

say() { echo "setup: $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

if ! have cargo || ! have rustup; then
  echo "setup: cargo and rustup are needed (Rust with rustup: https://rustup.rs), and were not found on PATH" >&2
  exit 1
fi
if ! have node || ! have npm; then
  echo "setup: Node.js 20+ with npm is needed, and was not found on PATH" >&2
  exit 1
fi

# --- Rust: the wasm target (and, for the tests, the linters CI runs) -------------------------
installed_targets=$(rustup target list --installed 2>/dev/null || true)
if ! grep -qx wasm32-unknown-unknown <<<"$installed_targets"; then
  say "adding the Rust target wasm32-unknown-unknown (rustup, ~30 s)"
  rustup target add wasm32-unknown-unknown
fi
if [ "$job" = test ]; then
  installed_components=$(rustup component list --installed 2>/dev/null || true)
  for comp in clippy rustfmt; do
    if ! grep -q "^$comp" <<<"$installed_components"; then
      say "adding $comp (rustup, ~20 s)"
      rustup component add "$comp"
    fi
  done
fi

# --- Debian's packages, in one apt-get run ----------------------------------------------------
# libsecp256k1 (C) is compiled for wasm32 with clang and archived with llvm-ar (gcc cannot
# target wasm). Chromium for the browser tests and HEADLESS=1 (Playwright cannot download one).
# Core Lightning's own build packages are scripts/cln/build.sh's (it runs when make test needs it).
apt_pkgs=()
apt_why=()
if ! have clang || ! have llvm-ar; then
  apt_pkgs+=(clang llvm)
  apt_why+=("clang and llvm (to build libsecp256k1 for wasm32)")
fi
if [ "$job" = test ] || { [ -n "${HEADLESS:-}" ] && [ "${HEADLESS}" != 0 ]; }; then
  if ! have chromium; then
    apt_pkgs+=(chromium chromium-driver)
    apt_why+=("chromium (headless browser)")
  fi
fi
# websockify: the ws→tcp path in front of a real Core Lightning's Lightning port (tests only).
if [ "$job" = test ] && ! have websockify; then
  apt_pkgs+=(websockify)
  apt_why+=("websockify (ws→tcp proxy, for the real-node tests)")
fi
# nginx: the TLS reverse proxy (and https host of the panel) of the deploy tests. Debian puts it
# in /usr/sbin, which a non-root PATH may lack (LNC_SBIN moves that directory, for the stand-ins).
if [ "$job" = test ] && ! have nginx && [ ! -x "${LNC_SBIN:-/usr/sbin}/nginx" ]; then
  apt_pkgs+=(nginx)
  apt_why+=("nginx (TLS reverse proxy, for the deploy tests)")
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  why=$(printf '%s; ' "${apt_why[@]}")
  say "installing Debian's ${why%; } (apt-get, ~1-2 min)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi

# --- wasm-bindgen-cli, the exact version of wasm-bindgen in Cargo.lock ------------------------
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
if [ -z "$want" ]; then
  echo "setup: no wasm-bindgen version found in Cargo.lock" >&2
  exit 1
fi
found=""
if have wasm-bindgen; then
  found=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
fi
if [ "$found" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${found:-none}; cargo compiles it, ~2-4 min)"
  # --force: a binary deleted by hand is still "installed" in cargo's records, which would skip it.
  cargo install --quiet --force wasm-bindgen-cli --version "$want"
fi

# --- npm packages, pinned by package-lock.json ------------------------------------------------
# The root's: binaryen's wasm-opt (the package build), playwright-core, ws, qrcode-generator.
# benches/browser's (lnmessage, esbuild) only for the tests' benchmark smoke.
npm_dirs=(.)
[ "$job" = test ] && npm_dirs+=(benches/browser)
for dir in "${npm_dirs[@]}"; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir (~10-30 s)"
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
  fi
done

# --- pyln-proto, the independent BOLT 8 peer of the interop tests -----------------------------
if [ "$job" = test ]; then
  if ! "$PYTHON" -c 'import pyln.proto.wire' >/dev/null 2>&1; then
    say "installing pyln-proto $PYLN_PROTO_VERSION (pip, ~10 s; the independent BOLT 8 peer for interop tests)"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "pyln-proto==$PYLN_PROTO_VERSION"
  fi
fi
exit 0
