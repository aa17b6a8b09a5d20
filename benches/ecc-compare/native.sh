#!/usr/bin/env bash
# Native x86_64 timing of bench(1000), median of 5. Same release profile (opt-level="z", lto, cu=1, panic=abort);
# set O3=1 to override opt-level to 3 (separate target dir).
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-1000}
for c in k256bench secpbench; do
  if [ "${O3:-}" = 1 ]; then
    (cd $c && CARGO_PROFILE_RELEASE_OPT_LEVEL=3 cargo build -q --release --example native -j 2 --target-dir target-native-o3)
    $c/target-native-o3/release/examples/native "$N"
  else
    (cd $c && cargo build -q --release --example native -j 2)
    $c/target/release/examples/native "$N"
  fi
done
