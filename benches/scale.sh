#!/usr/bin/env bash
# Scale: wall time and peak memory of `plimsoll check` at 10k, 100k and 1M
# documents (10 per file), load only and with every built-in rule, to show
# growth is linear and where memory goes.
#
#   benches/scale.sh [SIZES...]   (default: 10000 100000 1000000)
#
# Corpora are generated once per size under target/bench-corpus-N by
# benches/gen_corpus.py (seeded; 1M documents is 100,000 files, 1.2 GB).
# The 1M run needs about 10 GB of free memory and a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/measure.sh
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 100000 1000000)
cargo build --release -q -p plimsoll-cli
binary=target/release/plimsoll
echo "$(nproc) cores; columns: documents, wall, documents/s, documents per CPU-second, peak RSS"
for documents in "${sizes[@]}"; do
  corpus="target/bench-corpus-${documents}"
  if [ ! -d "$corpus" ]; then
    python3 benches/gen_corpus.py --out "$corpus" --files $(( documents / 10 )) \
      --docs-per-file 10 --seed 1 --violation-rate 0.1 >/dev/null
  fi
  limit=$(( documents + 1 ))
  measure "load only" "$documents" "$binary" check --select input-read \
    --max-documents "$limit" --max-input-mb 1000000 --format json "$corpus"
  measure "schema only" "$documents" "$binary" check --select schema \
    --max-documents "$limit" --max-input-mb 1000000 --format json --fail-on never "$corpus"
  measure "every rule (JSON report)" "$documents" "$binary" check \
    --max-documents "$limit" --max-input-mb 1000000 --format json --fail-on never "$corpus"
done
