#!/usr/bin/env bash
# Schema-only benchmark: plimsoll `--select schema` over a generated corpus
# (default 100,000 documents: 10,000 files x 10), next to loading alone
# (`--select input-read`, a rule that reads nothing more) so the cost of
# schema validation over the YAML floor shows.
#
# usage: benches/schema.sh [CORPUS_DIR] [FILES]
#   CORPUS_DIR  generated with benches/gen_corpus.py if missing
#               (default: target/bench-corpus-100k)
#   PLIMSOLL    binary to measure (default: target/release/plimsoll)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-target/bench-corpus-100k}
files=${2:-10000}
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q
if [ ! -d "$corpus" ]; then
    python3 benches/gen_corpus.py --out "$corpus" --files "$files" --docs-per-file 10 >&2
fi
docs=$("$plimsoll" check --select input-read --format json "$corpus" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["documents"])')
. benches/measure.sh
echo "corpus: $corpus ($docs documents), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
measure "plimsoll load only (input-read)" "$docs" "$plimsoll" check --select input-read -q "$corpus"
measure "plimsoll --select schema" "$docs" "$plimsoll" check --select schema -q "$corpus"
