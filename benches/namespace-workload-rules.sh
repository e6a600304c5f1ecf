#!/usr/bin/env bash
# Load alone vs load + the namespace and workload guardrail rules, on a corpus
# of rendered manifests (wall time and peak memory from /usr/bin/time -v).
#
# usage: benches/namespace-workload-rules.sh CORPUS_DIR [PLIMSOLL_BINARY]
#
# A corpus: gen_corpus.py (the team's synthetic corpus generator), e.g.
#   python3 gen_corpus.py --out /tmp/corpus-100k --files 10000 --docs-per-file 10
# Build first: cargo build --release -p plimsoll-cli
set -euo pipefail
corpus=${1:?usage: $0 CORPUS_DIR [PLIMSOLL_BINARY]}
binary=${2:-target/release/plimsoll}
rules=namespace-quota,namespace-limitrange,namespace-network-policy,network-policy-dns,quota-capacity,container-resources,replicas-minimum,disruption-budget,required-workloads
run() {
  local label=$1 select=$2
  /usr/bin/time -v "$binary" check "$corpus" --select "$select" --format json --fail-on never \
    >/dev/null 2>/tmp/plimsoll-bench-time.txt
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' /tmp/plimsoll-bench-time.txt | awk '{print $NF}')
  rss=$(grep 'Maximum resident' /tmp/plimsoll-bench-time.txt | awk '{print $NF}')
  printf '%-8s wall %s  max RSS %s KB\n' "$label" "$wall" "$rss"
}
run load input-read
run rules "input-read,$rules"
