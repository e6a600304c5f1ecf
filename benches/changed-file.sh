#!/usr/bin/env bash
# The pre-commit case: one changed file checked with its repository as
# context (SPEC section 2), in a generated repository of 10,000 documents,
# paired with the whole-repository run and with `--no-context`. The target
# for the first is 250 ms on the 2-core build machine.
set -euo pipefail
cd "$(dirname "$0")/.."
plimsoll=$(realpath "${PLIMSOLL:-target/release/plimsoll}")
[ -x "$plimsoll" ] || { cargo build --release -q -p plimsoll-cli; plimsoll=$(realpath target/release/plimsoll); }
documents=${1:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/gen_corpus.py --out "$work/repo" --files $((documents / 10)) --docs-per-file 10 >/dev/null 2>&1
git -C "$work/repo" init -q
cd "$work/repo"
changed=$(find . -name '*.yaml' | sort | sed -n 1p)
echo "repository: $documents documents; changed file: $changed"
run() {
    if command -v hyperfine >/dev/null; then
        hyperfine -N --warmup 2 --runs 10 -i "$@"
    else
        for command in "$@"; do
            echo "$command"
            for _ in 1 2 3 4 5; do
                # shellcheck disable=SC2086
                /usr/bin/time -f "  %e s wall, %U s user, %M KB peak" $command >/dev/null 2>"$work/time" || true
                tail -1 "$work/time"
            done
        done
    fi
}
run "$plimsoll check $changed" \
    "$plimsoll check --no-context $changed" \
    "$plimsoll check ."
