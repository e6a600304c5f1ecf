#!/usr/bin/env bash
# Cold start: `plimsoll check --no-context` (all rules, schema validation
# included) on one small file, a fresh process each time. (Without
# `--no-context`, a file given alone is checked with its repository as
# context, which reads the repository: benches/changed-file.sh measures that.)
set -euo pipefail
cd "$(dirname "$0")/.."
plimsoll=${PLIMSOLL:-target/release/plimsoll}
[ -x "$plimsoll" ] || cargo build --release -q
file=testdata/rules/schema/pass-core.yaml
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 50 -i "$plimsoll check --no-context $file"
else
    for _ in $(seq 20); do
        /usr/bin/time -f "%e s %M KB" "$plimsoll" check --no-context "$file" >/dev/null || true
    done
fi
