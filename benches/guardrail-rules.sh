#!/usr/bin/env bash
# Cost of the guardrail rules against load alone, at two corpus sizes, to
# show that set rules grow linearly with the number of objects.
#
# usage: benches/guardrail-rules.sh GEN_CORPUS_PY [WORKDIR]
#   GEN_CORPUS_PY  the synthetic corpus generator (gen_corpus.py: rendered
#                  helm-template style manifests, dev/staging/prod)
#   WORKDIR        where corpora are written (default: a temporary dir)
#
# Needs a release build (`cargo build --release -p plimsoll-cli`) and GNU
# time. Prints wall-clock seconds and peak RSS per run.
set -euo pipefail

generator=${1:?usage: $0 GEN_CORPUS_PY [WORKDIR]}
workdir=${2:-$(mktemp -d)}
root=$(cd "$(dirname "$0")/.." && pwd)
plimsoll="$root/target/release/plimsoll"
rules=image-registry,image-pull-secret,naming-convention,environment-label,environment-mismatch,probes,pod-security,selector-mismatch,dangling-reference,sealed-secret,external-secret,secret-reference,secret-literal

for files in 1000 10000; do
  corpus="$workdir/corpus-$files"
  [ -d "$corpus" ] || python3 "$generator" --out "$corpus" --files "$files" --docs-per-file 10 >/dev/null
  for select in input-read "$rules"; do
    label=$([ "$select" = input-read ] && echo "load only" || echo "guardrail rules")
    for run in 1 2 3; do
      /usr/bin/time -f "%e s %M KB" "$plimsoll" check "$corpus" --select "$select" \
        --fail-on never --format json -o /dev/null 2>&1 | sed "s|^|$((files * 10)) docs, $label, run $run: |"
    done
  done
done
