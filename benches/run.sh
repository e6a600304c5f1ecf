#!/usr/bin/env bash
# Load + built-in rules on a generated corpus: documents per second and peak
# memory of a release build, next to a parse-only Python floor (PyYAML).
#
#   benches/run.sh [DOCUMENTS]   (default 10000; 10 documents per file)
#
# The corpus is generated once per size under target/bench-corpus-N by
# benches/gen_corpus.py (seeded, deterministic). Timings are the best of
# three runs; peak RSS comes from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
documents=${1:-10000}
files=$(( documents / 10 ))
corpus="target/bench-corpus-${documents}"
if [ ! -d "$corpus" ]; then
  python3 benches/gen_corpus.py --out "$corpus" --files "$files" --docs-per-file 10 --seed 1 --violation-rate 0.1
fi
cargo build --release -q -p plimsoll-cli
binary=target/release/plimsoll
bytes=$(du -sb "$corpus" | cut -f1)

measure() { # label, command...
  local label=$1; shift
  local best="" rss=""
  for _ in 1 2 3; do
    local out
    /usr/bin/time -o target/bench-time.txt -f "%e %M" "$@" >/dev/null 2>&1 || true
    out=$(tail -1 target/bench-time.txt)
    local secs=${out% *} kb=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; rss=$kb; fi
  done
  awk -v l="$label" -v s="$best" -v kb="$rss" -v d="$documents" -v b="$bytes" \
    'BEGIN{ if (s == 0) s = 0.001; printf "%-34s %8.2f s %10.0f docs/s %7.1f MB/s %8.1f MiB peak\n", l, s, d/s, b/s/1e6, kb/1024 }'
}

echo "corpus: $documents documents, $files files, $(( bytes / 1000000 )) MB ($(nproc) cores)"
measure "plimsoll check (load only)" "$binary" check --select input-read --format json "$corpus"
measure "plimsoll check (load + rules)" "$binary" check --format json --fail-on never "$corpus"
measure "plimsoll check --jobs 1" "$binary" check --format json --fail-on never --jobs 1 "$corpus"
if python3 -c "import yaml" 2>/dev/null; then
  measure "python yaml_floor.py (parse only)" python3 benches/yaml_floor.py "$corpus"
fi
