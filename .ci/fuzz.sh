#!/usr/bin/env bash
# A short fuzz run of every target (docs/fuzzing.md), at the end of CI.
#
# The committed seeds and regression inputs already ran on stable Rust in
# `cargo test --workspace` (crates/plimsoll/tests/fuzz_replay.rs); this adds
# FUZZ_SECONDS of coverage-guided fuzzing per target. cargo-fuzz needs
# nightly Rust: the machine's nightly toolchain when it has one, otherwise
# stable with RUSTC_BOOTSTRAP=1 (the same compiler, with its unstable flags
# allowed). When neither can build the targets the live run is skipped, with
# a message, rather than failing CI for a missing toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-5}
targets=(loader config check policy values)
if [ "$seconds" = 0 ]; then
  echo "FUZZ_SECONDS=0: live fuzzing skipped (cargo test replayed the seeds and regressions)"
  exit 0
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi

if cargo +nightly --version >/dev/null 2>&1; then
  toolchain=(+nightly)
else
  echo "no nightly toolchain: building with stable and RUSTC_BOOTSTRAP=1"
  toolchain=()
  export RUSTC_BOOTSTRAP=1
fi

# A dev build without sanitizer: it compiles in 40% of the CPU time of an
# optimised one (3.5 against 8.5 minutes here), which matters more for a
# short run than executions per second, and keeps overflow checks and debug
# assertions on. plimsoll forbids unsafe code, so AddressSanitizer would
# only watch the dependencies.
flags=(--dev --sanitizer none)
build=(cargo "${toolchain[@]}" fuzz build "${flags[@]}")
if ! "${build[@]}"; then
  echo "SKIPPED: the fuzz targets do not build with this toolchain;" \
    "the seeds and regressions were replayed by cargo test"
  exit 0
fi

bash fuzz/seed.sh >/dev/null
log=$(mktemp)
for target in "${targets[@]}"; do
  echo "-- fuzz $target (${seconds}s)"
  if ! cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$target" \
    "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz target $target failed: keep the input under fuzz/regressions/$target/ (docs/fuzzing.md)"
    exit 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$log" || true
done
rm -f "$log"
