#!/usr/bin/env bash
# Schema validation peers on the same corpus, side by side: plimsoll
# (`--select schema`), kubernetes-validate (PyPI, `--strict`) and kubeconform
# (`-strict`, only when a `kubeconform` binary is on PATH). Prints documents
# per second (wall), documents per CPU-second and peak RSS of each.
#
# usage: benches/peers.sh [CORPUS_DIR] [SLOW_PEER_FILES]
#   CORPUS_DIR       default target/bench-corpus-100k (generated if missing)
#   SLOW_PEER_FILES  kubernetes-validate runs ~100x slower than plimsoll: it
#                    gets the first N files of the corpus (sorted; default
#                    all), and plimsoll is also measured on that same subset.
#   KUBECONFORM_SCHEMAS  -schema-location for kubeconform (default: "default",
#                    which downloads; point it at an offline standalone
#                    folder, see schemas/kubernetes/SOURCES.md).
#   PLIMSOLL         binary to measure (default: target/release/plimsoll)
# Install the Python peer with: pip install kubernetes-validate
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-target/bench-corpus-100k}
slow_files=${2:-}
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q
[ -d "$corpus" ] || python3 benches/gen_corpus.py --out "$corpus" --files 10000 --docs-per-file 10 >&2
. benches/measure.sh
count() {
    "$plimsoll" check --select input-read --format json "$@" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["documents"])'
}
docs=$(count "$corpus")
echo "corpus: $corpus ($docs documents), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
measure "plimsoll --select schema" "$docs" "$plimsoll" check --select schema -q "$corpus"
if command -v kubeconform >/dev/null; then
    measure "kubeconform -strict" "$docs" kubeconform -strict -summary \
        -kubernetes-version 1.37.0 -schema-location "${KUBECONFORM_SCHEMAS:-default}" \
        -ignore-missing-schemas "$corpus"
else
    echo "kubeconform: not on PATH, skipped"
fi
if command -v kubernetes-validate >/dev/null; then
    mapfile -t files < <(find "$corpus" -name '*.yaml' | sort)
    if [ -n "$slow_files" ]; then
        files=("${files[@]:0:$slow_files}")
        subset_docs=$(count "${files[@]}")
        echo "subset for kubernetes-validate: first ${#files[@]} files ($subset_docs documents)"
        measure "plimsoll --select schema (subset)" "$subset_docs" \
            "$plimsoll" check --select schema -q "${files[@]}"
    else
        subset_docs=$docs
    fi
    measure "kubernetes-validate --strict" "$subset_docs" \
        kubernetes-validate --strict --quiet --no-warn "${files[@]}"
else
    echo "kubernetes-validate: not installed (pip install kubernetes-validate), skipped"
fi
