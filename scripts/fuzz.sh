#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 10), one after the other, on a copy of
# the committed seed corpus (fuzz/corpus/ stays small); exits non-zero on any crash, leak or
# timeout. Needs the nightly toolchain; installs cargo-fuzz when missing. This is `make fuzz`,
# for finding new inputs; `make test` replays the committed corpus instead (fuzz/tests/corpus.rs),
# so CI never depends on what a random run finds on the day. A crash found here goes into
# fuzz/corpus/<target>/ with its fix.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-10}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(transport_stream handshake wire commando_reassembly rune)

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: installing the nightly toolchain (rustup, ~1 min; libFuzzer's instrumentation needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz (cargo compiles it, ~2 min)"
  cargo install --quiet cargo-fuzz
fi
# No sanitizer: the fuzzed code is safe Rust (the C libsecp256k1 sees only valid keys); this
# keeps builds and runs fast. Release with debug assertions, as cargo-fuzz does by default.
# The fuzz crate is a member of the repository's workspace; its libFuzzer binaries need the
# `libfuzzer` feature, and get their own target directory (instrumented builds).
cargo +nightly fuzz build -s none -O --features libfuzzer --target-dir ../target/fuzz
bin=../target/fuzz/x86_64-unknown-linux-gnu/release
for t in "${targets[@]}"; do
  work=target/fuzz-corpus/$t
  # libFuzzer writes crashing inputs there, and refuses to start if it is missing.
  mkdir -p "$work" artifacts/"$t"
  cp -n corpus/"$t"/* "$work"/ 2>/dev/null || true
  log=target/fuzz-$t.log
  if ! "$bin/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix=artifacts/"$t"/ "$work" >"$log" 2>&1; then
    echo "fuzz: $t FAILED (log: fuzz/$log, inputs: fuzz/artifacts/$t/)" >&2
    tail -30 "$log" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -o 'cov: [0-9]*' || true)
  echo "fuzz: $t ok: ${runs:-?} runs in ${seconds} s, ${cov}"
done
