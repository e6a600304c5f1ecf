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
  local wall user sys rss
  wall=$(grep 'Elapsed (wall clock)' /tmp/plimsoll-bench-time.txt | awk '{print $NF}')
  user=$(grep 'User time' /tmp/plimsoll-bench-time.txt | awk '{print $NF}')
  sys=$(grep 'System time' /tmp/plimsoll-bench-time.txt | awk '{print $NF}')
  rss=$(grep 'Maximum resident' /tmp/plimsoll-bench-time.txt | awk '{print $NF}')
  printf '%-6s wall %s  user %ss  sys %ss  max RSS %s KB\n' "$label" "$wall" "$user" "$sys" "$rss"
}
run load input-read
run rules "input-read,$rules"
