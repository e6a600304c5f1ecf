#!/usr/bin/env bash
# Cost of the delivery/promotion rules and of `promote` and `matrix` on a
# synthetic corpus (300 rendered Helm releases × 20 documents, 7.2 MB, in
# cluster-*/{dev,staging,prod}/).
#
# usage: benches/promotion.sh CORPUS_GENERATOR   (gen_corpus.py of the bench kit)
# needs: hyperfine, python3; builds the release binary.
set -euo pipefail
generator=${1:?usage: benches/promotion.sh path/to/gen_corpus.py}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$generator" --out "$work/corpus" --files 300 --docs-per-file 20 --seed 5
cargo build --release -p plimsoll-cli --manifest-path "$root/Cargo.toml"
bin="$root/target/release/plimsoll"
mine=migration-hook,sync-wave,sync-policy,flux-depends-on,flux-interval,flux-source,component-tags,codeowners,prometheus-rule
cd "$work/corpus"
hyperfine -N -i -w1 -r8 \
  "$bin check -j2 --ignore $mine ." \
  "$bin check -j2 ." \
  "$bin matrix -j2 ." \
  "$bin promote -j2 --from staging --to prod ."
